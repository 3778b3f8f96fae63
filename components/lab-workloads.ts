/** The lab's workloads: webserver-1 and webserver-service-1 (s1), then client-1 and client-2 (c1). */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../lib/render/load";
import { applyObjects } from "./k8s-objects";

export interface LabWorkloadsArgs {
  readonly server: readonly K8sObject[];
  readonly clients: readonly K8sObject[];
  readonly provider: k8s.Provider;
}

export class LabWorkloads extends pulumi.ComponentResource {
  public readonly server: k8s.yaml.ConfigGroup;
  public readonly clients: k8s.yaml.ConfigGroup;
  /** ClusterIP the cluster gave webserver-service-1. */
  public readonly webserverClusterIp: pulumi.Output<string>;

  constructor(name: string, args: LabWorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:lab:LabWorkloads", name, {}, opts);
    this.server = applyObjects(`${name}-s1`, args.server, this, args.provider);
    this.clients = applyObjects(`${name}-c1`, args.clients, this, args.provider);
    // ConfigGroup keys its children by "<prefix>-<namespace>/<name>"; the prefix is the group's name.
    this.webserverClusterIp = this.server
      .getResourceProperty("v1/Service", `${name}-s1-default`, "webserver-service-1", "spec")
      .apply((spec) => spec.clusterIP ?? "");
    this.registerOutputs({ webserverClusterIp: this.webserverClusterIp });
  }
}
