/**
 * One real OpenSSH server per simulated node, inside the node's namespace, with its own host key, config and pid
 * file in the state directory. The provisioner logs in as root with a generated client key, checking the pinned
 * host key like on a real bench.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { NodeSpec } from "../spec/types";
import { run, sleep } from "./exec";

export const SSHD = "/usr/sbin/sshd";
export const SIM_SSH_PORT = 22;
export const SIM_SSH_USER = "root";

export interface NodeSshPaths {
  readonly dir: string;
  readonly hostKey: string;
  readonly config: string;
  readonly pidFile: string;
  readonly logFile: string;
}

export function nodeSshPaths(stateDir: string, node: string): NodeSshPaths {
  const dir = path.join(stateDir, node);
  return {
    dir,
    hostKey: path.join(dir, "ssh_host_ed25519_key"),
    config: path.join(dir, "sshd_config"),
    pidFile: path.join(dir, "sshd.pid"),
    logFile: path.join(dir, "sshd.log"),
  };
}

export interface ClientKeyPaths {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly authorizedKeys: string;
}

export function clientKeyPaths(stateDir: string): ClientKeyPaths {
  const dir = path.join(stateDir, "client");
  return { privateKey: path.join(dir, "id_ed25519"), publicKey: path.join(dir, "id_ed25519.pub"), authorizedKeys: path.join(dir, "authorized_keys") };
}

/** An ed25519 key pair at `file` (+ .pub), generated once. */
export async function ensureKeyPair(context: string, file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  await run(context, "ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}

/** "ssh-ed25519 AAAA..." without the comment. */
export function publicKeyLine(pubFile: string): string {
  return readFileSync(pubFile, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/** The client key pair and the authorized_keys file every node's sshd reads. */
export async function ensureClientKey(stateDir: string, benchId: string): Promise<ClientKeyPaths> {
  const k = clientKeyPaths(stateDir);
  await ensureKeyPair(`sim ${benchId}: generating the provisioner's client key`, k.privateKey, `netlab-sim-${benchId}`);
  writeFileSync(k.authorizedKeys, `${publicKeyLine(k.publicKey)} netlab-sim-${benchId}\n`, { mode: 0o600 });
  return k;
}

/**
 * One `SetEnv NAME="value" ...` line: sshd takes the first SetEnv only, and has no escape for a double quote or a
 * line break in a value.
 */
function setEnvLine(env: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || /["\n\\]/.test(value)) throw new Error(`sim: cannot pass ${name}=${JSON.stringify(value)} to sshd's SetEnv`);
    return `${name}="${value}"`;
  });
  return `SetEnv ${pairs.join(" ")}`;
}

function sshdConfig(node: NodeSpec, p: NodeSshPaths, authorizedKeys: string, env: Readonly<Record<string, string>>): string {
  return [
    `# netlab sim: sshd of ${node.name}, started in its network namespace`,
    `ListenAddress ${node.management.address}`,
    `Port ${SIM_SSH_PORT}`,
    `HostKey ${p.hostKey}`,
    `PidFile ${p.pidFile}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The state directory may live under a world-writable /tmp.
    "StrictModes no",
    "X11Forwarding no",
    "PrintMotd no",
    "LogLevel VERBOSE",
    // The simulated node's commands first on PATH, and where its files and state are (node-env.ts).
    setEnvLine(env),
    "",
  ].join("\n");
}

/** Host key and sshd_config of a node (both kept if present, the config rewritten). */
export async function prepareSshd(stateDir: string, benchId: string, node: NodeSpec, env: Readonly<Record<string, string>>): Promise<NodeSshPaths> {
  const p = nodeSshPaths(stateDir, node.name);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  await ensureKeyPair(`sim ${benchId} node ${node.name}: generating the host key`, p.hostKey, `root@${node.name}`);
  writeFileSync(p.config, sshdConfig(node, p, clientKeyPaths(stateDir).authorizedKeys, env), { mode: 0o600 });
  return p;
}

/** The pid of the node's running sshd listener, or undefined (pid file missing, stale or reused). */
export function runningSshdPid(p: NodeSshPaths): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(p.pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes(p.config) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the node's sshd in `namespace` unless it runs; resolves once it listens (it writes its pid file after binding). */
export async function launchSshd(benchId: string, node: NodeSpec, namespace: string, p: NodeSshPaths): Promise<number> {
  const running = runningSshdPid(p);
  if (running) return running;
  const what = `sim ${benchId} node ${node.name}: starting sshd in namespace ${namespace}`;
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation directory
  rmSync(p.pidFile, { force: true });
  await run(what, "ip", ["netns", "exec", namespace, SSHD, "-t", "-f", p.config]);
  await run(what, "ip", ["netns", "exec", namespace, SSHD, "-f", p.config, "-E", p.logFile]);
  for (let i = 0; i < 100; i++) {
    const pid = runningSshdPid(p);
    if (pid) return pid;
    await sleep(50);
  }
  const log = existsSync(p.logFile) ? readFileSync(p.logFile, "utf8").trim().split("\n").slice(-5).join("\n") : "(no log)";
  throw new Error(`${what}: no pid file ${p.pidFile} after 5s; ${p.logFile}:\n${log}`);
}

/** Stops the node's sshd listener (sessions already open are left alone); no-op when it does not run. */
export async function terminateSshd(p: NodeSshPaths): Promise<void> {
  const pid = runningSshdPid(p);
  if (pid) {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        break;
      }
      for (let i = 0; i < 40 && alive(pid); i++) await sleep(25);
      if (!alive(pid)) break;
    }
  }
  rmSync(p.pidFile, { force: true });
}

/** True while the process exists and is not a zombie (PID 1 of a container may be slow to reap). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
