/**
 * Everything one bench gets, as data: the Kubernetes objects of the cluster stage and, per node, the files and
 * the ordered scripts of the hosts stage. `pulumi up` pushes exactly this; `netlab render` writes it to disk.
 */
import { stringify } from "yaml";
import type { BenchSpec, NodeName, NodeSpec } from "../spec/types";
import { API_PORT, CRI_SOCKET, DISCOVERY_FILE, KUBEADM_DIR, KUBEADM_FILE, kubeadmInitDocs, kubeadmJoinDocs, kubeletConfig } from "./kubeadm";
import { kubeRouterObjects } from "./kube-router";
import { LAB_FILES, labClientObjects, labServerObjects, toYamlStream } from "./lab";
import { readNodeScript, type K8sObject } from "./load";
import { NETPLAN_FILE, netplanAfterDelete, netplanFor } from "./netplan";
import { nodeLocalDnsObjects } from "./nodelocaldns";
import { shellAssignments } from "./shell";

/** Kernel modules kube-proxy (IPVS), kube-router (bridge netfilter), containerd and trunk ports need. */
export const KERNEL_MODULES = ["overlay", "br_netfilter", "8021q", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"];
export const SYSCTLS = { "net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1", "net.bridge.bridge-nf-call-ip6tables": "1" };
/** Lifetime of a worker's bootstrap token: long enough for one join, useless afterwards. */
export const JOIN_TOKEN_TTL = "30m";

export const StepKind = {
  BaseOs: "base-os",
  Network: "network",
  Runtime: "runtime",
  KubeadmInit: "kubeadm-init",
  KubeadmJoin: "kubeadm-join",
  JoinToken: "join-token",
  LabFiles: "lab-files",
  Kubeconfig: "kubeconfig",
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

export interface HostStep {
  readonly kind: StepKind;
  /** File name in the render, also the step's name: "10-base-os.sh". */
  readonly file: string;
  /** The whole script; run as `bash -c <script> netlab create|delete`. */
  readonly script: string;
  /** For join-token steps: the worker the token is for. */
  readonly worker?: NodeName;
}

export interface HostPlan {
  readonly node: NodeSpec;
  /** netplan YAML for /etc/netplan/60-netlab.yaml. */
  readonly netplan: string;
  /** kubeadm init config (controller) or join config (workers). */
  readonly kubeadm: string;
  /** In the order they run. */
  readonly steps: readonly HostStep[];
}

export interface ManifestFile {
  /** e.g. "kube-router.yaml". */
  readonly file: string;
  readonly objects: readonly K8sObject[];
}

export interface BenchPlan {
  readonly spec: BenchSpec;
  readonly manifests: { readonly kubeRouter: ManifestFile; readonly nodeLocalDns: ManifestFile; readonly labServer: ManifestFile; readonly labClients: ManifestFile };
  readonly hosts: Readonly<Record<NodeName, HostPlan>>;
}

export function planBench(spec: BenchSpec): BenchPlan {
  const manifests = {
    kubeRouter: { file: "kube-router.yaml", objects: kubeRouterObjects(spec) },
    nodeLocalDns: { file: "nodelocaldns.yaml", objects: nodeLocalDnsObjects(spec) },
    labServer: { file: LAB_FILES.server, objects: labServerObjects(spec) },
    labClients: { file: LAB_FILES.clients, objects: labClientObjects(spec) },
  };
  const hosts = Object.fromEntries(spec.nodes.map((n) => [n.name, planHost(spec, n, manifests)])) as Record<NodeName, HostPlan>;
  return { spec, manifests, hosts };
}

function planHost(spec: BenchSpec, node: NodeSpec, m: BenchPlan["manifests"]): HostPlan {
  const netplan = stringify(netplanFor(node));
  const isController = node.role === "control-plane";
  const kubeadm = (isController ? kubeadmInitDocs(spec) : kubeadmJoinDocs(node)).map((d) => stringify(d)).join("---\n");
  const controller = spec.nodes.find((n) => n.role === "control-plane")!;
  const step = (kind: StepKind, file: string, vars: Record<string, string>, worker?: NodeName): HostStep => ({
    kind,
    file,
    worker,
    script: buildScript(spec, node, file, vars),
  });
  const kubeadmVars = { NETLAB_KUBEADM_FILE: KUBEADM_FILE, NETLAB_KUBEADM_YAML: kubeadm, NETLAB_KUBELET_YAML: stringify(kubeletConfig(spec)) };
  const steps: HostStep[] = [
    step(StepKind.BaseOs, "10-base-os.sh", {
      NETLAB_MODULES: KERNEL_MODULES.join("\n"),
      NETLAB_SYSCTLS: Object.entries(SYSCTLS).map(([k, v]) => `${k} = ${v}`).join("\n"),
    }),
    step(StepKind.Network, "20-network.sh", {
      NETLAB_NETPLAN_FILE: NETPLAN_FILE,
      NETLAB_NETPLAN_YAML: netplan,
      NETLAB_NETPLAN_KEEP_YAML: stringify(netplanAfterDelete(node)),
      NETLAB_EXPECTED_ADDRESSES: [node.management, node.provider].map((i) => `${i.device}=${i.address}/${i.prefixLength}`).join(" "),
    }),
    step(StepKind.Runtime, "30-runtime.sh", {
      NETLAB_K8S_VERSION: spec.kubernetesVersion,
      NETLAB_K8S_MINOR: spec.kubernetesVersion.split(".").slice(0, 2).join("."),
      NETLAB_CRICTL_YAML: stringify({ "runtime-endpoint": CRI_SOCKET, "image-endpoint": CRI_SOCKET, timeout: 10 }),
    }),
  ];
  if (isController) {
    steps.push(step(StepKind.KubeadmInit, "40-kubeadm-init.sh", kubeadmVars));
    for (const worker of spec.nodes.filter((n) => n.role === "worker")) {
      steps.push(step(StepKind.JoinToken, `45-join-token-${worker.name}.sh`, {
        NETLAB_WORKER: worker.name,
        NETLAB_TOKEN_TTL: JOIN_TOKEN_TTL,
        NETLAB_CLUSTER: spec.id,
        NETLAB_API_SERVER: `https://${controller.provider.address}:${API_PORT}`,
      }, worker.name));
    }
    steps.push(step(StepKind.LabFiles, "50-lab-files.sh", {
      NETLAB_LAB_S1: toYamlStream(m.labServer.objects),
      NETLAB_LAB_C1: toYamlStream(m.labClients.objects),
    }));
    steps.push(step(StepKind.Kubeconfig, "60-kubeconfig.sh", {}));
  } else {
    steps.push(step(StepKind.KubeadmJoin, "40-kubeadm-join.sh", { ...kubeadmVars, NETLAB_DISCOVERY_FILE: DISCOVERY_FILE }));
  }
  return { node, netplan, kubeadm, steps };
}

/** Header (the step's values) + shared helpers + the step's create/delete + the dispatch on $1. */
function buildScript(spec: BenchSpec, node: NodeSpec, file: string, vars: Record<string, string>): string {
  const header = shellAssignments({
    NETLAB_NODE: node.name,
    NETLAB_STEP: file.replace(/\.sh$/, ""),
    NETLAB_TARGET: spec.target,
    NETLAB_ROOT: spec.target === "sim" ? `${spec.simRoot}/${node.name}` : "",
    NETLAB_LAB_USER: spec.labUser,
    NETLAB_CRI_SOCKET: CRI_SOCKET,
    NETLAB_KUBEADM_DIR: KUBEADM_DIR,
    ...vars,
  });
  const body = readNodeScript(file.startsWith("45-join-token") ? "45-join-token.sh" : file);
  return [
    "#!/usr/bin/env bash",
    `# k8s-netlab ${spec.id} ${node.name}: ${file}. Generated by netlab; run as: bash ${file} create|delete`,
    "# The values below are literal text (file contents included): nothing in them is meant to expand.",
    "# shellcheck disable=SC2016",
    header,
    readNodeScript("lib.sh"),
    body,
    'case "${1:-}" in create | delete) "$1" ;; *) echo "usage: $0 create|delete" >&2; exit 2 ;; esac',
    "",
  ].join("\n");
}
