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
import { hostDrift } from "../lib/remote/host-drift";
import { runSsh, type SshConnection } from "../lib/remote/ssh";
import { probeSsh } from "../lib/remote/ssh-probe";

export type { SshConnection };

export interface SshStepInputs {
  /** The node the step runs on (plain text, for drift reports; the connection itself is secret). */
  node: string;
  connection: pulumi.Input<SshConnection>;
  create: pulumi.Input<string>;
  delete: pulumi.Input<string>;
  /** Prints "key=value" lines of the host state the step is responsible for. Run after create and on refresh. */
  check: pulumi.Input<string>;
  /** What `check` prints on a host in the expected state. */
  expect: pulumi.Input<Record<string, string>>;
  stdin?: pulumi.Input<string>;
  /** A change of any of these re-runs create. */
  triggers: pulumi.Input<string>[];
}

/** The resource's state: its inputs, resolved, and what the provider recorded. */
export interface SshStepState {
  node: string;
  connection: SshConnection;
  create: string;
  delete: string;
  check: string;
  expect: Record<string, string>;
  stdin?: string;
  triggers: string[];
  stdout?: string;
  /** What `check` printed last (after create/update, or on refresh). */
  observed?: Record<string, string>;
}

/** A connection that would reach another host, as another user, or with another key: the step must re-run. */
export function connectionChanged(o: SshConnection, n: SshConnection): boolean {
  return o.host !== n.host || o.port !== n.port || o.user !== n.user || o.hostKey !== n.hostKey || o.privateKey !== n.privateKey;
}

export function parseCheck(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/**
 * The provider's diff. A change of what the step runs, where it runs it (the connection), what it should leave
 * behind (`expect`) or its triggers, or a refresh that found the host drifted, re-runs create: an update, never a
 * replacement (the step is idempotent: running create again is how it converges). Anything else (stdout, the
 * connection's node label) changes nothing.
 */
export function diffSshStep(olds: SshStepState, news: SshStepState): pulumi.dynamic.DiffResult {
  const changed: string[] = (["node", "create", "delete", "check", "stdin"] as const).filter((k) => (olds[k] ?? "") !== (news[k] ?? ""));
  if (JSON.stringify(olds.triggers) !== JSON.stringify(news.triggers)) changed.push("triggers");
  if (JSON.stringify(olds.expect) !== JSON.stringify(news.expect)) changed.push("expect");
  if (connectionChanged(olds.connection, news.connection)) changed.push("connection");
  if (hostDrift(news.expect, olds.observed).length > 0) changed.push("observed");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: true };
}

async function observe(s: SshStepState): Promise<Record<string, string>> {
  return parseCheck(await runSsh(s.connection, s.check, undefined));
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: SshStepState) {
    const stdout = await runSsh(inputs.connection, inputs.create, inputs.stdin);
    const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
    return { id: randomUUID(), outs: { ...inputs, stdout, observed: await observe(inputs) } };
  },
  // Refresh: look at the host again (with the node's other steps, in one session). A difference from `expect`
  // makes the next diff an update (re-run create).
  async read(id: string, props: SshStepState) {
    return { id, props: { ...props, observed: parseCheck(await probeSsh(props.connection, props.check)) } };
  },
  async diff(_id: string, olds: SshStepState, news: SshStepState) {
    return diffSshStep(olds, news);
  },
  async update(_id: string, _olds: SshStepState, news: SshStepState) {
    const stdout = await runSsh(news.connection, news.create, news.stdin);
    return { outs: { ...news, stdout, observed: await observe(news) } };
  },
  async delete(_id: string, props: SshStepState) {
    await runSsh(props.connection, props.delete, undefined);
  },
};

export class SshStep extends pulumi.dynamic.Resource {
  // `declare`: a class field would overwrite the outputs the base constructor sets.
  declare public readonly stdout: pulumi.Output<string>;
  declare public readonly observed: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: SshStepInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, stdout: undefined, observed: undefined }, opts, "netlab", "SshStep");
  }
}
