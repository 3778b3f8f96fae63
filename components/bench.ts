/**
 * One whole bench: hosts stage -> kubeadm stage -> the bench's own Kubernetes provider -> each concern's objects
 * (Kube Router, nodelocaldns, then the lab workloads: lib/concerns says who waits for whom) -> each node's network
 * as the handout shows it (waited for, then observed). Later stages depend on whole components.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LocatedBundle } from "../lib/bundle/locate";
import { BENCH_CONCERNS } from "../lib/concerns";
import { ConcernName } from "../lib/concerns/concern";
import type { BenchPlan } from "../lib/render/plan";
import { StepKind } from "../lib/render/steps";
import type { NodeName } from "../lib/spec/types";
import { BenchHost } from "./bench-host";
import { ClusterAddon } from "./cluster-addon";
import { KubeadmCluster } from "./kubeadm-cluster";
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
  /** Each concern's objects in the cluster stage, by concern ("kube-router", "nodelocaldns", "lab"). */
  public readonly addons: Readonly<Partial<Record<ConcernName, ClusterAddon>>>;
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
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.cluster.kubeconfig,
        enableServerSideApply: true,
        kubeClientSettings: { timeout: spec.timeouts.kubeClient },
      },
      { parent: this, dependsOn: [this.cluster] },
    );
    // Readiness waits (DaemonSets, Deployment, Pods, Services) get the bench's scaled limit, not the provider's 10 minutes.
    const readyTimeoutSeconds = spec.timeouts.workloadReady;
    const addons: Partial<Record<ConcernName, ClusterAddon>> = {};
    for (const c of BENCH_CONCERNS) {
      const manifests = plan.manifests[c.name];
      if (!c.component || !manifests) continue;
      const after = c.component.after.map((n) => addons[n] ?? fail(`${c.name} waits for ${n}, which comes later in BENCH_CONCERNS or has no objects`));
      addons[c.name] = new ClusterAddon(
        `${name}-${c.component.suffix}`,
        {
          component: c.component,
          manifests,
          provider: this.provider,
          readyTimeoutSeconds,
        },
        { parent: this, dependsOn: [this.cluster, ...after] },
      );
    }
    this.addons = addons;
    const addonList = Object.values(addons);
    this.labNetwork = spec.nodes.map((n) => {
      const step = plan.hosts[n.name].steps.find((s) => s.kind === StepKind.LabNetwork);
      if (!step) throw new pulumi.ResourceError(`plan for ${n.name} has no ${StepKind.LabNetwork} step`, this);
      return remoteStep(`${name}-${n.name}-${StepKind.LabNetwork}`, { access: this.hosts[n.name].access, step }, { parent: this, dependsOn: addonList });
    });

    this.nodeTable = spec.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      providerIp: n.provider.address,
      managementIp: n.management.address,
      podCidr: n.podCidr,
    }));
    const service = addons[ConcernName.Lab]?.objects["Service/default/webserver-service-1"] as k8s.core.v1.Service | undefined;
    if (!service) throw new pulumi.ResourceError("the lab's objects have no Service default/webserver-service-1", this);
    this.webserverClusterIp = service.spec.clusterIP.apply((ip) => ip ?? "");
    this.registerOutputs({ nodeTable: this.nodeTable, webserverClusterIp: this.webserverClusterIp });
  }
}

function fail(message: string): never {
  throw new Error(message);
}
