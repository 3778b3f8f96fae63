/**
 * The typed model of one bench: everything the program, the render and the checks read.
 * Built once by `parseBenchSpec`; every address in it is derived there and nowhere else.
 */

export const NodeName = {
  Controller: "controller",
  Compute1: "compute1",
  Compute2: "compute2",
  Compute3: "compute3",
} as const;
export type NodeName = (typeof NodeName)[keyof typeof NodeName];
/** Bench nodes in the order they join the cluster (the controller-manager hands out pod prefixes in this order). */
export const NODE_NAMES: readonly NodeName[] = ["controller", "compute1", "compute2", "compute3"];

export const NodeRole = { ControlPlane: "control-plane", Worker: "worker" } as const;
export type NodeRole = (typeof NodeRole)[keyof typeof NodeRole];

/** How the switch port behind an interface is configured. */
export const PortMode = {
  /** Untagged access port: the address sits on the NIC itself (the handout's case). */
  Access: "access",
  /** 802.1Q trunk: the address sits on a VLAN sub-interface (enp1s0f2.3). */
  Tagged: "tagged",
} as const;
export type PortMode = (typeof PortMode)[keyof typeof PortMode];

/** What runs the host steps over SSH. */
export const RemoteExecutor = {
  /**
   * netlab's SshStep: the OpenSSH client driven by a dynamic provider, host key pinned; it reads host drift on
   * refresh and joins a worker in one operation. (@pulumi/command's remote.Command was the other executor: its
   * plugin cannot be built here and it sees no host drift, so it was removed.)
   */
  Ssh: "ssh",
} as const;
export type RemoteExecutor = (typeof RemoteExecutor)[keyof typeof RemoteExecutor];

/** What runs the pods behind the kubelet's CRI socket. */
export const ContainerRuntime = {
  /** containerd's own CRI plugin (Debian's containerd): the default. */
  Containerd: "containerd",
  /** Docker Engine behind cri-dockerd, as on the benches the handout was written for (`docker ps`, docker0). */
  Docker: "docker",
} as const;
export type ContainerRuntime = (typeof ContainerRuntime)[keyof typeof ContainerRuntime];

/** Where a bench's packages, Kubernetes binaries and images come from. */
export const PackageSource = {
  /** Debian/Ubuntu mirrors, pkgs.k8s.io and the images' registries: the node needs the internet. */
  Online: "online",
  /** The air-gapped bundle built by `netlab bundle`, pushed to each node over SSH. */
  Bundle: "bundle",
} as const;
export type PackageSource = (typeof PackageSource)[keyof typeof PackageSource];

/** Control-plane and readiness time limits, in seconds, already multiplied by `timeouts.scale`. */
export interface TimeoutSpec {
  readonly scale: number;
  /** kubeadm's wait for the control plane and the kubelet to be healthy (kubeadm's default: 4 min). */
  readonly controlPlane: number;
  /** kubeadm's API calls (default 1 min). */
  readonly apiCall: number;
  /** A worker's discovery and TLS bootstrap (kubeadm's default: 5 min). */
  readonly join: number;
  /** How long a DaemonSet, Deployment or Pod may take to become ready (the Kubernetes provider's default: 10 min). */
  readonly workloadReady: number;
  /** How long one host step may run over SSH before it fails. */
  readonly hostStep: number;
  /**
   * How long the Kubernetes provider waits for one HTTP answer from the API server (its default: 32 s). Its first
   * request reads the API's whole schema, which a slow control plane serves in more than that.
   */
  readonly kubeClient: number;
  /**
   * How long an SSH connection may take to open, banner included (OpenSSH's ConnectTimeout), and how long a node may
   * leave an open one unanswered before it counts as dropped (ServerAlive probes); netlab's defaults: 10 s and 45 s.
   */
  readonly sshConnect: number;
  readonly sshAlive: number;
}

