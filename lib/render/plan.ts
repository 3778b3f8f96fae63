/**
 * Everything one bench gets, as data: the Kubernetes objects of the cluster stage and, per node, the files and
 * the ordered scripts of the hosts stage. `pulumi up` pushes exactly this; `netlab render` writes it to disk.
 */
import { stringify } from "yaml";
import { controllerOf, nodeRoot, workersOf } from "../spec/nodes";
import { NodeRole, type BenchSpec, type NodeName, type NodeSpec } from "../spec/types";
import {
  API_PORT, CRI_SOCKET, DISCOVERY_FILE, KUBEADM_DIR, KUBEADM_FILE, KUBELET_CONFIG_LINK, KUBELET_CONFIG_LINK_TARGET,
  corednsProbePatch, kubeadmInitDocs, kubeadmJoinDocs, kubeadmPatches, pauseImage,
} from "./kubeadm";
import { KUBELET_DROPIN_FILE, KUBELET_KUBEADM_DROPIN, KUBELET_UNIT, KUBELET_UNIT_FILE } from "./kubelet-units";
import { kubeRouterObjects } from "./kube-router";
import { LAB_FILES, labClientObjects, labServerObjects, toYamlStream } from "./lab";
import { readNodeScript, type K8sObject } from "./load";
import { NETPLAN_FILE, netplanAfterDelete, netplanFor } from "./netplan";
import { corednsServiceIp, nodeLocalDnsObjects } from "./nodelocaldns";
import { checkCommandLines } from "./limits";
import { shellAssignments } from "./shell";
import { createHash } from "node:crypto";

