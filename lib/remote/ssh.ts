/**
 * Running a command line on a bench node with OpenSSH's client: host key pinned (StrictHostKeyChecking=yes
 * against a known_hosts holding only that key), batch mode, and the private key never on disk: it lives in an
 * ssh-agent this process starts (one per key, fed over a pipe with `ssh-add -`), which dies with the process
 * however it ends, SIGKILL included (a watcher holds a pipe from this process and kills the agent on EOF).
 * What a step reads and prints is bounded: a step that stops reading its input or floods its output fails
 * alone, naming the node, never the whole process (and with it every other bench of a parallel run).
 * Used by the SshStep resource and by the instructor commands' probes.
 *
 * Everything below is required inside the functions, not imported at the top: the SshStep provider is
 * serialized with its closure.
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

export interface SshLimits {
  /** Most bytes of standard output kept; more fails the step. @default 16 MiB */
  readonly maxOutputBytes?: number;
}

interface Agent {
  readonly socket: string;
  /** The key's public half ("ssh-ed25519 AAAA..."), to pick it in the agent. */
  readonly publicKey: string;
}

/** The process-wide agents, by key hash (on globalThis: this module may be loaded more than once). */
function agents(): Map<string, Promise<Agent>> {
  const g = globalThis as { __netlabSshAgents?: Map<string, Promise<Agent>> };
  g.__netlabSshAgents ??= new Map();
  return g.__netlabSshAgents;
}

/** Runs a program, feeding `stdin`; resolves stdout, rejects with stderr. */
function runLocal(file: string, args: string[], env: Record<string, string>, stdin: string): Promise<string> {
  const { execFile } = require("node:child_process") as typeof import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file}: ${String(stderr).trim() || err.message}`)) : resolve(String(stdout)),
    );
    child.stdin?.on("error", () => {}); // the exit status tells
    child.stdin?.end(stdin);
  });
}

async function startAgent(privateKey: string): Promise<Agent> {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-agent-"));
  const socket = path.join(dir, "agent.sock");
  // The watcher reads its stdin, a pipe from this process, until EOF (this process is gone), then kills the agent.
  const watch = 'ssh-agent -D -a "$1" >/dev/null 2>&1 & agent=$!; cat >/dev/null; kill "$agent"; rm -rf -- "$2"';
  const watcher = spawn("bash", ["-c", watch, "netlab-agent", socket, dir], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  watcher.on("error", () => {});
  watcher.unref();
  (watcher.stdin as unknown as { unref(): void }).unref();
  for (let i = 0; !fs.existsSync(socket); i++) {
    if (i > 200 || watcher.exitCode !== null) throw new Error(`ssh-agent did not start (no socket ${socket})`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const env = { SSH_AUTH_SOCK: socket };
  await runLocal("ssh-add", ["-q", "-"], env, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`);
  const publicKey = (await runLocal("ssh-add", ["-L"], env, "")).trim().split("\n")[0]!.split(/\s+/).slice(0, 2).join(" ");
  process.once("exit", () => {
    watcher.stdin?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { socket, publicKey };
}

/** The agent holding `privateKey`, started on first use. */
export function agentFor(privateKey: string): Promise<Agent> {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const id = createHash("sha256").update(privateKey).digest("hex");
  let agent = agents().get(id);
  if (!agent) {
    agent = startAgent(privateKey);
    agents().set(id, agent);
    agent.catch(() => agents().delete(id));
  }
  return agent;
}

/** Standard input of a remote command: text, or a stream made when the command starts (e.g. a tar of a directory). */
export type SshInput = string | undefined | (() => NodeJS.ReadableStream);

/** Runs a command line on the node; resolves stdout, rejects naming the node, the address and what ssh said. */
export async function runSsh(c: SshConnection, commandLine: string, stdin: SshInput, limits: SshLimits = {}): Promise<string> {
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const where = `${c.node} (${c.user}@${c.host}:${c.port})`;
  let agent: Agent;
  try {
    agent = await agentFor(c.privateKey);
  } catch (e) {
    throw new Error(`${where}: cannot load the SSH key into an ssh-agent: ${(e as Error).message.split("\n")[0]}`);
  }
  // Public material only: the pinned host key and the key's public half (which picks it in the agent).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-ssh-"));
  try {
    const identity = path.join(dir, "id.pub");
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(identity, `${agent.publicKey}\n`, { mode: 0o600 });
    const hostPattern = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
    fs.writeFileSync(knownHosts, `${hostPattern} ${c.hostKey.split(/\s+/).slice(0, 2).join(" ")}\n`, { mode: 0o600 });
    const args = [
      "-i", identity, "-o", "IdentitiesOnly=yes", "-o", `IdentityAgent=${agent.socket}`, "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "LogLevel=ERROR",
      "-p", String(c.port), "-l", c.user, c.host, "--", commandLine,
    ];
    return await runClient(where, args, stdin, limits.maxOutputBytes ?? 16 << 20);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The ssh client itself, with bounded output and a stdin that may be refused (EPIPE) without harm. */
function runClient(where: string, args: string[], stdin: SshInput, maxOut: number): Promise<string> {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const MAX_ERR = 64 << 10;
  return new Promise<string>((resolve, reject) => {
    const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let overflow = false;
    child.stdout.on("data", (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxOut) {
        if (!overflow) child.kill("SIGKILL");
        overflow = true;
        return;
      }
      out.push(d);
    });
    // Only the tail of stderr is kept: it is what says why.
    child.stderr.on("data", (d: Buffer) => {
      err = Buffer.concat([err, d]);
      if (err.length > MAX_ERR) err = err.subarray(err.length - MAX_ERR);
    });
    child.on("error", (e) => reject(new Error(`${where}: cannot run ssh: ${e.message}`)));
    child.on("close", (code, signal) => {
      try {
        if (overflow) {
          return reject(new Error(`${where}: the step printed more than ${maxOut} bytes; stopped (output is bounded so one node cannot exhaust this process)`));
        }
        const stderr = err.toString("utf8").trim();
        if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
        const what = code === 255 ? "ssh connection failed" : code === null ? `ssh ended by ${signal}` : `step exited ${code}`;
        reject(new Error(`${where}: ${what}: ${stderr.split("\n").slice(-15).join("\n")}`));
      } catch (e) {
        reject(new Error(`${where}: reading the step's output failed: ${(e as Error).message}`));
      }
    });
    // A step that exits without reading all of its input closes the pipe (EPIPE): its exit status tells.
    child.stdin.on("error", () => {});
    if (typeof stdin === "function") {
      const source = stdin();
      source.on("error", (e: Error) => {
        child.kill("SIGKILL");
        reject(new Error(`${where}: reading the input failed: ${e.message}`));
      });
      source.pipe(child.stdin);
    } else {
      child.stdin.end(stdin ?? "");
    }
  });
}
