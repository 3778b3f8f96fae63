/** Child process for the SSH runner test: loads the key, says "ready", then runs a long step until killed. */
import { agentFor, runSsh, type SshConnection } from "../../../lib/remote/ssh";

const connection = JSON.parse(process.env.NETLAB_TEST_CONNECTION!) as SshConnection;
void (async () => {
  const agent = await agentFor(connection.privateKey);
  process.stdout.write(`ready ${agent.socket}\n`);
  await runSsh(connection, "sleep 60", undefined);
})();
