/** The hosts stage of one node: base OS, network, container runtime, run in that order over SSH. */
import * as pulumi from "@pulumi/pulumi";
import { nodeBundle, type LocatedBundle } from "../lib/bundle/locate";
import { BundlePush } from "./bundle-push";
import type { HostPlan } from "../lib/render/plan";
import { StepKind } from "../lib/render/steps";
import { NodeRole } from "../lib/spec/types";
import { remoteStep, sshConnection, type NodeAccess, type RemoteStep } from "./remote";

export interface BenchHostArgs {
  /** The node's rendered plan (its spec, files and scripts). */
  readonly plan: HostPlan;
  /** SSH private key, a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** Pushed to the node before the first step, when the bench installs from the bundle. */
  readonly bundle?: LocatedBundle;
}

const HOST_STEPS: readonly StepKind[] = [StepKind.BaseOs, StepKind.Network, StepKind.Runtime];

export class BenchHost extends pulumi.ComponentResource {
  /** How later stages reach this node. */
  public readonly access: NodeAccess;
  /** The last step: the node is ready for kubeadm once it exists. */
  public readonly ready: RemoteStep;

  constructor(name: string, args: BenchHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:hosts:BenchHost", name, {}, opts);
    const node = args.plan.node;
    this.access = { node, privateKey: args.privateKey };
    let previous: pulumi.Resource | undefined;
    if (args.bundle) {
      const held = nodeBundle(args.bundle, node.role === NodeRole.ControlPlane);
      previous = new BundlePush(
        `${name}-bundle`,
        {
          node: node.name,
          connection: sshConnection(this.access),
          localDir: args.bundle.dir,
          ...held,
          remoteDir: args.plan.bundleDir,
        },
        { parent: this, additionalSecretOutputs: ["connection"] },
      );
    }
    for (const kind of HOST_STEPS) {
      const step = args.plan.steps.find((s) => s.kind === kind);
      if (!step) throw new pulumi.ResourceError(`plan for ${node.name} has no ${kind} step`, this);
      previous = remoteStep(`${name}-${kind}`, { access: this.access, step }, { parent: this, dependsOn: previous ? [previous] : [] });
    }
    this.ready = previous as RemoteStep;
    this.registerOutputs({});
  }
}
