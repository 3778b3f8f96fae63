/**
 * Gathering the facts the checks and the answer key read: kubectl with the bench's kubeconfig, SSH to its
 * nodes. Every fact is probed on every bench; what a probe cannot get is recorded as its error.
 */
import * as path from "node:path";
import { clusterStateOf, type ClusterState } from "../facts/cluster-state";
import { KUBELET_CONFIG_LINK } from "../render/kubeadm";
import { LAB_NAMESPACE } from "../render/lab";
import { COREDNS_SERVICE } from "../render/nodelocaldns";
import type { BenchAccess } from "../remote/bench-access";
import { nodeRoot } from "../spec/nodes";
import type { CheckFacts, ExpectedBench } from "./checks";
import { labPods } from "./checks";
import { failed, observe, type Observation } from "./observation";
import { parsePodLink, type PodLink } from "./parse";

export const WEBSERVER_PORT = 8000;

/** How long one kubectl read, and one kubectl exec in a lab pod, of the checks may take: stretched by timeouts.scale. */
const KUBECTL_READ_MS = 60_000;
const KUBECTL_EXEC_MS = 45_000;
/** curl's whole budget from client-2, name lookup included; stretched by timeouts.scale like every other wait. */
const CURL_MAX_TIME_S = 10;
const limit = (a: BenchAccess, ms: number) => ({ timeoutMs: ms * a.spec.timeouts.scale });

export function expectedBench(a: BenchAccess): ExpectedBench {
  const rows =
    a.nodeRows.length > 0
      ? a.nodeRows.map((r) => ({ name: r.name, providerIp: r.providerIp }))
      : a.spec.nodes.map((n) => ({ name: n.name, providerIp: n.provider.address }));
  const { serviceSubnet, nodeLocalDnsIp, clusterDomain } = a.spec.network;
  return { nodes: rows, serviceSubnet, nodeLocalDnsIp, clusterDomain, servicePort: WEBSERVER_PORT };
}

/** ClusterIP of a Service, "" when there is none. */
export async function serviceClusterIp(a: BenchAccess, namespace: string, name: string): Promise<string> {
  const svc = await a.kubectl(["-n", namespace, "get", "service", name, "-o", "json"], limit(a, KUBECTL_READ_MS)).catch(() => "");
  return svc === "" ? "" : String(JSON.parse(svc).spec?.clusterIP ?? "");
}

/** ClusterIP of kube-system/kube-dns (kubeadm's name for CoreDNS), "" when there is none. */
export function kubeDnsClusterIp(a: BenchAccess): Promise<string> {
  return serviceClusterIp(a, "kube-system", "kube-dns");
}

/** ClusterIP of kube-system/coredns (the Service nodelocaldns forwards to, the handout's §3.1), "" when there is none. */
export function corednsClusterIp(a: BenchAccess): Promise<string> {
  return serviceClusterIp(a, "kube-system", COREDNS_SERVICE);
}

async function perNode<T>(nodes: readonly string[], probe: (node: string) => Promise<Observation<T>>): Promise<Record<string, Observation<T>>> {
  const values = await Promise.all(nodes.map(probe));
  return Object.fromEntries(nodes.map((n, i) => [n, values[i]!]));
}

export async function gatherCheckFacts(a: BenchAccess, progress: (line: string) => void = () => {}): Promise<CheckFacts> {
  const expected = expectedBench(a);
  const nodes = expected.nodes.map((n) => n.name);
  progress("kubectl: nodes, lab pods, services, nodelocaldns ConfigMap");
  const [cluster, coredns, corefile] = await Promise.all([
    clusterStateOf(a.kubectl),
    corednsClusterIp(a),
    observe(async () => {
      const cm = JSON.parse(await a.kubectl(["-n", "kube-system", "get", "configmap", "nodelocaldns", "-o", "json"], limit(a, KUBECTL_READ_MS)));
      const text = cm.data?.Corefile;
      if (typeof text !== "string") throw new Error("ConfigMap kube-system/nodelocaldns has no data.Corefile");
      return text;
    }),
  ]);
  progress(`ssh: ${KUBELET_CONFIG_LINK}, ip route show proto 17, ipvsadm -Ln on ${nodes.join(", ")}`);
  const kubeletConfigs = await perNode(nodes, (node) =>
    observe(() => a.ssh(node, ["cat", path.posix.join(nodeRoot(a.spec, node) || "/", KUBELET_CONFIG_LINK)], { root: true })),
  );
  const routes = await perNode(nodes, (node) => observe(() => a.ssh(node, ["ip", "-4", "route", "show", "proto", "17"])));
  const ipvs = await perNode(nodes, (node) => observe(() => a.ssh(node, ["ipvsadm", "-Ln"], { root: true })));

  const { client1, client2 } = labPods(cluster);
  const exec = (pod: string | undefined, argv: string[]): Promise<Observation<string>> => {
    if (pod === undefined) return Promise.resolve(failed("pod not found"));
    return observe(() => a.kubectl(["-n", LAB_NAMESPACE, "exec", pod, "--", ...argv], limit(a, KUBECTL_EXEC_MS)));
  };
  progress("kubectl exec: curl from client-2, /etc/resolv.conf of the clients");
  const [curlFromClient2, resolv1, resolv2] = await Promise.all([
    exec(client2?.name, ["curl", "-sS", "--max-time", String(CURL_MAX_TIME_S * a.spec.timeouts.scale), `http://webserver-service-1:${WEBSERVER_PORT}/`]),
    exec(client1?.name, ["cat", "/etc/resolv.conf"]),
    exec(client2?.name, ["cat", "/etc/resolv.conf"]),
  ]);
  return {
    expected,
    cluster,
    corednsClusterIp: coredns,
    nodeLocalDnsCorefile: corefile,
    routes,
    kubeletConfigs,
    curlFromClient2,
    resolvConfs: { "client-1": resolv1, "client-2": resolv2 },
    ipvs,
  };
}

/**
 * On the pod's node, as root: finds the network namespace whose eth0 holds the pod's IP (lsns + nsenter, as
 * the handout does), prints that eth0 (`eth0=` line: MAC, peer index) and the host's links (`host=` lines).
 */
export const POD_LINK_SCRIPT = `set -u
ip="$1"
for pid in $(lsns -t net -n -o PID); do
  if nsenter -t "$pid" -n ip -o -4 addr show dev eth0 2>/dev/null | grep -qF "inet $ip/"; then
    printf 'eth0=%s\\n' "$(nsenter -t "$pid" -n ip -o link show dev eth0)"
    ip -o link show | sed 's/^/host=/'
    exit 0
  fi
done
echo "no network namespace on this node has $ip on eth0" >&2
exit 3
`;

/** MAC, peer index and host-side veth of a pod. */
export async function probePodLink(a: BenchAccess, node: string, podIp: string): Promise<Observation<PodLink>> {
  if (node === "" || podIp === "") return failed("pod not scheduled or without an IP");
  return observe(async () => {
    const out = await a.ssh(node, ["sh", "-s", "--", podIp], { root: true, stdin: POD_LINK_SCRIPT });
    const link = parsePodLink(out);
    if (!link) throw new Error(`${node}: could not read eth0 of the namespace holding ${podIp}`);
    if (link.veth === "") throw new Error(`${node}: no host interface with index ${link.peerIndex} (eth0@if${link.peerIndex})`);
    return link;
  });
}

/** The cluster state read once (for callers that need it besides the facts). */
export function clusterState(a: BenchAccess): Promise<ClusterState> {
  return clusterStateOf(a.kubectl);
}
