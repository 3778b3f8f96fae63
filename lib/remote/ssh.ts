/**
 * Running a command line on a bench node with OpenSSH's client: host key pinned (StrictHostKeyChecking=yes
 * against a known_hosts holding only that key), the private key only in a 0600 temporary file, batch mode.
 * Used by the SshStep resource and by the instructor commands' probes.
 */

export interface SshConnection {
  /** Node name, for error messages. */
  node: string;
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** "ssh-ed25519 AAAA..." */
  hostKey: string;
}

/** Standard input of a remote command: text, or a stream made when the command starts (e.g. a tar of a directory). */
export type SshInput = string | undefined | (() => NodeJS.ReadableStream);

/** Runs a command line on the node; resolves stdout, rejects naming the node, the address and what ssh said. */
export async function runSsh(c: SshConnection, commandLine: string, stdin: SshInput): Promise<string> {
  // Required here, not imported at the top: the provider is serialized with its closure.
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-ssh-"));
  try {
    const key = path.join(dir, "id");
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(key, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
    const hostPattern = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
    fs.writeFileSync(knownHosts, `${hostPattern} ${c.hostKey.split(/\s+/).slice(0, 2).join(" ")}\n`, { mode: 0o600 });
    const args = [
      "-i", key, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "LogLevel=ERROR",
      "-p", String(c.port), "-l", c.user, c.host, "--", commandLine,
    ];
    return await new Promise<string>((resolve, reject) => {
      const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.on("error", (e) => reject(new Error(`${c.node} (${c.user}@${c.host}:${c.port}): cannot run ssh: ${e.message}`)));
      child.on("close", (code) => {
        const stderr = Buffer.concat(err).toString("utf8").trim();
        if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
        const what = code === 255 ? "ssh connection failed" : `step exited ${code}`;
        reject(new Error(`${c.node} (${c.user}@${c.host}:${c.port}): ${what}: ${stderr.split("\n").slice(-15).join("\n")}`));
      });
      if (typeof stdin === "function") {
        const source = stdin();
        source.on("error", (e: Error) => child.kill() && reject(new Error(`${c.node}: reading the input failed: ${e.message}`)));
        child.stdin.on("error", () => source.unpipe?.());
        source.pipe(child.stdin);
      } else {
        child.stdin.end(stdin ?? "");
      }
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

