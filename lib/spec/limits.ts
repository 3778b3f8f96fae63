/**
 * What Kubernetes, the network or the nodes would refuse later, refused up front with the field, the value and
 * the fix: range sizes (kubeadm's limits), DNS names, network and broadcast addresses used as hosts, shared SSH
 * endpoints, image references without a name, root as the lab user, and values too long for a node step.
 */
import { Address4 } from "ip-address";
import { contains, networkOf, sizeOf } from "./network";
import { Problems, show } from "./problems";
import type { NodeName, NodeSpec } from "./types";

/** kubeadm: a service subnet of at most 2^20 addresses (an IPv4 mask of at least /12). */
export const MAX_SERVICE_BITS = 20;
/** kubeadm: the node mask at most 16 bits longer than the pod subnet's. */
export const MAX_NODE_MASK_DIFF = 16;
/** The service subnet must hold kubeadm's 10th address (kube-dns): /28 at the smallest. */
export const MIN_SERVICE_PREFIX = 28;
/** Longest text accepted for a single value (a pinned host key is the longest legitimate one). */
export const MAX_VALUE_LENGTH = 8192;

/** Cluster range sizes kubeadm accepts (validated before kubeadm sees them). */
export function checkClusterRanges(p: Problems, podSubnet: string, serviceSubnet: string, nodePrefixLength: number): boolean {
  let ok = true;
  const servicePrefix = Number(serviceSubnet.split("/")[1]);
  if (servicePrefix < 32 - MAX_SERVICE_BITS) {
    p.add(
      "network.serviceSubnet",
      `${show(serviceSubnet)} is wider than /${32 - MAX_SERVICE_BITS}, the largest service range Kubernetes accepts; ` +
        `use a /${32 - MAX_SERVICE_BITS} to /${MIN_SERVICE_PREFIX}, e.g. "10.233.0.0/18"`,
    );
    ok = false;
  } else if (servicePrefix > MIN_SERVICE_PREFIX) {
    p.add(
      "network.serviceSubnet",
      `${show(serviceSubnet)} has ${sizeOf(serviceSubnet)} addresses; kubeadm puts kube-dns at the 10th, ` +
        `so use a /${MIN_SERVICE_PREFIX} or larger, e.g. "10.233.0.0/18"`,
    );
    ok = false;
  }
  const podPrefix = Number(podSubnet.split("/")[1]);
  if (nodePrefixLength - podPrefix > MAX_NODE_MASK_DIFF) {
    p.add(
      "network.nodePrefixLength",
      `${nodePrefixLength} is ${nodePrefixLength - podPrefix} bits longer than network.podSubnet ${show(podSubnet)}; ` +
        `Kubernetes allows at most ${MAX_NODE_MASK_DIFF}: use a prefix length up to ${podPrefix + MAX_NODE_MASK_DIFF} or a smaller pod subnet`,
    );
    ok = false;
  }
  return ok;
}

/** The management network must hold every node's default address (host octet), and not as its broadcast. */
export function checkManagementRoom(
  p: Problems,
  managementCidr: string,
  octets: Readonly<Record<NodeName, number>>,
  overridden: (n: NodeName) => boolean,
): boolean {
  const size = sizeOf(managementCidr);
  const missing = (Object.entries(octets) as [NodeName, number][]).filter(([n, o]) => !overridden(n) && BigInt(o) >= size - 1n);
  for (const [node, octet] of missing) {
    p.add(
      "network.managementSubnet",
      `${show(managementCidr)} has no host number ${octet} for ${node} (it holds ${size > 2n ? size - 2n : 0n} hosts); ` +
        `use a /26 or larger, or set nodes.${node}.managementIp`,
    );
  }
  return missing.length === 0;
}

/** A host address that is its network's own address or broadcast. */
export function networkOrBroadcast(cidr: string, ip: string): string | undefined {
  const net = new Address4(networkOf(cidr));
  if (net.subnetMask >= 31 || !contains(cidr, ip)) return undefined;
  if (ip === net.startAddress().correctForm()) return "network address";
  if (ip === net.endAddress().correctForm()) return "broadcast address";
  return undefined;
}

/** Addresses no SSH connection can go to. */
export function unusableHost(ip: string): string | undefined {
  const first = Number(ip.split(".")[0]);
  if (first === 0) return '"this network" (0.0.0.0/8) address';
  if (first >= 224 && first <= 239) return "multicast address";
  if (ip === "255.255.255.255") return "broadcast address";
  if (first >= 240) return "reserved (240.0.0.0/4) address";
  return undefined;
}

/** Every address a node gets must be a usable host address of its network. */
export function checkHostAddresses(p: Problems, managementCidr: string, nodes: readonly NodeSpec[]): void {
  for (const n of nodes) {
    const kind = networkOrBroadcast(managementCidr, n.management.address);
    if (kind) {
      p.add(
        `nodes.${n.name}.managementIp`,
        `${show(n.management.address)} is the ${kind} of the management network ${managementCidr}; choose a host address inside it`,
      );
    }
    const bad = unusableHost(n.ssh.host) ?? networkOrBroadcast(managementCidr, n.ssh.host);
    if (bad && n.ssh.host !== n.management.address) {
      p.add(`nodes.${n.name}.sshHost`, `${show(n.ssh.host)} is a ${bad}, no SSH connection can go there; give the node's reachable address`);
    }
  }
}

/** Two nodes behind one SSH endpoint would run each other's steps. */
export function checkSshEndpoints(p: Problems, nodes: readonly NodeSpec[]): void {
  const seen = new Map<string, string>();
  for (const n of nodes) {
    const endpoint = `${n.ssh.host}:${n.ssh.port}`;
    const other = seen.get(endpoint);
    if (other) {
      p.add(
        `nodes.${n.name}.sshHost`,
        `${show(endpoint)} (host:port) is also ${other}'s SSH endpoint; each node needs its own (set nodes.${n.name}.sshHost or sshPort)`,
      );
    } else seen.set(endpoint, n.name);
  }
}

/** A DNS name Kubernetes accepts as the cluster domain (RFC 1123 subdomain, labels of at most 63). */
export function checkDnsDomain(p: Problems, field: string, value: string): void {
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  if (value.length > 253 || !value.split(".").every((l) => label.test(l))) {
    p.add(
      field,
      `${show(value.length > 80 ? `${value.slice(0, 80)}...` : value)} is not a valid DNS domain ` +
        '(lower-case labels of 1-63 letters, digits or "-", joined by ".", 253 characters at most); e.g. "cluster.local"',
    );
  }
}

/** Accounts the lab files and the admin kubeconfig must never be handed to. */
export function checkLabUser(p: Problems, labUser: string): void {
  if (labUser === "root") {
    p.add(
      "labUser",
      '"root" is refused: the lab user is the students\' unprivileged account that receives the admin kubeconfig and lab files; ' +
        'use that account, e.g. "user"',
    );
  }
}

/**
 * Refuses values too long to be a config value (they end up inside node scripts with a size limit); returns a
 * copy without them, so they are reported once.
 */
export function checkLengths<T>(p: Problems, raw: T, field = ""): T {
  if (typeof raw === "string" && raw.length > MAX_VALUE_LENGTH) {
    p.add(field, `${show(`${raw.slice(0, 40)}...`)} is ${raw.length} characters long; no netlab value exceeds ${MAX_VALUE_LENGTH}, shorten it`);
    return undefined as T;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, checkLengths(p, v, field ? `${field}.${k}` : k)])) as T;
}