/** Kernel modules kube-proxy (IPVS), kube-router (bridge netfilter), containerd and trunk ports need. */
export const KERNEL_MODULES = ["overlay", "br_netfilter", "8021q", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"];
export const SYSCTLS = { "net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1", "net.bridge.bridge-nf-call-ip6tables": "1" };
/**
 * Debian packages every node needs: what the steps run (netplan, curl), what kubeadm's preflight checks
 * (conntrack, socat, ebtables, ethtool) and what the handout has students run on the nodes (ipvsadm, tcpdump, ping).
 */
export const BASE_PACKAGES = [
  "iproute2", "iptables", "ipset", "ipvsadm", "conntrack", "ebtables", "socat", "ethtool", "kmod", "procps",
  "netplan.io", "curl", "ca-certificates", "tcpdump", "iputils-ping",
];
/** Where the provisioner pushes the bundle on each node. */
export const NODE_BUNDLE_DIR = "/var/lib/netlab/bundle";

export const StepKind = {
  BaseOs: "base-os",
  Network: "network",
  Runtime: "runtime",
  KubeadmInit: "kubeadm-init",
  KubeadmJoin: "kubeadm-join",
  JoinToken: "join-token",
  LabFiles: "lab-files",
  Kubeconfig: "kubeconfig",
  LabNetwork: "lab-network",
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

export interface HostStep {
  readonly kind: StepKind;
  /** File name in the render, also the step's name: "10-base-os.sh". */
  readonly file: string;
  /** The whole script; run as `bash -c <script> <file> create|delete|check`. */
  readonly script: string;
  /** For join-token steps: the worker the token is for. */
  readonly worker?: NodeName;
  /**
   * What the script's `check` must print on a host in the expected state ("key" -> "value"). A refresh compares
   * it with what the host shows: that is host drift.
   */
  readonly expect: Readonly<Record<string, string>>;
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
  readonly manifests: {
    readonly kubeRouter: ManifestFile;
    readonly nodeLocalDns: ManifestFile;
    readonly labServer: ManifestFile;
    readonly labClients: ManifestFile;
  };
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
  checkCommandLines(Object.values(hosts));
  return { spec, manifests, hosts };
}

function planHost(spec: BenchSpec, node: NodeSpec, m: BenchPlan["manifests"]): HostPlan {
  const netplan = stringify(netplanFor(node));
  const isController = node.role === NodeRole.ControlPlane;
  const kubeadm = (isController ? kubeadmInitDocs(spec) : kubeadmJoinDocs(spec, node)).map((d) => stringify(d)).join("---\n");
  const controller = controllerOf(spec);
  /** A step: its script's values, the files it writes (path -> content) and any other expectations. */
  const step = (kind: StepKind, file: string, vars: Record<string, string>, o: StepExtras = {}): HostStep => {
    const files = o.files ?? {};
    return {
      kind,
      file,
      worker: o.worker,
      script: buildScript(spec, node, file, { ...vars, NETLAB_CHECK_FILES: Object.keys(files).join("\n") }, o.observe ?? false),
      expect: { ...fileExpectations(files), ...o.expect },
    };
  };
  const kubeadmVars = {
    NETLAB_KUBEADM_FILE: KUBEADM_FILE, NETLAB_KUBEADM_YAML: kubeadm,
    NETLAB_KUBELET_CONFIG_LINK: KUBELET_CONFIG_LINK_TARGET,
  };
  const kubeadmExtras: StepExtras = {
    files: { [KUBEADM_FILE]: kubeadm },
    expect: { clusterDNS: spec.network.nodeLocalDnsIp, [`link:${KUBELET_CONFIG_LINK}`]: KUBELET_CONFIG_LINK_TARGET },
    observe: true,
  };
  const modules = KERNEL_MODULES.join("\n");
  const sysctls = Object.entries(SYSCTLS).map(([k, v]) => `${k} = ${v}`).join("\n");
  const crictl = stringify({ "runtime-endpoint": CRI_SOCKET, "image-endpoint": CRI_SOCKET, timeout: 10 });
  const labS1 = toYamlStream(m.labServer.objects);
  const labC1 = toYamlStream(m.labClients.objects);
  const steps: HostStep[] = [
    step(StepKind.BaseOs, "10-base-os.sh", {
      NETLAB_MODULES: modules, NETLAB_SYSCTLS: sysctls, NETLAB_BASE_PACKAGES: BASE_PACKAGES.join(" "),
      NETLAB_LAB_NICS: [node.management.nic, node.provider.nic].join(" "),
    }, {
      files: { "/etc/modules-load.d/netlab.conf": modules, "/etc/sysctl.d/90-netlab.conf": sysctls },
      expect: Object.fromEntries(Object.entries(SYSCTLS).map(([k, v]) => [`sysctl:${k}`, v])),
    }),
    step(StepKind.Network, "20-network.sh", {
      NETLAB_NETPLAN_FILE: NETPLAN_FILE,
      NETLAB_NETPLAN_YAML: netplan,
      NETLAB_NETPLAN_KEEP_YAML: stringify(netplanAfterDelete(node)),
      NETLAB_EXPECTED_ADDRESSES: [node.management, node.provider].map((i) => `${i.device}=${i.address}/${i.prefixLength}`).join(" "),
    }, {
      files: { [NETPLAN_FILE]: netplan },
      expect: Object.fromEntries([node.management, node.provider].map((i) => [`address:${i.device}`, `${i.address}/${i.prefixLength}`])),
    }),
    runtimeStep(spec, step, crictl),
  ];
  if (isController) {
    const patches = Object.entries(kubeadmPatches(spec)).map(([file, doc]) => [file, stringify(doc)] as const);
    const corednsPatch = corednsProbePatch(spec);
    const patchVars = Object.fromEntries(patches.map(([, text], i) => [`NETLAB_KUBEADM_PATCH_${i}`, text]));
    steps.push(step(StepKind.KubeadmInit, "40-kubeadm-init.sh",
      {
        ...kubeadmVars, NETLAB_API_TIMEOUT: String(spec.timeouts.apiCall),
        NETLAB_COREDNS_PATCH: corednsPatch ? JSON.stringify(corednsPatch) : "",
        NETLAB_KUBEADM_PATCH_FILES: patches.map(([file]) => file).join("\n"), ...patchVars,
      },
      { ...kubeadmExtras, files: { ...kubeadmExtras.files, ...Object.fromEntries(patches) } }));
    for (const worker of workersOf(spec)) {
      steps.push(step(StepKind.JoinToken, `45-join-token-${worker.name}.sh`, {
        NETLAB_WORKER: worker.name,
        NETLAB_EXPECTED_POD_CIDR: worker.podCidr,
        NETLAB_JOIN_TIMEOUT: String(spec.timeouts.join),
        NETLAB_API_TIMEOUT: String(spec.timeouts.apiCall),
        // Minted just before the join and revoked just after: it only has to outlive one join.
        NETLAB_TOKEN_TTL: `${spec.timeouts.join * 2}s`,
        NETLAB_CLUSTER: spec.id,
        NETLAB_API_SERVER: `https://${controller.provider.address}:${API_PORT}`,
      }, { worker: worker.name }));
    }
    const home = `/home/${spec.labUser}`;
    steps.push(step(StepKind.LabFiles, "50-lab-files.sh", { NETLAB_LAB_S1: labS1, NETLAB_LAB_C1: labC1 }, {
      files: { [`${home}/${LAB_FILES.server}`]: labS1, [`${home}/${LAB_FILES.clients}`]: labC1 },
    }));
    steps.push(step(StepKind.Kubeconfig, "60-kubeconfig.sh", { NETLAB_API_TIMEOUT: String(spec.timeouts.controlPlane) }));
  } else {
    steps.push(step(StepKind.KubeadmJoin, "40-kubeadm-join.sh", { ...kubeadmVars, NETLAB_DISCOVERY_FILE: DISCOVERY_FILE }, kubeadmExtras));
  }
  steps.push(labNetworkStep(spec, node, step));
  return { node, netplan, kubeadm, steps };
}

type StepMaker = (kind: StepKind, file: string, vars: Record<string, string>, o?: StepExtras) => HostStep;

/** containerd with kubeadm's pause image and systemd cgroups, the CNI plugins, kubelet/kubeadm/kubectl/crictl. */
function runtimeStep(spec: BenchSpec, step: StepMaker, crictl: string): HostStep {
  const pause = pauseImage(spec.kubernetesVersion);
  const fromBundle = spec.packageSource === "bundle";
  const containerd = `SystemdCgroup=true sandbox_image=${pause}`;
  return step(StepKind.Runtime, "30-runtime.sh", {
    NETLAB_K8S_VERSION: spec.kubernetesVersion,
    NETLAB_K8S_MINOR: spec.kubernetesVersion.split(".").slice(0, 2).join("."),
    NETLAB_CRICTL_YAML: crictl,
    NETLAB_PAUSE_IMAGE: pause,
    NETLAB_CONTAINERD_EXPECTED: containerd,
    NETLAB_KUBELET_UNIT: KUBELET_UNIT,
    NETLAB_KUBELET_DROPIN: KUBELET_KUBEADM_DROPIN,
  }, {
    files: { "/etc/crictl.yaml": crictl, ...(fromBundle ? { [KUBELET_UNIT_FILE]: KUBELET_UNIT, [KUBELET_DROPIN_FILE]: KUBELET_KUBEADM_DROPIN } : {}) },
    expect: { containerd, crictl: "installed" },
  });
}

interface StepExtras {
  readonly files?: Record<string, string>;
  readonly expect?: Record<string, string>;
  readonly worker?: NodeName;
  /** Include the node observations (scripts/node/observe.sh). */
  readonly observe?: boolean;
}

/** put_file writes the content and a newline: the hash a check prints for a file in the expected state. */
function fileExpectations(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([p, content]) => [`file:${p}`, createHash("sha256").update(`${content}\n`).digest("hex")]));
}

