/**
 * One worker's join, as one operation across two nodes: on the worker, whether it is joined already; if not, on
 * the controller a stale Node of that name replaced by one holding its planned pod prefix and a bootstrap token minted (the discovery kubeconfig it prints
 * stays in memory: it is neither an input nor an output, so never in the state), the join on the worker with it
 * on standard input; then on the controller that worker's tokens revoked and its pod prefix checked against the plan.
 * A retried or rebuilt worker always joins with a fresh token. Host drift is read like SshStep's.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostDrift } from "../lib/remote/host-drift";
import { runSsh, type SshConnection } from "../lib/remote/ssh";
import { probeSsh } from "../lib/remote/ssh-probe";
import { connectionChanged, parseCheck } from "./ssh-step";

export interface JoinStepInputs {
  node: string;
  worker: pulumi.Input<SshConnection>;
  controller: pulumi.Input<SshConnection>;
  /** Worker: prints "joined" or "not-joined". */
  joined: pulumi.Input<string>;
  /** Controller: prints the discovery kubeconfig. */
  mint: pulumi.Input<string>;
  /** Worker: the join, discovery kubeconfig on standard input. */
  create: pulumi.Input<string>;
  /** Controller: revoke the worker's tokens, check its pod prefix. */
  finish: pulumi.Input<string>;
  delete: pulumi.Input<string>;
  check: pulumi.Input<string>;
  expect: pulumi.Input<Record<string, string>>;
  triggers: pulumi.Input<string>[];
}

/** What the provider records: the inputs, resolved, and what the worker's check last showed. */
export interface JoinStepState {
  node: string;
  worker: SshConnection;
  controller: SshConnection;
  joined: string;
  mint: string;
  create: string;
  finish: string;
  delete: string;
  check: string;
  expect: Record<string, string>;
  triggers: string[];
  observed?: Record<string, string>;
}

/**
 * The join's sequence (exported for its unit test): the worker asked whether it is joined; if not, a token minted on
 * the controller; the worker's create with the discovery kubeconfig on standard input only (never in a command
 * line); the controller's finish; the worker's check, parsed.
 */
export async function join(s: JoinStepState): Promise<Record<string, string>> {
  const joined = (await runSsh(s.worker, s.joined, undefined)).trim() === "joined";
  const discovery = joined ? "" : await runSsh(s.controller, s.mint, undefined);
  await runSsh(s.worker, s.create, discovery);
  await runSsh(s.controller, s.finish, undefined);
  return parseCheck(await runSsh(s.worker, s.check, undefined));
}

const COMMANDS = ["node", "joined", "mint", "create", "finish", "delete", "check"] as const;

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: JoinStepState) {
    const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
    return { id: randomUUID(), outs: { ...inputs, observed: await join(inputs) } };
  },
  async read(id: string, props: JoinStepState) {
    return { id, props: { ...props, observed: parseCheck(await probeSsh(props.worker, props.check)) } };
  },
  async diff(_id: string, olds: JoinStepState, news: JoinStepState) {
    const changed: string[] = COMMANDS.filter((k) => olds[k] !== news[k]);
    if (JSON.stringify(olds.triggers) !== JSON.stringify(news.triggers)) changed.push("triggers");
    if (JSON.stringify(olds.expect) !== JSON.stringify(news.expect)) changed.push("expect");
    for (const side of ["worker", "controller"] as const) {
      if (connectionChanged(olds[side], news[side])) changed.push(side);
    }
    if (hostDrift(news.expect, olds.observed).length > 0) changed.push("observed");
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: JoinStepState, news: JoinStepState) {
    return { outs: { ...news, observed: await join(news) } };
  },
  async delete(_id: string, props: JoinStepState) {
    await runSsh(props.worker, props.delete, undefined);
  },
};

export class JoinStep extends pulumi.dynamic.Resource {
  declare public readonly observed: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: JoinStepInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, observed: undefined }, opts, "netlab", "JoinStep");
  }
}
