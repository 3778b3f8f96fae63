/**
 * kubeadm: the control plane on the controller (init), the workers joined one by one with a token minted for each
 * and revoked after it, the lab user's kubeconfig; the kubelet on every node (its clusterDNS and the
 * kubelet-config link the handout points at). Check: the four nodes Ready.
 */
import { stringify } from "yaml";
import { CheckStatus, result, type CheckFacts, type CheckResult } from "../check/checks";
import {
  API_PORT,
  DISCOVERY_FILE,
  KUBEADM_DIR,
  KUBEADM_FILE,
  KUBELET_CONFIG_LINK,
  KUBELET_CONFIG_LINK_TARGET,
  corednsPatch,
  kubeadmInitDocs,
  kubeProxyCpuPatch,
  kubeadmJoinDocs,
  kubeadmPatches,
} from "../render/kubeadm";
import { criSocket } from "../render/runtime";
import { StepKind, type HostStep, type StepExtras, type StepMaker } from "../render/steps";
import { controllerOf, workersOf } from "../spec/nodes";
import { NODE_NAMES, NodeRole, type BenchSpec, type NodeSpec } from "../spec/types";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** The node's kubeadm configuration: init (controller) or join (workers). */
export function kubeadmYaml(spec: BenchSpec, node: NodeSpec): string {
  const docs = node.role === NodeRole.ControlPlane ? kubeadmInitDocs(spec) : kubeadmJoinDocs(spec, node);
  return docs.map((d) => stringify(d)).join("---\n");
}

type Cleanup = Readonly<Record<string, string>>;

/**
 * What init and join share: the kubeadm file, the kubelet-config link, the kubelet's observed state and, for
 * delete, the clean-up of the whole bench's footprint (scripts/node/kubeadm.sh).
 */
function kubeadmStepParts(spec: BenchSpec, node: NodeSpec, cleanup: Cleanup): { vars: Record<string, string>; extras: StepExtras } {
  const kubeadm = kubeadmYaml(spec, node);
  return {
    vars: {
      NETLAB_KUBEADM_FILE: KUBEADM_FILE,
      NETLAB_KUBEADM_YAML: kubeadm,
      NETLAB_KUBELET_CONFIG_LINK: KUBELET_CONFIG_LINK_TARGET,
      NETLAB_CRI_SOCKET: criSocket(spec),
      ...cleanup,
    },
    extras: {
      files: { [KUBEADM_FILE]: kubeadm },
      expect: { clusterDNS: spec.network.nodeLocalDnsIp, [`link:${KUBELET_CONFIG_LINK}`]: KUBELET_CONFIG_LINK_TARGET },
      libs: ["kubeadm.sh"],
    },
  };
}

/** The controller: init with its patches, one join token per worker, the lab user's kubeconfig. */
function controllerSteps(spec: BenchSpec, node: NodeSpec, step: StepMaker, cleanup: Cleanup): HostStep[] {
  const { vars, extras } = kubeadmStepParts(spec, node, cleanup);
  const patches = Object.entries(kubeadmPatches(spec)).map(([file, doc]) => [file, stringify(doc)] as const);
  const coredns = corednsPatch(spec);
  const kubeProxyPatch = kubeProxyCpuPatch(spec);
  const init = step(
    StepKind.KubeadmInit,
    "40-kubeadm-init.sh",
    {
      ...vars,
      NETLAB_API_TIMEOUT: String(spec.timeouts.apiCall),
      NETLAB_EXPECTED_POD_CIDR: node.podCidr,
      NETLAB_JOIN_TIMEOUT: String(spec.timeouts.join),
      NETLAB_COREDNS_PATCH: coredns ? JSON.stringify(coredns) : "",
      NETLAB_KUBE_PROXY_PATCH: kubeProxyPatch ? JSON.stringify(kubeProxyPatch) : "",
      NETLAB_KUBEADM_PATCH_FILES: patches.map(([file]) => file).join("\n"),
      ...Object.fromEntries(patches.map(([, text], i) => [`NETLAB_KUBEADM_PATCH_${i}`, text])),
    },
    { ...extras, files: { ...extras.files, ...Object.fromEntries(patches) } },
  );
  const tokens = workersOf(spec).map((worker) =>
    step(
      StepKind.JoinToken,
      `45-join-token-${worker.name}.sh`,
      {
        NETLAB_WORKER: worker.name,
        NETLAB_EXPECTED_POD_CIDR: worker.podCidr,
        NETLAB_JOIN_TIMEOUT: String(spec.timeouts.join),
        NETLAB_API_TIMEOUT: String(spec.timeouts.apiCall),
        // Minted just before the join and revoked just after: it only has to outlive one join.
        NETLAB_TOKEN_TTL: `${spec.timeouts.join * 2}s`,
        NETLAB_CLUSTER: spec.id,
        NETLAB_API_SERVER: `https://${controllerOf(spec).provider.address}:${API_PORT}`,
      },
      { worker: worker.name, libs: ["kubeadm.sh"] },
    ),
  );
  const kubeconfig = step(StepKind.Kubeconfig, "60-kubeconfig.sh", { NETLAB_API_TIMEOUT: String(spec.timeouts.controlPlane) });
  return [init, ...tokens, kubeconfig];
}

/** 1. The four nodes exist and are Ready. */
export function checkNodesReady(f: CheckFacts): CheckResult {
  const byName = new Map(f.cluster.nodes.map((n) => [n.name, n]));
  const missing = NODE_NAMES.filter((n) => !byName.has(n));
  const notReady = NODE_NAMES.filter((n) => byName.get(n)?.ready === false);
  const extra = f.cluster.nodes.map((n) => n.name).filter((n) => !(NODE_NAMES as readonly string[]).includes(n));
  const problems = [
    ...(missing.length > 0 ? [`missing: ${missing.join(", ")}`] : []),
    ...(notReady.length > 0 ? [`not Ready: ${notReady.join(", ")}`] : []),
    ...(extra.length > 0 ? [`unexpected nodes: ${extra.join(", ")}`] : []),
  ];
  if (problems.length > 0) return result("nodes-ready", CheckStatus.Fail, problems.join("; "));
  return result("nodes-ready", CheckStatus.Pass, `${NODE_NAMES.join(", ")} Ready`);
}

export const kubeadm: Concern = {
  name: ConcernName.Kubeadm,
  steps: (spec, node, step, cleanup) => {
    if (node.role === NodeRole.ControlPlane) return controllerSteps(spec, node, step, cleanup);
    const { vars, extras } = kubeadmStepParts(spec, node, cleanup);
    return [step(StepKind.KubeadmJoin, "40-kubeadm-join.sh", { ...vars, NETLAB_DISCOVERY_FILE: DISCOVERY_FILE }, extras)];
  },
  // kubeadm reset removes the rest of /etc/kubernetes; these are netlab's own.
  footprint: { paths: [KUBELET_CONFIG_LINK, KUBEADM_DIR] },
  checks: [{ name: "nodes-ready", evaluate: checkNodesReady }],
};