function otherNodes(spec: BenchSpec, node: NodeSpec): NodeSpec[] {
  return spec.nodes.filter((n) => n.name !== node.name);
}

/** IPVS virtual servers every node has once kube-proxy runs: the kubernetes Service and kube-dns (TCP). */
function ipvsTargets(spec: BenchSpec): string[] {
  return [`${spec.network.kubernetesServiceIp}:443`, `${spec.network.corednsIp}:53`, `${corednsServiceIp(spec)}:53`];
}

/**
 * The node's network once the cluster stage has run, waited for and then observed (scripts/node/70-lab-network.sh):
 * it runs after the lab workloads, so a host step never records a view taken before the cluster existed.
 */
function labNetworkStep(spec: BenchSpec, node: NodeSpec, step: StepMaker): HostStep {
  const expect = networkExpectations(spec, node);
  return step(StepKind.LabNetwork, "70-lab-network.sh", {
    NETLAB_EXPECTED_ROUTES: otherNodes(spec, node).map((n) => `${n.podCidr} via ${n.provider.address}`).join("\n"),
    NETLAB_EXPECTED_IPVS: ipvsTargets(spec).join(" "),
    NETLAB_VIEW_EXPECTED: Object.entries(expect).map(([k, v]) => `${k}=${v}`).join("\n"),
    NETLAB_VIEW_GRACE: String(spec.timeouts.apiCall),
    NETLAB_VIEW_TIMEOUT: String(spec.timeouts.workloadReady),
  }, { expect, observe: true });
}

