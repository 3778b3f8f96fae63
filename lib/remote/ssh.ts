/**
 * Running a command line on a bench node with OpenSSH's client: host key pinned (StrictHostKeyChecking=yes
 * against a known_hosts holding only that key, ssh-options.ts), batch mode, and the private key never on disk:
 * it lives in an ssh-agent this process starts (ssh-agent.ts), which dies with the process however it ends.
 * What a step reads and prints is bounded: a step that stops reading its input or floods its output fails
 * alone, naming the node, never the whole process (and with it every other bench of a parallel run).
 * Commands on a node share one connection, an OpenSSH master per node and process (ssh-master.ts);
 * NETLAB_SSH_MUX=0 makes every command its own connection. Read-only probes are batched (ssh-probe.ts).
 * Used by the SshStep resource and by the instructor commands' probes.
 *
 * Everything below is required inside the functions, not imported at the top: the SshStep provider is
 * serialized with its closure (and with it the functions of ssh-agent.ts, ssh-options.ts and ssh-master.ts it calls).
 */
import { agentFor, type Agent } from "./ssh-agent";
import { forgetMaster, inSlot, masterFor, sshMultiplexing } from "./ssh-master";
import { sshOptions, writePublicFiles, type SshConnection } from "./ssh-options";

export type { SshConnection };

/** Bounds on what one step may print. */
export interface SshLimits {
  /** Most bytes of standard output kept; more fails the step. @default 16 MiB */
  readonly maxOutputBytes?: number;
}

/** Standard input of a remote command: text, or a stream made when the command starts (e.g. a tar of a directory). */
export type SshInput = string | undefined | (() => NodeJS.ReadableStream);

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
      await forgetMaster(m);
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
