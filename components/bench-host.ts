/** The hosts stage of one node: base OS, network, container runtime, run in that order over SSH. */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { StepKind, type HostPlan } from "../lib/render/plan";
import { connectionFor, remoteStep } from "./remote";

export interface BenchHostArgs {
  /** The node's rendered plan (its spec, files and scripts). */
  readonly plan: HostPlan;
  /** SSH private key, a secret. */
  readonly privateKey: pulumi.Input<string>;
}

const HOST_STEPS: readonly StepKind[] = [StepKind.BaseOs, StepKind.Network, StepKind.Runtime];

export class BenchHost extends pulumi.ComponentResource {
  /** The connection later stages reuse for this node. */
  public readonly connection: command.types.input.remote.ConnectionArgs;
  /** The last step: the node is ready for kubeadm once it exists. */
  public readonly ready: command.remote.Command;

  constructor(name: string, args: BenchHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:hosts:BenchHost", name, {}, opts);
    const node = args.plan.node;
    this.connection = connectionFor(node, args.privateKey);
    let previous: command.remote.Command | undefined;
    for (const kind of HOST_STEPS) {
      const step = args.plan.steps.find((s) => s.kind === kind);
      if (!step) throw new pulumi.ResourceError(`plan for ${node.name} has no ${kind} step`, this);
      previous = remoteStep(`${name}-${kind}`, { node, step, connection: this.connection }, {
        parent: this,
        dependsOn: previous ? [previous] : [],
        // Undo before redo: a replaced step must not have its new files removed by the old step's delete.
        deleteBeforeReplace: true,
      });
    }
    this.ready = previous!;
    this.registerOutputs({});
  }
}
