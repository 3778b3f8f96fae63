/**
 * One whole bench: hosts stage -> kubeadm stage -> the bench's own Kubernetes provider -> Kube Router,
 * nodelocaldns -> lab workloads -> each node's network as the handout shows it (waited for, then observed).
 * Later stages depend on whole components.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LocatedBundle } from "../lib/bundle/locate";
import { StepKind, type BenchPlan } from "../lib/render/plan";
import type { NodeName } from "../lib/spec/types";
import { BenchHost } from "./bench-host";
import { KubeadmCluster } from "./kubeadm-cluster";
import { KubeRouter } from "./kube-router";
import { LabWorkloads } from "./lab-workloads";
import { NodeLocalDns } from "./node-local-dns";
import { remoteStep, type RemoteStep } from "./remote";

export interface BenchArgs {
  /** The rendered bench (lib/render/plan.ts): the same data `netlab render` writes. */
  readonly plan: BenchPlan;
  /** SSH private key for every node, a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** With `packages.source: bundle`: the bundle pushed to every node before its first step. */
  readonly bundle?: LocatedBundle;
}

export interface NodeRow {
  name: NodeName;
  role: string;
  providerIp: string;
  managementIp: string;
  podCidr: string;
}

export class Bench extends pulumi.ComponentResource {
  public readonly hosts: Record<NodeName, BenchHost>;
  public readonly cluster: KubeadmCluster;
  public readonly provider: k8s.Provider;
  public readonly kubeRouter: KubeRouter;
  public readonly nodeLocalDns: NodeLocalDns;
  public readonly lab: LabWorkloads;
  /** Per node: routes, kube-bridge, nodelocaldns and IPVS as the handout expects, once the lab runs. */
  public readonly labNetwork: RemoteStep[];
  /** Nodes, addresses and planned pod prefixes: the top of the instructor's answer key. */
  public readonly nodeTable: NodeRow[];
  public readonly webserverClusterIp: pulumi.Output<string>;

  constructor(name: string, args: BenchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("netlab:bench:Bench", name, {}, opts);
    const { plan } = args;
    const spec = plan.spec;
    this.hosts = Object.fromEntries(
      spec.nodes.map((n) => [
        n.name,
        new BenchHost(`${name}-${n.name}`, { plan: plan.hosts[n.name], privateKey: args.privateKey, bundle: args.bundle }, { parent: this }),
      ]),
    ) as Record<NodeName, BenchHost>;
    this.cluster = new KubeadmCluster(`${name}-kubeadm`, { plan, hosts: this.hosts }, { parent: this });
    // Never the kubeconfig of the machine running Pulumi: only this bench's admin kubeconfig.
    this.provider = new k8s.Provider(`${name}-k8s`, {
      kubeconfig: this.cluster.kubeconfig, enableServerSideApply: true, kubeClientSettings: { timeout: spec.timeouts.kubeClient },
    }, { parent: this, dependsOn: [this.cluster] });
    // Readiness waits (DaemonSets, Deployment, Pods, Services) get the bench's scaled limit, not the provider's 10 minutes.
    const readyTimeoutSeconds = spec.timeouts.workloadReady;
    this.kubeRouter = new KubeRouter(`${name}-kube-router`, {
      objects: plan.manifests.kubeRouter.objects, provider: this.provider, readyTimeoutSeconds,
    }, { parent: this, dependsOn: [this.cluster] });
    this.nodeLocalDns = new NodeLocalDns(`${name}-nodelocaldns`, {
      objects: plan.manifests.nodeLocalDns.objects, provider: this.provider, localIp: spec.network.nodeLocalDnsIp, readyTimeoutSeconds,
    }, { parent: this, dependsOn: [this.cluster] });
    this.lab = new LabWorkloads(`${name}-lab`, {
      server: plan.manifests.labServer.objects, clients: plan.manifests.labClients.objects, provider: this.provider, readyTimeoutSeconds,
    }, { parent: this, dependsOn: [this.kubeRouter, this.nodeLocalDns] });
    this.labNetwork = spec.nodes.map((n) => {
      const step = plan.hosts[n.name].steps.find((s) => s.kind === StepKind.LabNetwork);
      if (!step) throw new pulumi.ResourceError(`plan for ${n.name} has no ${StepKind.LabNetwork} step`, this);
      return remoteStep(`${name}-${n.name}-${StepKind.LabNetwork}`, { access: this.hosts[n.name].access, step }, { parent: this, dependsOn: [this.lab] });
    });

    this.nodeTable = spec.nodes.map((n) => ({
      name: n.name, role: n.role, providerIp: n.provider.address, managementIp: n.management.address, podCidr: n.podCidr,
    }));
    this.webserverClusterIp = this.lab.webserverClusterIp;
    this.registerOutputs({ nodeTable: this.nodeTable, webserverClusterIp: this.webserverClusterIp });
  }
}
