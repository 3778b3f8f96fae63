/**
 * nodelocaldns: the per-node DNS cache on 169.254.25.10 that every pod's resolv.conf names, and the `coredns`
 * Service it forwards cluster names to.
 */
import * as pulumi from "@pulumi/pulumi";
import { applyObjects, type ClusterAddonArgs } from "./k8s-objects";

export interface NodeLocalDnsArgs extends ClusterAddonArgs {
  /** Address the cache binds, from the derived network. @default "169.254.25.10" */
  readonly localIp: string;
}

export class NodeLocalDns extends pulumi.ComponentResource {
  public readonly localIp: string;
  /** The applied objects by objectKey, e.g. "DaemonSet/kube-system/nodelocaldns", "Service/kube-system/coredns". */
  public readonly objects: Readonly<Record<string, pulumi.CustomResource>>;

  constructor(name: string, args: NodeLocalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:dns:NodeLocalDns", name, {}, opts);
    this.localIp = args.localIp;
    this.objects = applyObjects(`${name}-objects`, args.objects, {
      parent: this, provider: args.provider, readyTimeoutSeconds: args.readyTimeoutSeconds, dependsOn: opts?.dependsOn,
    });
    this.registerOutputs({ localIp: this.localIp });
  }
}
