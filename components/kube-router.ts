/** Kube Router: the CNI (kube-bridge, one /24 per node), BGP full mesh between the nodes, firewall on, proxy off. */
import * as pulumi from "@pulumi/pulumi";
import { applyObjects, type ClusterAddonArgs } from "./k8s-objects";

export type KubeRouterArgs = ClusterAddonArgs;

export class KubeRouter extends pulumi.ComponentResource {
  /** The applied objects by objectKey, e.g. "DaemonSet/kube-system/kube-router". */
  public readonly objects: Readonly<Record<string, pulumi.CustomResource>>;

  constructor(name: string, args: KubeRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:cni:KubeRouter", name, {}, opts);
    this.objects = applyObjects(`${name}-objects`, args.objects, {
      parent: this, provider: args.provider, readyTimeoutSeconds: args.readyTimeoutSeconds, dependsOn: opts?.dependsOn,
    });
    this.registerOutputs({});
  }
}
