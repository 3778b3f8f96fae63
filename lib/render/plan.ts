/**
 * Everything one bench gets, as data: the Kubernetes objects of the cluster stage and, per node, the files and
 * the ordered scripts of the hosts stage, collected from the bench's concerns (lib/concerns). `pulumi up` pushes
 * exactly this; `netlab render` writes it to disk.
 */
import { BENCH_CONCERNS, cleanupVars, nodeViews } from "../concerns";
import type { ConcernName } from "../concerns/concern";
import { kubeadmYaml } from "../concerns/kubeadm";
import { netplanYaml } from "../concerns/network";
import type { BenchSpec, NodeName, NodeSpec } from "../spec/types";
import { checkCommandLines } from "./limits";
import { nodeBundleDir, StepKind, stepMaker, type HostStep, type ManifestFile, type StepMaker } from "./steps";

export interface HostPlan {
  readonly node: NodeSpec;
  /** netplan YAML for /etc/netplan/60-netlab.yaml. */
  readonly netplan: string;
  /** kubeadm init config (controller) or join config (workers). */
  readonly kubeadm: string;
  /** In the order they run. */
  readonly steps: readonly HostStep[];
  /** Where the bundle is pushed on this node (under its root), when the bench installs from it. */
  readonly bundleDir: string;
}

export interface BenchPlan {
  readonly spec: BenchSpec;
  /** Each concern's Kubernetes objects, by concern (only those that have any). */
  readonly manifests: Readonly<Partial<Record<ConcernName, readonly ManifestFile[]>>>;
  readonly hosts: Readonly<Record<NodeName, HostPlan>>;
}

export function planBench(spec: BenchSpec): BenchPlan {
  const manifests = Object.fromEntries(BENCH_CONCERNS.flatMap((c) => (c.manifests ? [[c.name, c.manifests(spec)]] : [])));
  const hosts = Object.fromEntries(spec.nodes.map((n) => [n.name, planHost(spec, n)])) as Record<NodeName, HostPlan>;
  checkCommandLines(Object.values(hosts));
  return { spec, manifests, hosts };
}

/** Every manifest file of the plan, in the concerns' order. */
export function manifestFiles(plan: BenchPlan): ManifestFile[] {
  return BENCH_CONCERNS.flatMap((c) => plan.manifests[c.name] ?? []);
}

/** A node's steps: each concern's, ordered by their files' numbers, then the lab-network step that waits for all. */
function planHost(spec: BenchSpec, node: NodeSpec): HostPlan {
  const step = stepMaker(spec, node);
  const steps = BENCH_CONCERNS.flatMap((c) => c.steps?.(spec, node, step, cleanupVars()) ?? []);
  const ordered = steps
    .map((s, i) => [s, i] as const)
    .sort(([a, i], [b, j]) => stepNumber(a) - stepNumber(b) || i - j)
    .map(([s]) => s);
  return {
    node,
    netplan: netplanYaml(node),
    kubeadm: kubeadmYaml(spec, node),
    steps: [...ordered, labNetworkStep(spec, node, step)],
    bundleDir: nodeBundleDir(spec, node.name),
  };
}

const stepNumber = (s: HostStep) => Number(/^(\d+)-/.exec(s.file)?.[1] ?? Number.NaN);

/**
 * The node's network once the cluster stage has run, waited for and then observed (scripts/node/70-lab-network.sh):
 * every concern's view of the node. It runs after the lab workloads, so a host step never records a view taken
 * before the cluster existed.
 */
function labNetworkStep(spec: BenchSpec, node: NodeSpec, step: StepMaker): HostStep {
  const view = nodeViews(spec, node);
  return step(
    StepKind.LabNetwork,
    "70-lab-network.sh",
    {
      ...view.vars,
      NETLAB_VIEW_PROBES: view.probes.join(" "),
      NETLAB_VIEW_OWNERS: view.owners.join("\n"),
      NETLAB_VIEW_EXPECTED: Object.entries(view.expect)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n"),
      NETLAB_VIEW_GRACE: String(spec.timeouts.apiCall),
      NETLAB_VIEW_TIMEOUT: String(spec.timeouts.workloadReady),
      // One probe's own limit (kube-proxy's /proxyMode): 3 s on hardware; a starved emulated worker took over 3 s.
      NETLAB_PROBE_SECONDS: String(3 * spec.timeouts.scale),
    },
    { expect: view.expect, libs: ["observe.sh"] },
  );
}
