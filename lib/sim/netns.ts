/**
 * The wiring of a simulated bench in the kernel: one network namespace per node, whose enp1s0f0 (management) and
 * enp1s0f2 (provider) are veth ends; their peers sit on a per-bench management bridge and provider bridge in the
 * root namespace. The root namespace also gets the .254 host of the management network, like the instructor's
 * machine on VLAN 2, so the provisioner reaches every node's sshd from there.
 */
import { nthAddress, overlaps, sizeOf } from "../spec/network";
import type { BenchSpec, NodeName, NodeSpec } from "../spec/types";
import { probe, run, sleep } from "./exec";

const NODE_CODE: Readonly<Record<NodeName, string>> = { controller: "c0", compute1: "c1", compute2: "c2", compute3: "c3" };
/** Root-namespace bridge names of any sim bench: nlm<room>x<bench> (management), nlp<room>x<bench> (provider). */
const BRIDGE_NAME = /^nl([mp])(\d+)x(\d+)$/;

export interface SimNames {
  readonly managementBridge: string;
  readonly providerBridge: string;
  namespace(node: NodeName): string;
  /** Root-namespace end of the veth whose namespace end is enp1s0f0. */
  managementPeer(node: NodeName): string;
  /** Root-namespace end of the veth whose namespace end is enp1s0f2. */
  providerPeer(node: NodeName): string;
}

/** Kernel object names of a bench; every link name stays within IFNAMSIZ (15), even for room 254 bench 254. */
export function simNames(spec: Pick<BenchSpec, "room" | "bench">): SimNames {
  const tag = `${spec.room}x${spec.bench}`;
  return {
    managementBridge: `nlm${tag}`,
    providerBridge: `nlp${tag}`,
    namespace: (node) => `nl${tag}-${node}`,
    managementPeer: (node) => `nl${tag}${NODE_CODE[node]}m`,
    providerPeer: (node) => `nl${tag}${NODE_CODE[node]}p`,
  };
}

/** The root namespace's address on the management bridge: the .254 host (the last usable one on small networks). */
export function managementGateway(spec: BenchSpec): string {
  const cidr = spec.network.managementCidr;
  const size = Number(sizeOf(cidr));
  return nthAddress(cidr, size > 255 ? 254 : Math.min(254, size - 2));
}

