/**
 * The instructor's answer key for one bench: what the students should write down (nodes and pod prefixes,
 * each lab pod's IP, MAC, host-side veth and default gateway, the ClusterIPs) and the TTLs their captures
 * should show. Built as a typed object from gathered facts (pure), printed as Markdown or JSON.
 */
import type { BenchAccess } from "../remote/bench-access";
import { labPods } from "../check/checks";
import { clusterState, corednsClusterIp, kubeDnsClusterIp, probePodLink } from "../check/gather";
import type { Observation } from "../check/observation";
import type { PodLink } from "../check/parse";
import { runtimeCommands, type RuntimeCommands } from "../render/runtime";
import { contains, nthAddress, parseCidr } from "../spec/network";
import type { ContainerRuntime } from "../spec/types";
import type { ClusterState } from "./cluster-state";

export interface AnswerKeyNode {
  readonly name: string;
  readonly role: string;
  readonly providerIp: string;
  readonly managementIp: string;
  /** Pod prefix the cluster gave the node (spec.podCIDR). */
  readonly podCidr: string;
  /** kube-bridge's address: the first address of the prefix. */
  readonly kubeBridgeIp: string;
  /**
   * Whether `ip a` on the node shows that address now. Kube Router creates kube-bridge without an address; the
   * CNI bridge plugin gives it the gateway address when the first pod with its own network namespace starts
   * there. "yes" on a node running a lab pod; "only once a pod runs there" elsewhere (the controller runs
   * none of the lab's, and at most CoreDNS).
   */
  readonly kubeBridgeAddressed: "yes" | "only once a pod runs there";
}

export interface AnswerKeyPod {
  readonly role: "webserver-1" | "client-1" | "client-2";
  readonly name: string;
  readonly ip: string;
  readonly node: string;
  readonly mac: Observation<string>;
  /** Host-side veth name on the node (the `ifNN` of the pod's `eth0@ifNN`). */
  readonly veth: Observation<{ name: string; index: number }>;
  /** Default gateway inside the pod: the first address of its node's pod prefix (kube-bridge). */
  readonly defaultGateway: string;
  /** Anything odd about this pod's address (e.g. it is not in its node's prefix). */
  readonly notes: string[];
}

export interface ExpectedTtl {
  readonly case: string;
  readonly from: string;
  readonly to: string;
  /** TTL of the packets as the receiving pod sees them (request at the server, reply at the client). */
  readonly ttl: number;
  /** For the handout's pings: the address `ping -c 5` in `from` targets, whose replies show `ttl` ("" if unknown yet). */
  readonly ping?: string;
  /** The ICMP error that ping prints instead of echo replies, when the request is refused (`ttl` is then the error's). */
  readonly rejected?: string;
  readonly why: string;
}

export interface AnswerKey {
  readonly benchId: string;
  readonly stack: string;
  readonly nodes: AnswerKeyNode[];
  readonly pods: AnswerKeyPod[];
  /** webserver-service-1; kubeadm's kube-dns and the coredns Service nodelocaldns forwards to (same CoreDNS pods). */
  readonly clusterIps: { readonly webserverService1: string; readonly kubeDns: string; readonly coredns: string };
  readonly ttls: ExpectedTtl[];
  /** The node's container runtime and the commands students use on it (a container's PID for nsenter, §2.1.1). */
  readonly runtime: { readonly name: ContainerRuntime } & RuntimeCommands;
}

export interface AnswerKeyInput {
  readonly benchId: string;
  readonly stack: string;
  readonly nodeRows: readonly { name: string; role: string; providerIp: string; managementIp: string; podCidr: string }[];
  readonly cluster: ClusterState;
  readonly kubeDnsClusterIp: string;
  readonly corednsClusterIp: string;
  /** MAC and veth of each lab pod, keyed by pod name. */
  readonly links: Readonly<Record<string, Observation<PodLink>>>;
  readonly containerRuntime: ContainerRuntime;
}

const gatewayOf = (cidr: string): string => (parseCidr(cidr) ? nthAddress(cidr, 1) : "");

/** A lab pod as `labPods` finds it in the cluster (absent: not found). */
type FoundPod = { name: string; node: string; ip: string } | undefined;

/** The bench's nodes with the prefix the cluster gave each and whether its kube-bridge has its address yet. */
function answerKeyNodes(input: AnswerKeyInput, labNodes: ReadonlySet<string | undefined>): AnswerKeyNode[] {
  const clusterNodes = new Map(input.cluster.nodes.map((n) => [n.name, n]));
  return input.nodeRows.map((r) => {
    const podCidr = clusterNodes.get(r.name)?.podCidr || "";
    return {
      name: r.name,
      role: r.role,
      providerIp: r.providerIp,
      managementIp: r.managementIp,
      podCidr,
      kubeBridgeIp: gatewayOf(podCidr),
      kubeBridgeAddressed: labNodes.has(r.name) ? "yes" : "only once a pod runs there",
    };
  });
}

/** What is odd about a pod's address: missing, or one its node's prefix cannot give a pod. */
function podNotes(p: FoundPod, node: AnswerKeyNode | undefined): string[] {
  const prefix = node?.podCidr ?? "";
  const ip = p?.ip ?? "";
  const notes: string[] = [];
  if (!p) notes.push("pod not found");
  else if (ip === "") notes.push("pod has no IP yet");
  else if (prefix !== "" && parseCidr(prefix)) {
    if (!contains(prefix, ip)) notes.push(`${ip} is not in ${p.node}'s pod prefix ${prefix}`);
    else if (ip === nthAddress(prefix, 0)) notes.push(`${ip} is the prefix's network address: impossible on a real bench`);
    else if (ip === node!.kubeBridgeIp) notes.push(`${ip} is kube-bridge's own address: impossible on a real bench`);
  }
  return notes;
}

