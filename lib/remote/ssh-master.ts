/**
 * One connection per node per process: the first command on a node starts an OpenSSH master for it (`-M -N -f`
 * with ControlPersist, its standard streams never the callers' pipes: /dev/null and a log file), which makes the
 * connection, checks the pinned host key and authenticates; every later command on that node is a session on it
 * (a mux client: no new handshake). The control sockets live in a 0700 directory of this process; a watcher
 * like the agent's kills every master and removes the directory when this process ends, however it ends.
 * The socket's name covers the host, port, user, host key and key: a connection with another host key never
 * reaches a master that checked a different one. NETLAB_SSH_MUX=0 makes every command its own connection.
 * Part of the SSH runner (lib/remote/ssh.ts).
 *
 * Everything below is required inside the functions, not imported at the top: the SshStep provider is
 * serialized with its closure.
 */
import type { Agent } from "./ssh-agent";
import { sshOptions, writePublicFiles, type SshConnection } from "./ssh-options";

/** Sessions at once on one master: under sshd's default MaxSessions (10); more callers wait their turn. */
const MUX_SESSIONS = 8;
/** A master with no session for this long exits by itself (a backstop; the watcher ends it with the process). */
const MUX_PERSIST_SECONDS = 120;

/** A node's master: its control socket, and the public files every client on that node uses. */
export interface Master {
  readonly socket: string;
  readonly identity: string;
  readonly knownHosts: string;
  /** Sessions running on it now, and those waiting for a slot. */
  running: number;
  readonly waiting: (() => void)[];
}

interface MuxState {
  /** This process's private directory (0700): control sockets, public keys, the masters' logs. */
  readonly dir: string;
  readonly masters: Map<string, Promise<Master>>;
  /** Tells the watcher (and this process's exit) a master's pid. */
  readonly track: (pid: number) => void;
}

/** This process's directory of control sockets, once a master was started (for tests). */
export function sshMuxDir(): string | undefined {
  return (globalThis as { __netlabSshMux?: MuxState }).__netlabSshMux?.dir;
}

/** Whether commands share one connection per node (NETLAB_SSH_MUX=0: no). */
export function sshMultiplexing(): boolean {
  return process.env.NETLAB_SSH_MUX !== "0";
}

/**
 * This process's multiplexing state, made on first use with its watcher: a shell reading a pipe from this
 * process until EOF (this process is gone, however it ended), then killing each master this process told it of
 * (a process still naming the directory: never a reused pid) and removing the directory. On a normal exit this
 * process kills them itself. On globalThis: this module may be loaded more than once.
 */
function muxState(): MuxState {
  const g = globalThis as { __netlabSshMux?: MuxState };
  if (g.__netlabSshMux) return g.__netlabSshMux;
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  // A socket's path must fit in sun_path (108 bytes, with the 17 characters ssh adds while binding it).
  const base = os.tmpdir().length <= 60 ? os.tmpdir() : "/tmp";
  const dir = fs.mkdtempSync(path.join(base, "netlab-mux-")); // mode 0700
  const watch =
    'pids=; while read -r p; do pids="$pids $p"; done; ' +
    'for p in $pids; do grep -qF -- "$1" "/proc/$p/cmdline" 2>/dev/null && kill "$p"; done; rm -rf -- "$1"';
  const watcher = spawn("bash", ["-c", watch, "netlab-mux", dir], { stdio: ["pipe", "ignore", "ignore"], detached: true });
  watcher.on("error", () => {});
  watcher.stdin!.on("error", () => {});
  watcher.unref();
  (watcher.stdin as unknown as { unref(): void }).unref();
  const pids: number[] = [];
  process.once("exit", () => {
    for (const pid of pids) {
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir)) process.kill(pid);
      } catch {
        // gone already
      }
    }
    watcher.stdin?.destroy();
  });
  const track = (pid: number) => {
    pids.push(pid);
    watcher.stdin?.write(`${pid}\n`);
  };
  g.__netlabSshMux = { dir, masters: new Map(), track };
  return g.__netlabSshMux;
}