/** What the handout expects to see in every node's network once the cluster runs. */
function networkExpectations(spec: BenchSpec, node: NodeSpec): Record<string, string> {
  return {
    ...Object.fromEntries(otherNodes(spec, node).map((n) => [`route:${n.podCidr}`, `via ${n.provider.address}`])),
    // kube-bridge gets its address with the node's first pod: only the lab pods' nodes are sure to have one.
    "link:kube-bridge": "present",
    ...([spec.placement.webserverNode, spec.placement.client2Node].includes(node.name)
      ? { "kube-bridge": `${node.podGateway}/${spec.network.nodePrefixLength}` }
      : {}),
    "link:nodelocaldns": `${spec.network.nodeLocalDnsIp}/32`,
    ...Object.fromEntries(ipvsTargets(spec).map((t) => [`ipvs:${t}`, "present"])),
    "kube-proxy-mode": "ipvs",
  };
}

/** Header (the step's values) + shared helpers + the step's create/delete/check + the dispatch on $1. */
function buildScript(spec: BenchSpec, node: NodeSpec, file: string, vars: Record<string, string>, observe: boolean): string {
  const header = shellAssignments({
    NETLAB_NODE: node.name,
    NETLAB_STEP: file.replace(/\.sh$/, ""),
    NETLAB_ROOT: nodeRoot(spec, node.name),
    NETLAB_LAB_USER: spec.labUser,
    NETLAB_CRI_SOCKET: CRI_SOCKET,
    NETLAB_KUBEADM_DIR: KUBEADM_DIR,
    NETLAB_PACKAGE_SOURCE: spec.packageSource,
    // Where the bundle was pushed, as the step names files: under the node's root.
    NETLAB_BUNDLE_DIR: `${nodeRoot(spec, node.name)}${NODE_BUNDLE_DIR}`,
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
    // Steps that write in the lab user's home get its link-safe helpers.
    ...(/\b(put|remove)_user_file\b/.test(body) ? [readNodeScript("home.sh")] : []),
    ...(observe ? [readNodeScript("observe.sh")] : []),
    body,
    'case "${1:-}" in create | delete | check | joined | finish) "$1" ;; *) echo "usage: $0 create|delete|check" >&2; exit 2 ;; esac',
    "",
  ].join("\n");
}
