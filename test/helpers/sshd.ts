/** A real OpenSSH server on 127.0.0.1 for the SSH runner's tests: own host key, root login with a test key. */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { SshConnection } from "../../lib/remote/ssh";

export interface TestSshd {
  readonly connection: SshConnection;
  readonly dir: string;
  /** Connections sshd has accepted (logged in) so far. */
  logins(): number;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-test-sshd-"));
  for (const [file, comment] of [
    ["host", "test-host"],
    ["client", "test-client"],
  ]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment!, "-f", path.join(dir, file!)]);
  }
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(path.join(dir, "client.pub")), { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    path.join(dir, "sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${path.join(dir, "host")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "LogLevel INFO",
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const sshd: ChildProcess = spawn("/usr/sbin/sshd", ["-D", "-E", path.join(dir, "sshd.log"), "-f", path.join(dir, "sshd_config")], { stdio: "ignore" });
  const hostKey = readFileSync(path.join(dir, "host.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  const connection: SshConnection = {
    node: "testnode",
    host: "127.0.0.1",
    port,
    user: os.userInfo().username,
    privateKey: readFileSync(path.join(dir, "client"), "utf8"),
    hostKey,
  };
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: "ignore" });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    connection,
    dir,
    logins: () => {
      try {
        return (readFileSync(path.join(dir, "sshd.log"), "utf8").match(/^.*Accepted publickey for /gm) ?? []).length;
      } catch {
        return 0;
      }
    },
    stop: () => {
      sshd.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
