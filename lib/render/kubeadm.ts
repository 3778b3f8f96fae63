/**
 * kubeadm configuration documents (API v1beta4) for the controller's init and the workers' join,
 * plus the kubelet and kube-proxy component configs they carry.
 */
import { controllerOf } from "../spec/nodes";
import type { BenchSpec, NodeSpec } from "../spec/types";
import { ProbeKind, stretchProbe } from "./load";
import { criSocket } from "./runtime";

export const KUBEADM_DIR = "/etc/kubernetes/netlab";
export const KUBEADM_FILE = `${KUBEADM_DIR}/kubeadm.yaml`;
/** Bootstrap kubeconfig a worker discovers the cluster with; written by the join step from a secret. */
export const DISCOVERY_FILE = `${KUBEADM_DIR}/discovery.conf`;
/** kubeadm patches for the control plane's static pods (written only when timeouts.scale stretches them). */
export const KUBEADM_PATCH_DIR = `${KUBEADM_DIR}/patches`;
export const API_PORT = 6443;
/** Where the handout looks for the kubelet's config: a link to the file kubeadm writes, relative to /etc/kubernetes. */
export const KUBELET_CONFIG_FILE = "/var/lib/kubelet/config.yaml";
export const KUBELET_CONFIG_LINK = "/etc/kubernetes/kubelet-config.yaml";
export const KUBELET_CONFIG_LINK_TARGET = "../../var/lib/kubelet/config.yaml";

/** etcd as the bundle builds it (kubeadm 1.34 would name 3.6.5-0; the bundle's etcd is the newer 3.6.16). */
export const BUNDLE_ETCD_IMAGE_TAG = "3.6.16-0";

type Doc = Record<string, unknown>;

function nodeRegistration(spec: BenchSpec, node: NodeSpec): Doc {
  return {
    name: node.name,
    criSocket: criSocket(spec),
    // Multi-NIC nodes would otherwise register the address of their default route as InternalIP.
    kubeletExtraArgs: [{ name: "node-ip", value: node.provider.address }],
  };
}

/** InitConfiguration + ClusterConfiguration + KubeletConfiguration + KubeProxyConfiguration. */
export function kubeadmInitDocs(spec: BenchSpec): Doc[] {
  const controller = controllerOf(spec);
  const net = spec.network;
  return [
    {
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "InitConfiguration",
      localAPIEndpoint: { advertiseAddress: controller.provider.address, bindPort: API_PORT },
      nodeRegistration: nodeRegistration(spec, controller),
      timeouts: kubeadmTimeouts(spec),
      ...(Object.keys(kubeadmPatches(spec)).length > 0 ? { patches: { directory: KUBEADM_PATCH_DIR } } : {}),
    },
    {
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "ClusterConfiguration",
      clusterName: spec.id,
      kubernetesVersion: `v${spec.kubernetesVersion}`,
      controlPlaneEndpoint: `${controller.provider.address}:${API_PORT}`,
      networking: { podSubnet: net.podSubnet, serviceSubnet: net.serviceSubnet, dnsDomain: net.clusterDomain },
      apiServer: { certSANs: [...new Set([controller.provider.address, controller.management.address, controller.ssh.host])] },
      ...etcdConfig(spec),
      controllerManager: {
        extraArgs: [
          // kube-router routes one prefix per node: the controller-manager must hand them out.
          { name: "allocate-node-cidrs", value: "true" },
          { name: "node-cidr-mask-size", value: String(net.nodePrefixLength) },
          ...leaderElectionArgs(spec),
          ...nodeMonitorArgs(spec),
        ],
      },
      ...(spec.timeouts.scale === 1 ? {} : { scheduler: { extraArgs: leaderElectionArgs(spec) } }),
    },
    kubeletConfig(spec),
    {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      mode: "ipvs",
      clusterCIDR: net.podSubnet,
      ipvs: { strictARP: false },
    },
  ];
}

/**
 * The controller-manager's and the scheduler's leader election, stretched by timeouts.scale from upstream's 15 s
 * lease, 10 s renewal deadline and 2 s retry. Both exit when a renewal misses its deadline; on a slow (emulated)
 * controller the API server answers too late for upstream's values and both restart over and over.
 */