export interface InterfaceSpec {
  /** Physical NIC name. */
  readonly nic: string;
  /** 802.1Q VLAN id of the network on the switch. */
  readonly vlanId: number;
  readonly portMode: PortMode;
  /** Name of the interface that carries the address: the NIC (access) or `<nic>.<vlan>` (tagged). */
  readonly device: string;
  /** Host address, without prefix length. */
  readonly address: string;
  /** Prefix length of the network. */
  readonly prefixLength: number;
}

export interface SshSpec {
  /** Address the provisioner connects to (the management address unless overridden). */
  readonly host: string;
  /** @default 22 */
  readonly port: number;
  /** @default "user" */
  readonly user: string;
  /** Pinned host key ("ssh-ed25519 AAAA..."); never skipped. */
  readonly hostKey: string;
  /** timeouts.sshConnect and timeouts.sshAlive, in seconds: every connection to the node uses them. */
  readonly connectTimeout: number;
  readonly aliveTimeout: number;
}

export interface NodeSpec {
  readonly name: NodeName;
  readonly role: NodeRole;
  /** Management network, enp1s0f0, VLAN 2. */
  readonly management: InterfaceSpec;
  /** Provider network, enp1s0f2, VLAN 3: every Kubernetes packet goes here. */
  readonly provider: InterfaceSpec;
  /** The /24 the controller-manager allocates to this node, given the join order. */
  readonly podCidr: string;
  /** First address of the pod prefix: kube-bridge's address and the pods' default gateway. */
  readonly podGateway: string;
  readonly ssh: SshSpec;
}

export interface NetworkSpec {
  /** @default "10.233.64.0/18" (Kubespray) */
  readonly podSubnet: string;
  /** @default "10.233.0.0/18" (Kubespray) */
  readonly serviceSubnet: string;
  /** Prefix length of each node's pod prefix. @default 24 */
  readonly nodePrefixLength: number;
  /** First address of the service subnet: the `kubernetes` Service. */
  readonly kubernetesServiceIp: string;
  /** Tenth address of the service subnet, where kubeadm puts the kube-dns Service (CoreDNS). */
  readonly corednsIp: string;
  /** nodelocaldns address. @default "169.254.25.10" */
  readonly nodeLocalDnsIp: string;
  /** Provider network of the bench, e.g. 10.27.4.0/24. */
  readonly providerCidr: string;
  /** Management network of the bench. */
  readonly managementCidr: string;
  /** @default "cluster.local" */
  readonly clusterDomain: string;
}

export interface ImageSpec {
  readonly kubeRouter: string;
  readonly nodeLocalDns: string;
  readonly webserver: string;
  readonly client: string;
}

export interface PlacementSpec {
  /** Node running webserver-1 and client-1. @default "compute1" */
  readonly webserverNode: NodeName;
  /** Node running client-2; never the webserver's node. @default "compute2" */
  readonly client2Node: NodeName;
}

export interface BenchSpec {
  readonly room: number;
  readonly bench: number;
  /** Stable identifier, e.g. "room27-bench4". */
  readonly id: string;
  readonly nodes: readonly NodeSpec[];
  readonly network: NetworkSpec;
  /** Kubernetes version installed by kubeadm, without the leading v. @default "1.34.3" */
  readonly kubernetesVersion: string;
  /** @default "containerd" */
  readonly containerRuntime: ContainerRuntime;
  readonly images: ImageSpec;
  readonly placement: PlacementSpec;
  /** Unprivileged account students log in with; gets the kubeconfig and lab files. @default "user" */
  readonly labUser: string;
  /**
   * Directory under which each node keeps its files, `<nodeRoot>/<node>` (netlab:nodeRoot); "" (the default):
   * the node's own /. Read through `nodeRoot()` in nodes.ts, never directly.
   */
  readonly nodeRoot: string;
  /** @default "ssh" (the only one) */
  readonly remoteExecutor: RemoteExecutor;
  /** @default "bundle" */
  readonly packageSource: PackageSource;
  /** packages.bundle: the built bundle's directory on the instructor's machine; undefined: `bundleDir()`'s default. */
  readonly bundleDir?: string;
  readonly timeouts: TimeoutSpec;
}
