import type { ImageSpec, NodeName } from "./types";

/** Values a bench gets when its stack config is silent. Documented key by key in the README. */
export const DEFAULTS = {
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
  /** The bundle carries everything a bench installs, so a bench needs no internet (lab rooms often have none). */
  packageSource: "bundle",
} as const;

/**
 * Control-plane and readiness limits in seconds at real-hardware speed; `timeouts.scale` multiplies them all.
 * kubeadm's own defaults (v1beta4 `timeouts`) and the Kubernetes provider's await default.
 */
export const BASE_TIMEOUTS = {
  controlPlane: 240,
  apiCall: 60,
  join: 300,
  workloadReady: 600,
  hostStep: 900,
  kubeClient: 32,
  sshConnect: 10,
  sshAlive: 45,
} as const;

/**
 * Pinned images: never an untagged or `latest` reference. They are the images `netlab bundle` builds, so the
 * VM bench runs what a bench runs. Kube Router v2.1.0 is the newest version whose source is served here;
 * `netlab.local/` images are netlab's own equivalents of upstream images that cannot be built here
 * (node-cache: CoreDNS plus node-cache's interface and NOTRACK set-up; the clients: netshoot's tools on Debian;
 * the webserver: Debian's busybox). A bench with `packages.source: online` names registry images instead.
 */
export const DEFAULT_IMAGES: ImageSpec = {
  kubeRouter: "docker.io/cloudnativelabs/kube-router:v2.1.0",
  nodeLocalDns: "netlab.local/node-cache:1.12.1",
  // busybox has sh, ip, ping and httpd: the webserver serves its default page with httpd on port 8000.
  webserver: "netlab.local/lab-webserver:1",
  // sh, ip, ping, curl, tcpdump, dig: everything the handout runs inside the clients.
  client: "netlab.local/lab-client:1",
};

/** Registry of the images only the bundle has. */
export const BUNDLE_ONLY_REGISTRY = "netlab.local/";

/** Fixed facts of the bench hardware (the handout). */
export const HARDWARE = {
  management: { nic: "enp1s0f0", vlanId: 2 },
  provider: { nic: "enp1s0f2", vlanId: 3 },
  /** Last octet of each node on both networks. */
  hostOctet: { controller: 12, compute1: 22, compute2: 32, compute3: 42 } satisfies Record<NodeName, number>,
} as const;
