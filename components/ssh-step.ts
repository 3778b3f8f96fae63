/**
 * A remote step run by OpenSSH's client from a Pulumi dynamic provider: create (and update) run one command
 * line, delete another, with the host key pinned (StrictHostKeyChecking=yes against a known_hosts holding only
 * that key) and the private key only ever in a 0600 temporary file.
 *
 * Why it exists: @pulumi/command's provider plugin cannot be built from the Go module proxy reachable here, so
 * the simulated bench (and any bench with `remoteExecutor: ssh`) runs its steps through this resource instead.
 * Same inputs and semantics as remote.Command: stdout recorded (secret when asked), stdin, triggers.
 */
import * as pulumi from "@pulumi/pulumi";

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

export interface SshStepInputs {
  connection: pulumi.Input<SshConnection>;
  create: pulumi.Input<string>;
  delete: pulumi.Input<string>;
  stdin?: pulumi.Input<string>;
  /** A change of any of these re-runs create. */
  triggers: pulumi.Input<string>[];
}

interface State {
  connection: SshConnection;
  create: string;
  delete: string;
  stdin?: string;
  triggers: string[];
  stdout?: string;
}

/** Runs a command line on the node; resolves stdout, rejects naming the node, the address and what ssh said. */
async function runSsh(c: SshConnection, commandLine: string, stdin: string | undefined): Promise<string> {
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
      child.stdin.end(stdin ?? "");
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: State) {
    const stdout = await runSsh(inputs.connection, inputs.create, inputs.stdin);
    const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
    return { id: randomUUID(), outs: { ...inputs, stdout } };
  },
  async diff(_id: string, olds: State, news: State) {
    const changed = (["create", "delete", "stdin"] as const).filter((k) => (olds[k] ?? "") !== (news[k] ?? ""));
    if (JSON.stringify(olds.triggers) !== JSON.stringify(news.triggers)) changed.push("triggers" as never);
    const o = olds.connection;
    const n = news.connection;
    if (o.host !== n.host || o.port !== n.port || o.user !== n.user || o.hostKey !== n.hostKey || o.privateKey !== n.privateKey) changed.push("connection" as never);
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: State, news: State) {
    const stdout = await runSsh(news.connection, news.create, news.stdin);
    return { outs: { ...news, stdout } };
  },
  async delete(_id: string, props: State) {
    await runSsh(props.connection, props.delete, undefined);
  },
};

export class SshStep extends pulumi.dynamic.Resource {
  // `declare`: a class field would overwrite the output the base constructor sets.
  declare public readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: SshStepInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, stdout: undefined }, opts, "netlab", "SshStep");
  }
}
