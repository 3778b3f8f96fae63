/**
 * Running a command line on a bench node with OpenSSH's client: host key pinned (StrictHostKeyChecking=yes
 * against a known_hosts holding only that key), batch mode, and the private key never on disk: it lives in an
 * ssh-agent this process starts (one per key, fed over a pipe with `ssh-add -`), which dies with the process
 * however it ends, SIGKILL included (a watcher holds a pipe from this process and kills the agent on EOF).
 * What a step reads and prints is bounded: a step that stops reading its input or floods its output fails
 * alone, naming the node, never the whole process (and with it every other bench of a parallel run).
 * Used by the SshStep resource and by the instructor commands' probes.
 *
 * One connection per node per process: the first command on a node starts an OpenSSH master for it (`-M -N -f`
 * with ControlPersist, its standard streams never the callers' pipes: /dev/null and a log file), which makes the
 * connection, checks the pinned host key and authenticates; every later command on that node is a session on it
 * (a mux client: no new handshake). The control sockets live in a 0700 directory of this process; a watcher
 * like the agent's kills every master and removes the directory when this process ends, however it ends.
 * The socket's name covers the host, port, user, host key and key: a connection with another host key never
 * reaches a master that checked a different one. NETLAB_SSH_MUX=0 makes every command its own connection.
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
  /** Seconds to open a connection, banner included (OpenSSH's ConnectTimeout). @default 10 */
  connectTimeout?: number;
  /** Seconds a node may leave an open connection unanswered (ServerAlive probes every 15 s). @default 45 */
  aliveTimeout?: number;
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

/** Sessions at once on one master: under sshd's default MaxSessions (10); more callers wait their turn. */
const MUX_SESSIONS = 8;
/** A master with no session for this long exits by itself (a backstop; the watcher ends it with the process). */
const MUX_PERSIST_SECONDS = 120;

/** A node's master: its control socket, and the public files every client on that node uses. */
interface Master {
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
  const watch = 'pids=; while read -r p; do pids="$pids $p"; done; ' +
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

/** The options every ssh invocation for this connection shares: pinned host key, the agent's key only, batch mode. */
function sshOptions(c: SshConnection, agent: Agent, identity: string, knownHosts: string): string[] {
  return [
    "-i", identity, "-o", "IdentitiesOnly=yes", "-o", `IdentityAgent=${agent.socket}`, "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", `ConnectTimeout=${c.connectTimeout ?? 10}`,
    "-o", "ServerAliveInterval=15", "-o", `ServerAliveCountMax=${Math.max(1, Math.ceil((c.aliveTimeout ?? 45) / 15))}`,
    "-o", "LogLevel=ERROR", "-p", String(c.port), "-l", c.user,
  ];
}

/** Public material only: the key's public half (which picks it in the agent) and the pinned host key. */
function writePublicFiles(c: SshConnection, agent: Agent, identity: string, knownHosts: string): void {
  const fs = require("node:fs") as typeof import("node:fs");
  fs.writeFileSync(identity, `${agent.publicKey}\n`, { mode: 0o600 });
  const hostPattern = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
  fs.writeFileSync(knownHosts, `${hostPattern} ${c.hostKey.split(/\s+/).slice(0, 2).join(" ")}\n`, { mode: 0o600 });
}

/** Starts a master for the connection: resolves once it is connected, the host key checked and logged in. */
async function startMaster(c: SshConnection, agent: Agent, where: string, state: MuxState, id: string): Promise<Master> {
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const dir = state.dir;
  const m: Master = {
    socket: path.join(dir, `${id}.s`), identity: path.join(dir, `${id}.pub`), knownHosts: path.join(dir, `${id}.hosts`), running: 0, waiting: [],
  };
  writePublicFiles(c, agent, m.identity, m.knownHosts);
  fs.rmSync(m.socket, { force: true });
  // Its standard streams are /dev/null and a log file, never a pipe of this process: the master outlives the
  // command that started it (-f: it goes to the background once logged in) and must hold nobody's pipe open.
  const logFile = path.join(dir, `${id}.log`);
  const log = fs.openSync(logFile, "w", 0o600);
  const args = [
    "-M", "-N", "-f", "-S", m.socket, "-o", `ControlPersist=${MUX_PERSIST_SECONDS}`,
    ...sshOptions(c, agent, m.identity, m.knownHosts), c.host,
  ];
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
  const id = createHash("sha256").update(JSON.stringify([c.host, c.port, c.user, hostKey, agent.publicKey])).digest("hex").slice(0, 16);
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
async function inSlot<T>(m: Master, fn: () => Promise<T>): Promise<T> {
  while (m.running >= MUX_SESSIONS) await new Promise<void>((r) => m.waiting.push(r));
  m.running++;
  try {
    return await fn();
  } finally {
    m.running--;
    m.waiting.shift()?.();
  }
}

/** Runs a command line on the node; resolves stdout, rejects naming the node, the address and what ssh said. */
export async function runSsh(c: SshConnection, commandLine: string, stdin: SshInput, limits: SshLimits = {}): Promise<string> {
  const where = `${c.node} (${c.user}@${c.host}:${c.port})`;
  let agent: Agent;
  try {
    agent = await agentFor(c.privateKey);
  } catch (e) {
    throw new Error(`${where}: cannot load the SSH key into an ssh-agent: ${(e as Error).message.split("\n")[0]}`);
  }
  const maxOut = limits.maxOutputBytes ?? 16 << 20;
  if (!sshMultiplexing()) return runDirect(c, agent, where, commandLine, stdin, maxOut);
  for (let attempt = 1; ; attempt++) {
    const m = await masterFor(c, agent, where);
    // ControlMaster=no: a client of the master; should the socket be gone, ssh connects by itself with the same options.
    const args = [...sshOptions(c, agent, m.identity, m.knownHosts), "-S", m.socket, "-o", "ControlMaster=no", c.host, "--", commandLine];
    try {
      return await inSlot(m, () => runClient(where, args, stdin, maxOut));
    } catch (e) {
      // The master went away before the session started (its connection dropped): once more, on a new one.
      if (attempt > 1 || !(e as { muxLost?: boolean }).muxLost) throw e;
      const state = muxState();
      for (const [id, p] of state.masters) if ((await p.catch(() => undefined)) === m) state.masters.delete(id);
    }
  }
}

/** One connection for this command alone (NETLAB_SSH_MUX=0). */
async function runDirect(c: SshConnection, agent: Agent, where: string, commandLine: string, stdin: SshInput, maxOut: number): Promise<string> {
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netlab-ssh-"));
  try {
    const identity = path.join(dir, "id.pub");
    const knownHosts = path.join(dir, "known_hosts");
    writePublicFiles(c, agent, identity, knownHosts);
    return await runClient(where, [...sshOptions(c, agent, identity, knownHosts), c.host, "--", commandLine], stdin, maxOut);
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
        if (!overflow) {
          child.kill("SIGKILL");
          // A mux client's master holds the other end of this pipe while the remote command runs: closing ours ends it.
          child.stdout.destroy();
        }
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
        const error = new Error(`${where}: ${what}: ${stderr.split("\n").slice(-15).join("\n")}`);
        // A mux client that could not open its session: nothing ran on the node.
        if (code === 255 && outBytes === 0 && /^(mux_client_|muxclient|Control socket)/m.test(stderr)) Object.assign(error, { muxLost: true });
        reject(error);
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
