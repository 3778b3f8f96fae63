/**
 * The private key never on disk: it lives in an ssh-agent this process starts (one per key, fed over a pipe with
 * `ssh-add -`), which dies with the process however it ends, SIGKILL included (a watcher holds a pipe from this
 * process and kills the agent on EOF). Part of the SSH runner (lib/remote/ssh.ts).
 *
 * Everything below is required inside the functions, not imported at the top: the SshStep provider is
 * serialized with its closure.
 */

/** An agent of this process, holding one key. */
export interface Agent {
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

/** Starts an agent and its watcher, and loads the key into it over a pipe. */
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
