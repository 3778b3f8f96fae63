/**
 * The lab switch of a VM bench on this host: per network one Linux bridge with VLAN filtering (management
 * carries VLAN 2, provider VLAN 3), each VM NIC a tap on it, an access port (the VLAN untagged, as PVID) or a
 * trunk port (the VLAN tagged) as the bench's port mode says. The host sits on the management VLAN with the .254
 * address, like the instructor's machine; nothing is routed or NATed anywhere. Only these bridges and taps are
 * ever touched.
 */
import { overlaps } from "../spec/network";
import { PortMode, type BenchSpec, NODE_NAMES } from "../spec/types";
import { managementGateway } from "../sim/netns";
import { probe, run } from "../sim/exec";
import { bridgeName, tapName, type RoomBench, type VmNetwork } from "./names";

export const NETWORKS: readonly VmNetwork[] = ["management", "provider"];

/** `bridge` arguments that make a tap an access port (untagged PVID) or a trunk port (tagged) of one VLAN. */
export function tapVlanArgs(tap: string, vlanId: number, mode: PortMode): string[] {
  const base = ["vlan", "add", "vid", String(vlanId), "dev", tap];
  return mode === PortMode.Access ? [...base, "pvid", "untagged"] : base;
}

interface BridgeVlan {
  vlan: number;
  flags?: string[];
}

/** A port's VLANs as "vid" or "vid:pvid:untagged" tokens, comparable across iproute2 versions. */
export function vlanTokens(vlans: readonly BridgeVlan[]): string[] {
  return vlans
    .map((v) => [String(v.vlan), ...(v.flags ?? []).map((f) => (/pvid/i.test(f) ? "pvid" : /untagged/i.test(f) ? "untagged" : f)).sort()].join(":"))
    .sort();
}

export function wantedVlanTokens(vlanId: number, mode: PortMode): string[] {
  return [mode === PortMode.Access ? `${vlanId}:pvid:untagged` : String(vlanId)];
}

async function linkExists(link: string): Promise<boolean> {
  return (await probe("ip", ["link", "show", "dev", link])).ok;
}

async function portVlans(dev: string): Promise<BridgeVlan[]> {
  const { stdout } = await probe("bridge", ["-j", "vlan", "show", "dev", dev]);
  const parsed = JSON.parse(stdout || "[]") as { ifname: string; vlans?: BridgeVlan[] }[];
  return parsed.find((e) => e.ifname === dev)?.vlans ?? [];
}

interface IpAddrEntry {
  ifname: string;
  addr_info?: { local?: string; prefixlen?: number }[];
}

/** Refuses when the management network is already on another interface of this host (another bench, the sim, a LAN). */
export async function checkManagementSubnetFree(spec: BenchSpec): Promise<void> {
  const own = bridgeName(spec, "management");
  const subnet = spec.network.managementCidr;
  const { stdout } = await run(`vm ${spec.id}: listing host addresses`, "ip", ["-j", "-4", "addr", "show"]);
  for (const entry of JSON.parse(stdout || "[]") as IpAddrEntry[]) {
    if (entry.ifname === own) continue;
    for (const a of entry.addr_info ?? []) {
      if (a.local && a.prefixlen !== undefined && overlaps(`${a.local}/${a.prefixlen}`, subnet)) {
        throw new Error(
          `vm ${spec.id}: management network ${subnet} overlaps ${a.local}/${a.prefixlen} on ${entry.ifname}; ` +
            `stop what uses it, or choose another --room/--bench`,
        );
      }
    }
  }
}

/** Both bridges, VLAN-filtering with no default VLAN; the host's address in the management VLAN. Idempotent. */
export async function ensureBridges(spec: BenchSpec): Promise<void> {
  for (const network of NETWORKS) {
    const br = bridgeName(spec, network);
    const what = `vm ${spec.id}: bridge ${br}`;
    if (!(await linkExists(br))) {
      await run(what, "ip", ["link", "add", "name", br, "type", "bridge", "vlan_filtering", "1", "vlan_default_pvid", "0"]);
    }
    await run(what, "ip", ["link", "set", "dev", br, "type", "bridge", "vlan_filtering", "1"]);
    await run(what, "ip", ["link", "set", "dev", br, "up"]);
  }
  const mgmt = bridgeName(spec, "management");
  const vlan = spec.nodes[0]!.management.vlanId;
  const self = vlanTokens(await portVlans(mgmt));
  if (self.join() !== `${vlan}:pvid:untagged`) {
    for (const v of await portVlans(mgmt)) await run(`vm ${spec.id}: ${mgmt}`, "bridge", ["vlan", "del", "vid", String(v.vlan), "dev", mgmt, "self"]);
    await run(`vm ${spec.id}: host port of ${mgmt} in VLAN ${vlan}`, "bridge", ["vlan", "add", "vid", String(vlan), "dev", mgmt, "self", "pvid", "untagged"]);
  }
  const prefix = spec.network.managementCidr.split("/")[1];
  await run(`vm ${spec.id}: host address on ${mgmt}`, "ip", ["addr", "replace", `${managementGateway(spec)}/${prefix}`, "dev", mgmt]);
}

/** The taps of one node, on their bridges, with the VLAN set of their port mode (repaired if it differs). */
export async function ensureTaps(spec: BenchSpec, node: (typeof NODE_NAMES)[number]): Promise<void> {
  const n = spec.nodes.find((x) => x.name === node)!;
  for (const network of NETWORKS) {
    const iface = network === "management" ? n.management : n.provider;
    const tap = tapName(spec, node, network);
    const br = bridgeName(spec, network);
    const what = `vm ${spec.id} node ${node}: tap ${tap}`;
    if (!(await linkExists(tap))) await run(what, "ip", ["tuntap", "add", "dev", tap, "mode", "tap"]);
    await run(what, "ip", ["link", "set", "dev", tap, "master", br, "up"]);
    const have = await portVlans(tap);
    if (vlanTokens(have).join() !== wantedVlanTokens(iface.vlanId, iface.portMode).join()) {
      for (const v of have) await run(what, "bridge", ["vlan", "del", "vid", String(v.vlan), "dev", tap]);
      await run(`${what}: ${iface.portMode} port of VLAN ${iface.vlanId}`, "bridge", tapVlanArgs(tap, iface.vlanId, iface.portMode));
    }
  }
}

/** Removes the bench's taps and bridges; what is gone is skipped. Never throws. */
export async function removeBenchNetwork(b: RoomBench): Promise<void> {
  for (const node of NODE_NAMES) {
    for (const network of NETWORKS) {
      const tap = tapName(b, node, network);
      if (await linkExists(tap)) await probe("ip", ["link", "del", "dev", tap]);
    }
  }
  for (const network of NETWORKS) {
    const br = bridgeName(b, network);
    if (await linkExists(br)) await probe("ip", ["link", "del", "dev", br]);
  }
}

/** Which of the bench's links exist, for `vm status` and to prove `vm down` left none. */
export async function benchLinks(b: RoomBench): Promise<string[]> {
  const names = [
    ...NETWORKS.map((n) => bridgeName(b, n)),
    ...NODE_NAMES.flatMap((node) => NETWORKS.map((n) => tapName(b, node, n))),
  ];
  const present: string[] = [];
  for (const name of names) if (await linkExists(name)) present.push(name);
  return present;
}