interface IpAddrEntry {
  ifname: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/**
 * Refuses when the bench's management network is already on another root-namespace interface: another running
 * sim bench (named by its bridge) or anything else; the two would answer for the same addresses.
 */
export async function checkManagementSubnetFree(spec: BenchSpec): Promise<void> {
  const names = simNames(spec);
  const subnet = spec.network.managementCidr;
  const { stdout } = await run(`sim ${spec.id}: listing root-namespace addresses`, "ip", ["-j", "-4", "addr", "show"]);
  for (const entry of JSON.parse(stdout || "[]") as IpAddrEntry[]) {
    if (entry.ifname === names.managementBridge) continue;
    for (const a of entry.addr_info ?? []) {
      if (!a.local || a.prefixlen === undefined || !overlaps(`${a.local}/${a.prefixlen}`, subnet)) continue;
      const other = BRIDGE_NAME.exec(entry.ifname);
      if (other) {
        throw new Error(
          `sim ${spec.id}: management subnet ${subnet} is already used by the running sim bench room${other[2]}-bench${other[3]} ` +
            `(bridge ${entry.ifname} has ${a.local}/${a.prefixlen}); stop that bench first or give this one another netlab:network.managementSubnet`,
        );
      }
      throw new Error(
        `sim ${spec.id}: management subnet ${subnet} overlaps ${a.local}/${a.prefixlen} on the root-namespace interface ${entry.ifname}; ` +
          `give this bench another netlab:network.managementSubnet`,
      );
    }
  }
}

async function linkExists(link: string, namespace?: string): Promise<boolean> {
  return (await probe("ip", [...(namespace ? ["-n", namespace] : []), "link", "show", "dev", link])).ok;
}

export async function namespaceExists(namespace: string): Promise<boolean> {
  const { stdout } = await probe("ip", ["netns", "list"]);
  return stdout.split("\n").some((line) => line.split(" ")[0] === namespace);
}

/** Both bridges, up; the management one with the root namespace's address. Idempotent. */
export async function ensureBridges(spec: BenchSpec): Promise<void> {
  const names = simNames(spec);
  for (const bridge of [names.managementBridge, names.providerBridge]) {
    const what = `sim ${spec.id}: bridge ${bridge}`;
    if (!(await linkExists(bridge))) await run(what, "ip", ["link", "add", "name", bridge, "type", "bridge"]);
    await run(what, "ip", ["link", "set", "dev", bridge, "up"]);
  }
  const prefix = spec.network.managementCidr.split("/")[1];
  await run(`sim ${spec.id}: root address on ${names.managementBridge}`, "ip", [
    "addr",
    "replace",
    `${managementGateway(spec)}/${prefix}`,
    "dev",
    names.managementBridge,
  ]);
}

/** The node's namespace, lo up, enp1s0f0/enp1s0f2 on their bridges with the spec's addresses. Idempotent, repairs half-made pairs. */
export async function ensureNodeNetwork(spec: BenchSpec, node: NodeSpec): Promise<void> {
  const names = simNames(spec);
  const ns = names.namespace(node.name);
  const what = (step: string) => `sim ${spec.id} node ${node.name} (namespace ${ns}): ${step}`;
  if (!(await namespaceExists(ns))) await run(what("creating the namespace"), "ip", ["netns", "add", ns]);
  await run(what("lo up"), "ip", ["-n", ns, "link", "set", "dev", "lo", "up"]);
  const legs = [
    { iface: node.management, peer: names.managementPeer(node.name), bridge: names.managementBridge },
    { iface: node.provider, peer: names.providerPeer(node.name), bridge: names.providerBridge },
  ];
  for (const { iface, peer, bridge } of legs) {
    // The access-port case: the address sits on the NIC itself (this kernel has no 802.1Q sub-interfaces).
    const nic = iface.nic;
    const [rootEnd, nsEnd] = [await linkExists(peer), await linkExists(nic, ns)];
    if (!(rootEnd && nsEnd)) {
      if (rootEnd) await run(what(`removing the half-made veth ${peer}`), "ip", ["link", "del", "dev", peer]);
      if (nsEnd) await run(what(`removing the stray ${nic}`), "ip", ["-n", ns, "link", "del", "dev", nic]);
      await run(what(`veth ${peer} <-> ${nic}`), "ip", ["link", "add", "name", peer, "type", "veth", "peer", "name", nic, "netns", ns]);
    }
    await run(what(`attaching ${peer} to ${bridge}`), "ip", ["link", "set", "dev", peer, "master", bridge, "up"]);
    await run(what(`${nic} up`), "ip", ["-n", ns, "link", "set", "dev", nic, "up"]);
    await run(what(`address on ${nic}`), "ip", ["-n", ns, "addr", "replace", `${iface.address}/${iface.prefixLength}`, "dev", nic]);
  }
}

/** Ends every process still inside the namespace (only ever ones the simulation started there). */
export async function killNamespaceProcesses(namespace: string): Promise<void> {
  const list = async () =>
    (await probe("ip", ["netns", "pids", namespace])).stdout
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((p) => p > 1);
  let pids = await list();
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
    for (let i = 0; i < 20 && pids.length > 0; i++) {
      await sleep(50);
      pids = await list();
    }
  }
}

/** Removes namespaces, veths and bridges of the bench; whatever is already gone is skipped. Never throws. */
export async function removeBenchNetwork(spec: Pick<BenchSpec, "room" | "bench">, nodes: readonly NodeName[]): Promise<void> {
  const names = simNames(spec);
  for (const node of nodes) {
    const ns = names.namespace(node);
    if (await namespaceExists(ns)) {
      await killNamespaceProcesses(ns);
      await probe("ip", ["netns", "del", ns]);
    }
    for (const peer of [names.managementPeer(node), names.providerPeer(node)]) {
      if (await linkExists(peer)) await probe("ip", ["link", "del", "dev", peer]);
    }
  }
  for (const bridge of [names.managementBridge, names.providerBridge]) {
    if (await linkExists(bridge)) await probe("ip", ["link", "del", "dev", bridge]);
  }
}
