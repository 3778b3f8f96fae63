/**
 * The lab's workloads: webserver-1 and webserver-service-1 (s1), then client-1 and client-2 (c1). Each object
 * depends on what the component depends on (Kube Router and nodelocaldns): a pod created before the CNI and
 * the DNS cache run would start without an address or with a resolver that does not answer.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../lib/render/load";
import { applyObjects } from "./k8s-objects";

export interface LabWorkloadsArgs {
  readonly server: readonly K8sObject[];
  readonly clients: readonly K8sObject[];
  readonly provider: k8s.Provider;
  /** spec.timeouts.workloadReady: seconds webserver-1 and the clients may take to become ready. */
  readonly readyTimeoutSeconds: number;
}

export class LabWorkloads extends pulumi.ComponentResource {
  /** s1's objects by objectKey ("Deployment/default/webserver-1", "Service/default/webserver-service-1"). */
  public readonly server: Readonly<Record<string, pulumi.CustomResource>>;
  /** c1's objects by objectKey ("Pod/default/client-1", "Pod/default/client-2"). */
  public readonly clients: Readonly<Record<string, pulumi.CustomResource>>;
  /** ClusterIP the cluster gave webserver-service-1. */
  public readonly webserverClusterIp: pulumi.Output<string>;

  constructor(name: string, args: LabWorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:lab:LabWorkloads", name, {}, opts);
    const common = { parent: this, provider: args.provider, readyTimeoutSeconds: args.readyTimeoutSeconds, dependsOn: opts?.dependsOn };
    this.server = applyObjects(`${name}-s1`, args.server, common);
    this.clients = applyObjects(`${name}-c1`, args.clients, common);
    const service = this.server["Service/default/webserver-service-1"] as k8s.core.v1.Service | undefined;
    if (!service) throw new Error(`${name}: the lab's server objects have no Service default/webserver-service-1`);
    this.webserverClusterIp = service.spec.clusterIP.apply((ip) => ip ?? "");
    this.registerOutputs({ webserverClusterIp: this.webserverClusterIp });
  }
}