/** One lab pod's row: its address, node and gateway, and the MAC and veth gathered for it (or why not). */
function answerKeyPod(role: AnswerKeyPod["role"], p: FoundPod, nodes: readonly AnswerKeyNode[], links: AnswerKeyInput["links"]): AnswerKeyPod {
  const name = p?.name ?? "";
  const node = nodes.find((n) => n.name === p?.node);
  const link: Observation<PodLink> = links[name] ?? { error: "not gathered" };
  const mac: Observation<string> = "value" in link ? { value: link.value.mac } : link;
  const veth: Observation<{ name: string; index: number }> = "value" in link ? { value: { name: link.value.veth, index: link.value.peerIndex } } : link;
  return { role, name, ip: p?.ip ?? "", node: p?.node ?? "", mac, veth, defaultGateway: node?.kubeBridgeIp ?? "", notes: podNotes(p, node) };
}

/**
 * The TTLs the handout's pings and curl should show, naming the webserver's node and client-2's; the pings with
 * the address they target (webserver-1's pod IP, webserver-service-1's ClusterIP).
 */
function expectedTtls(web: string, c2: string, at: { readonly podIp: string; readonly clusterIp: string }): ExpectedTtl[] {
  return [
    {
      case: "same node (2.1)",
      from: "client-1",
      to: "webserver-1 (pod IP)",
      ttl: 64,
      ping: at.podIp,
      why:
        `Both pods hang off kube-bridge on ${web}: the frames are bridged (switched), no router decrements the TTL, ` +
        "so the 64 the sender set arrives unchanged.",
    },
    {
      case: "different nodes (2.2)",
      from: "client-2",
      to: "webserver-1 (pod IP)",
      ttl: 62,
      ping: at.podIp,
      why:
        `Routed twice: ${c2} forwards the packet from its kube-bridge to enp1s0f2 (64 -> 63), ${web} forwards it from enp1s0f2 ` +
        `to its kube-bridge (63 -> 62). On ${web}'s enp1s0f2 the capture shows 63. The reply is decremented the same way.`,
    },
    {
      case: "through the service (2.3, curl)",
      from: "client-2",
      to: "webserver-service-1 (ClusterIP)",
      ttl: 62,
      why:
        `IPVS on ${c2} rewrites the destination ClusterIP to webserver-1's pod IP (DNAT, no TTL change), then the packet is routed ` +
        "by both nodes like the pod-to-pod case: 62 at webserver-1, and 62 for the replies at client-2 (source rewritten back to the ClusterIP).",
    },
    {
      case: "ping the service (2.3, ping)",
      from: "client-2",
      to: "webserver-service-1 (ClusterIP)",
      ttl: 64,
      ping: at.clusterIp,
      rejected: "Destination Port Unreachable",
      why:
        "IPVS only balances the Service's TCP port, and since Kubernetes 1.27 kube-proxy's IPVS mode refuses every new packet " +
        "to a ClusterIP that is not for one of its Service's ports (the `KUBE-IPVS-FILTER` chain, ICMP included). So no echo " +
        `reply comes back: ${c2} itself answers each request with "Destination Port Unreachable" from the ClusterIP (TTL 64, ` +
        "not forwarded), and webserver-1's capture sees no ICMP at all.",
    },
  ];
}

/** Builds the key from gathered facts (pure). */
export function buildAnswerKey(input: AnswerKeyInput): AnswerKey {
  const { webservers, client1, client2 } = labPods(input.cluster);
  const labNodes = new Set([webservers[0], client1, client2].map((p) => p?.node).filter(Boolean));
  const nodes = answerKeyNodes(input, labNodes);
  const roles: [AnswerKeyPod["role"], FoundPod][] = [
    ["webserver-1", webservers[0]],
    ["client-1", client1],
    ["client-2", client2],
  ];
  const pods = roles.map(([role, p]) => answerKeyPod(role, p, nodes, input.links));
  return {
    benchId: input.benchId,
    stack: input.stack,
    nodes,
    pods,
    clusterIps: { webserverService1: input.cluster.webserverClusterIp, kubeDns: input.kubeDnsClusterIp, coredns: input.corednsClusterIp },
    runtime: { name: input.containerRuntime, ...runtimeCommands(input.containerRuntime) },
    ttls: expectedTtls(pods[0]!.node || "the webserver's node", pods[2]!.node || "client-2's node", {
      podIp: pods[0]!.ip,
      clusterIp: input.cluster.webserverClusterIp,
    }),
  };
}

/** Gathers the facts from a bench (kubectl, and SSH + nsenter for the MACs and veths). */
export async function gatherAnswerKey(a: BenchAccess, progress: (line: string) => void = () => {}): Promise<AnswerKey> {
  progress("kubectl: nodes, lab pods, ClusterIPs");
  const [cluster, kubeDns, coredns] = await Promise.all([clusterState(a), kubeDnsClusterIp(a), corednsClusterIp(a)]);
  const { webservers, client1, client2 } = labPods(cluster);
  const pods = [webservers[0], client1, client2].filter((p) => p !== undefined);
  progress("ssh + nsenter: MAC and veth of each lab pod");
  const links = await Promise.all(pods.map((p) => probePodLink(a, p.node, p.ip)));
  return buildAnswerKey({
    benchId: a.spec.id,
    stack: a.stackName,
    nodeRows: a.nodeRows,
    cluster,
    kubeDnsClusterIp: kubeDns,
    corednsClusterIp: coredns,
    links: Object.fromEntries(pods.map((p, i) => [p.name, links[i]!])),
    containerRuntime: a.spec.containerRuntime,
  });
}
