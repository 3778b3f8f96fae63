/** nodelocaldns: the per-node DNS cache on 169.254.25.10 that every pod's resolv.conf names. */
import * as pulumi from "@pulumi/pulumi";
import { applyObjects, type ClusterAddonArgs } from "./k8s-objects";

export interface NodeLocalDnsArgs extends ClusterAddonArgs {
  /** Address the cache binds, from the derived network. @default "169.254.25.10" */
  readonly localIp: string;
}

export class NodeLocalDns extends pulumi.ComponentResource {
  public readonly localIp: string;

  constructor(name: string, args: NodeLocalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:dns:NodeLocalDns", name, {}, opts);
    this.localIp = args.localIp;
    applyObjects(`${name}-objects`, args.objects, this, args.provider);
    this.registerOutputs({ localIp: this.localIp });
  }
}