/** Starts a master for the connection: resolves once it is connected, the host key checked and logged in. */
async function startMaster(c: SshConnection, agent: Agent, where: string, state: MuxState, id: string): Promise<Master> {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const dir = state.dir;
  const m: Master = {
    socket: path.join(dir, `${id}.s`),
    identity: path.join(dir, `${id}.pub`),
    knownHosts: path.join(dir, `${id}.hosts`),
    running: 0,
    waiting: [],
  };
  writePublicFiles(c, agent, m.identity, m.knownHosts);
  fs.rmSync(m.socket, { force: true });
  // Its standard streams are /dev/null and a log file, never a pipe of this process: the master outlives the
  // command that started it (-f: it goes to the background once logged in) and must hold nobody's pipe open.
  const logFile = path.join(dir, `${id}.log`);
  const log = fs.openSync(logFile, "w", 0o600);
  const args = ["-M", "-N", "-f", "-S", m.socket, "-o", `ControlPersist=${MUX_PERSIST_SECONDS}`, ...sshOptions(c, agent, m.identity, m.knownHosts), c.host];
  let code: number | null;
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn("ssh", args, { stdio: ["ignore", "ignore", log], detached: true });
      child.on("error", (e) => reject(new Error(`${where}: cannot run ssh: ${e.message}`)));
      child.on("exit", (status) => resolve(status));
    });
  } finally {
    fs.closeSync(log);
  }
  if (code !== 0 || !fs.existsSync(m.socket)) {
    const said = fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n");
    throw new Error(`${where}: ssh connection failed: ${said || `ssh exited ${code}`}`);
  }
  // The master went to the background: its pid, from the master itself, for the watcher.
  const pid = await new Promise<number | undefined>((resolve) => {
    const { execFile } = require("node:child_process") as typeof import("node:child_process");
    execFile("ssh", ["-S", m.socket, "-O", "check", "netlab"], (_err, _out, err) => resolve(Number(/pid=(\d+)/.exec(String(err))?.[1]) || undefined));
  });
  if (pid !== undefined) state.track(pid);
  return m;
}

/** The connection's master in this process: started on first use, again when the last one has gone. */
export async function masterFor(c: SshConnection, agent: Agent, where: string): Promise<Master> {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const fs = require("node:fs") as typeof import("node:fs");
  const state = muxState();
  const hostKey = c.hostKey.split(/\s+/).slice(0, 2).join(" ");
  const id = createHash("sha256")
    .update(JSON.stringify([c.host, c.port, c.user, hostKey, agent.publicKey]))
    .digest("hex")
    .slice(0, 16);
  const known = state.masters.get(id);
  if (known) {
    const m = await known.catch(() => undefined);
    if (m && fs.existsSync(m.socket)) return m;
    if (state.masters.get(id) === known) state.masters.delete(id);
    if (state.masters.has(id)) return masterFor(c, agent, where);
  }
  const started = startMaster(c, agent, where, state, id);
  state.masters.set(id, started);
  started.catch(() => {
    if (state.masters.get(id) === started) state.masters.delete(id);
  });
  return started;
}

/** Runs `fn` in one of the master's session slots. */
export async function inSlot<T>(m: Master, fn: () => Promise<T>): Promise<T> {
  while (m.running >= MUX_SESSIONS) await new Promise<void>((r) => m.waiting.push(r));
  m.running++;
  try {
    return await fn();
  } finally {
    m.running--;
    m.waiting.shift()?.();
  }
}

/** Forgets a master whose connection dropped: the next command on its node starts a new one. */
export async function forgetMaster(m: Master): Promise<void> {
  const state = muxState();
  for (const [id, p] of state.masters) if ((await p.catch(() => undefined)) === m) state.masters.delete(id);
}