function leaderElectionArgs(spec: BenchSpec): { name: string; value: string }[] {
  const s = spec.timeouts.scale;
  if (s === 1) return [];
  return [
    { name: "leader-elect-lease-duration", value: `${15 * s}s` },
    { name: "leader-elect-renew-deadline", value: `${10 * s}s` },
    { name: "leader-elect-retry-period", value: `${2 * s}s` },
  ];
}

/**
 * kubeadm's local etcd: the bundle's image tag, and at timeouts.scale > 1 upstream's 100 ms heartbeat and 1000 ms
 * election timeout stretched. etcd gives a request 5 s + 2 election timeouts before it answers "etcdserver: request
 * timed out" (ServerConfig.ReqTimeout); on an emulated controller a write once missed that 7 s and failed the up.
 */
function etcdConfig(spec: BenchSpec): { etcd?: { local: Record<string, unknown> } } {
  const s = spec.timeouts.scale;
  const local: Record<string, unknown> = {
    ...(spec.packageSource === "bundle" ? { imageTag: BUNDLE_ETCD_IMAGE_TAG } : {}),
    ...(s === 1
      ? {}
      : {
          extraArgs: [
            { name: "heartbeat-interval", value: String(100 * s) },
            { name: "election-timeout", value: String(1000 * s) },
          ],
        }),
  };
  return Object.keys(local).length > 0 ? { etcd: { local } } : {};
}

/**
 * How long the controller-manager lets a node's kubelet go silent before marking it NotReady: upstream's 50 s
 * (1.32+; 40 s before) stretched by timeouts.scale. On emulated nodes under load a kubelet renews its lease late,
 * and nodes otherwise flap NotReady, which taints them and evicts the lab's pods.
 */
function nodeMonitorArgs(spec: BenchSpec): { name: string; value: string }[] {
  const s = spec.timeouts.scale;
  return s === 1 ? [] : [{ name: "node-monitor-grace-period", value: `${50 * s}s` }];
}

/**
 * kubeadm's probes on its static pods (kubeadm 1.31-1.34: liveness every 10 s, 15 s to answer, 8 failures;
 * readiness every 1 s, 15 s to answer, 3 failures; the controller-manager has no readiness probe). The startup
 * probe already follows timeouts.controlPlaneComponentHealthCheck.
 */
const KUBEADM_PROBES = {
  livenessProbe: { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 15, failureThreshold: 8 },
  readinessProbe: { initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 15, failureThreshold: 3 },
} as const;
const STATIC_POD_PROBES: Readonly<Record<string, readonly (keyof typeof KUBEADM_PROBES)[]>> = {
  etcd: ["livenessProbe", "readinessProbe"],
  "kube-apiserver": ["livenessProbe", "readinessProbe"],
  "kube-controller-manager": ["livenessProbe"],
  "kube-scheduler": ["livenessProbe", "readinessProbe"],
};

/**
 * kubeadm's CoreDNS Deployment probes (1.34, read from `kubeadm init phase addon coredns --print-manifest`):
 * liveness 60 s after start, every 10 s, 5 s to answer, 5 failures; readiness on Kubernetes' defaults (every 10 s,
 * 1 s to answer, 3 failures).
 */
const KUBEADM_COREDNS_PROBES = {
  livenessProbe: { initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 },
  readinessProbe: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
} as const;

/**
 * A strategic merge patch of kubeadm's CoreDNS Deployment for slow benches (none at scale 1); the init step applies
 * it once the addon exists.
 * - Its probes are stretched by timeouts.scale: on a starved emulated worker CoreDNS answered /ready in more than
 *   1 s, stayed unready and was restarted over and over.
 * - It keeps off the webserver's node. Both replicas used to land on the first worker to join, the node that also
 *   runs webserver-1 and client-1; there it answered too late and names did not resolve from client-2. kubeadm's
 *   own preferred anti-affinity then spreads the replicas over the other workers.
 */
