/**
 * A concern: one part of the lab (host base, network, runtime, kubeadm, kube-proxy, Kube Router, nodelocaldns,
 * lab workloads) with its whole life in one module: the host steps and Kubernetes objects it renders, the host
 * footprint it leaves (removed by a rebuild, looked for by a reset's clean-check), what each node shows of it once
 * the cluster runs (waited for and watched for drift by the lab-network step) and its `netlab check` checks.
 * The bench is the list in lib/concerns/index.ts.
 */
import type { CheckFacts, CheckName, CheckResult } from "../check/checks";
import type { HostStep, ManifestFile, StepMaker } from "../render/steps";
import type { BenchSpec, NodeSpec } from "../spec/types";

export const ConcernName = {
  HostBase: "host-base",
  Network: "network",
  Runtime: "runtime",
  Kubeadm: "kubeadm",
  KubeProxy: "kube-proxy",
  KubeRouter: "kube-router",
  NodeLocalDns: "nodelocaldns",
  Lab: "lab",
} as const;
export type ConcernName = (typeof ConcernName)[keyof typeof ConcernName];

/** What a concern leaves on a node besides its steps' own files: a cluster clean-up removes it, a clean-check looks for it. */
export interface NodeFootprint {
  /** Files and directories (the node's own paths). */
  readonly paths?: readonly string[];
  /** Network links. */
  readonly links?: readonly string[];
  /** Protocol numbers of the routes it installs (`ip route show proto N`). */
  readonly routeProtocols?: readonly number[];
  /** It owns the node's IPVS virtual servers (all of them). */
  readonly ipvs?: boolean;
  /** Text that marks its lines in `iptables-save` (chains and the rules that jump to them). */
  readonly iptables?: readonly string[];
}

/** What each node shows of a concern once the cluster runs, and the container that makes it. */
export interface NodeView {
  /** The observe.sh function that prints it ("key=value" lines). */
  readonly probe: string;
  /** Values that probe needs (NETLAB_* variables), if any. */
  readonly vars?: Readonly<Record<string, string>>;
  /** "key" -> expected value on this node. */
  readonly expect: Readonly<Record<string, string>>;
  /** The container (as crictl names it) whose restart makes it again. */
  readonly container: string;
}

export interface Check {
  readonly name: CheckName;
  readonly evaluate: (facts: CheckFacts) => CheckResult;
}

/** How a concern's objects enter the cluster stage: its Pulumi component and the concerns it must wait for. */
export interface ClusterComponent {
  /** The component's Pulumi type, e.g. "netlab:cni:KubeRouter" (part of every URN below it: never renamed). */
  readonly type: string;
  /** The component's name after the bench's, e.g. "kube-router" -> "room27-bench4-kube-router". */
  readonly suffix: string;
  /** Concerns whose objects must be ready first (the kubeadm cluster always is). */
  readonly after: readonly ConcernName[];
}

export interface Concern {
  readonly name: ConcernName;
  /**
   * Its host steps on one node, in the order they run; step files' numbers order them across concerns. `cleanup`
   * is the whole bench's footprint as the NETLAB_CLEAN_* values of scripts/node/kubeadm.sh's cluster_cleanup.
   */
  readonly steps?: (spec: BenchSpec, node: NodeSpec, step: StepMaker, cleanup: Readonly<Record<string, string>>) => HostStep[];
  /** Its Kubernetes objects, per manifest file (applied by `component`). */
  readonly manifests?: (spec: BenchSpec) => ManifestFile[];
  readonly component?: ClusterComponent;
  readonly footprint?: NodeFootprint;
  /** What `node` shows of it once the cluster runs. */
  readonly view?: (spec: BenchSpec, node: NodeSpec) => NodeView;
  readonly checks?: readonly Check[];
}
