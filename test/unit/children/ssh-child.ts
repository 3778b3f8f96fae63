/** Child process for the SSH runner test: loads the key, starts the node's master, says "ready", then runs a long step until killed. */
import { runSsh, type SshConnection } from "../../../lib/remote/ssh";
import { agentFor } from "../../../lib/remote/ssh-agent";
import { sshMuxDir } from "../../../lib/remote/ssh-master";

const connection = JSON.parse(process.env.NETLAB_TEST_CONNECTION!) as SshConnection;
void (async () => {
  const agent = await agentFor(connection.privateKey);
  await runSsh(connection, "true", undefined); // the node's master is up
  process.stdout.write(`ready ${agent.socket} ${sshMuxDir()}\n`);
  await runSsh(connection, "sleep 60", undefined);
})();
