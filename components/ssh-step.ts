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
import { runSsh, type SshConnection } from "../lib/remote/ssh";

export type { SshConnection };

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
