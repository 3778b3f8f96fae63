/** Kube Router: the CNI (kube-bridge, one /24 per node), BGP full mesh between the nodes, firewall on, proxy off. */
import * as pulumi from "@pulumi/pulumi";
import { applyObjects, type ClusterAddonArgs } from "./k8s-objects";

export type KubeRouterArgs = ClusterAddonArgs;

export class KubeRouter extends pulumi.ComponentResource {
  constructor(name: string, args: KubeRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:cni:KubeRouter", name, {}, opts);
    applyObjects(`${name}-objects`, args.objects, this, args.provider);
    this.registerOutputs({});
  }
}
