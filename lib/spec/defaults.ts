import type { ImageSpec, NodeName } from "./types";

/** Values a bench gets when its stack config is silent. Documented key by key in the README. */
export const DEFAULTS = {
  target: "bench",
  labUser: "user",
  kubernetesVersion: "1.34.3",
  containerRuntime: "containerd",
  /** Kubespray's pod and service subnets. */
  podSubnet: "10.233.64.0/18",
  serviceSubnet: "10.233.0.0/18",
  nodePrefixLength: 24,
  nodeLocalDnsIp: "169.254.25.10",
  clusterDomain: "cluster.local",
  /**
   * The handout does not give the management addresses. Default: one /24 per bench, {bench} substituted,
   * with the same host octets as the provider network (.12/.22/.32/.42).
   */
  managementSubnet: "192.168.{bench}.0/24",
  providerPrefixLength: 24,
  portMode: "access",
  sshPort: 22,
  placement: { webserverNode: "compute1", client2Node: "compute2" },
} as const;

/** Pinned images: never an untagged or `latest` reference. */
export const DEFAULT_IMAGES: ImageSpec = {
  kubeRouter: "docker.io/cloudnativelabs/kube-router:v2.5.0",
  nodeLocalDns: "registry.k8s.io/dns/k8s-dns-node-cache:1.25.0",
  // busybox has sh, ip, ping and httpd: the webserver serves its default page with httpd on port 8000.
  webserver: "docker.io/library/busybox:1.37.0",
  // netshoot has sh, ip, ping, curl, tcpdump: everything the handout runs inside the clients.
  client: "docker.io/nicolaka/netshoot:v0.13",
};

/** Fixed facts of the bench hardware (the handout). */
export const HARDWARE = {
  management: { nic: "enp1s0f0", vlanId: 2 },
  provider: { nic: "enp1s0f2", vlanId: 3 },
  /** Last octet of each node on both networks. */
  hostOctet: { controller: 12, compute1: 22, compute2: 32, compute3: 42 } satisfies Record<NodeName, number>,
} as const;