export function corednsPatch(spec: BenchSpec): Doc | undefined {
  if (spec.timeouts.scale === 1) return undefined;
  const container: Record<string, unknown> = { name: "coredns" };
  for (const kind of [ProbeKind.Liveness, ProbeKind.Readiness]) {
    const stretched: Record<string, unknown> = { ...KUBEADM_COREDNS_PROBES[kind] };
    stretchProbe(stretched, spec.timeouts.scale, kind);
    container[kind] = stretched;
  }
  const awayFromWebserver = {
    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "NotIn", values: [spec.placement.webserverNode] }] }],
  };
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: awayFromWebserver } };
  return { spec: { template: { spec: { affinity, containers: [container] } } } };
}

/**
 * On slow nodes (timeouts.scale > 1), a CPU request for kubeadm's kube-proxy DaemonSet, which has none (none at
 * scale 1). Without one the pod is BestEffort: on an emulated worker whose kubelet and containerd kept its one
 * CPU busy, its cgroup got a weight of 1, its API watches missed TLS handshakes for minutes and its IPVS table
 * stayed without the lab's Service. The init step applies it once the addon exists.
 */
const KUBE_PROXY_CPU_REQUEST = "100m";

export function kubeProxyCpuPatch(spec: BenchSpec): Doc | undefined {
  if (spec.timeouts.scale === 1) return undefined;
  return { spec: { template: { spec: { containers: [{ name: "kube-proxy", resources: { requests: { cpu: KUBE_PROXY_CPU_REQUEST } } }] } } } };
}

/**
 * kubeadm patches (file path -> strategic merge patch) stretching those probes by timeouts.scale; none at scale 1.
 * On a slow controller, an API server that answers /livez in 20 s is alive: upstream's 15 s would have the kubelet
 * kill it, and each restart costs minutes more.
 */
export function kubeadmPatches(spec: BenchSpec): Record<string, Doc> {
  if (spec.timeouts.scale === 1) return {};
  return Object.fromEntries(
    Object.entries(STATIC_POD_PROBES).map(([target, probes]) => {
      const container: Record<string, unknown> = { name: target };
      for (const probe of probes) {
        const stretched: Record<string, unknown> = { ...KUBEADM_PROBES[probe] };
        stretchProbe(stretched, spec.timeouts.scale, probe);
        container[probe] = stretched;
      }
      return [`${KUBEADM_PATCH_DIR}/${target}+strategic.yaml`, { spec: { containers: [container] } }];
    }),
  );
}

/**
 * The kubelet config every node gets: pods resolve through nodelocaldns, as IPVS mode requires. The limit of each
 * call to the container runtime (runtimeRequestTimeout, 2 minutes by default) is stretched by timeouts.scale: on
 * the emulated VM bench, stopping a lab pod's container took longer, and the kubelet gave up killing the pod.
 */
export function kubeletConfig(spec: BenchSpec): Doc {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    cgroupDriver: "systemd",
    clusterDNS: [spec.network.nodeLocalDnsIp],
    clusterDomain: spec.network.clusterDomain,
    ...(spec.timeouts.scale > 1 ? { runtimeRequestTimeout: `${2 * spec.timeouts.scale}m0s` } : {}),
  };
}

/** JoinConfiguration for a worker; the cluster CA and the short-lived token live in the discovery file. */
export function kubeadmJoinDocs(spec: BenchSpec, node: NodeSpec): Doc[] {
  return [
    {
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "JoinConfiguration",
      discovery: { file: { kubeConfigPath: DISCOVERY_FILE } },
      nodeRegistration: nodeRegistration(spec, node),
      timeouts: kubeadmTimeouts(spec),
    },
  ];
}

/** kubeadm's v1beta4 time limits, from the stack's (scaled) timeouts. */
function kubeadmTimeouts(spec: BenchSpec): Doc {
  const t = spec.timeouts;
  return {
    controlPlaneComponentHealthCheck: `${t.controlPlane}s`,
    kubeletHealthCheck: `${t.controlPlane}s`,
    kubernetesAPICall: `${t.apiCall}s`,
    etcdAPICall: `${t.apiCall * 2}s`,
    tlsBootstrap: `${t.join}s`,
    discovery: `${t.join}s`,
  };
}
