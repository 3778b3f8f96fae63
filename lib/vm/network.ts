/**
 * The lab switch of a VM bench on this host: per network one Linux bridge with VLAN filtering (management
 * carries VLAN 2, provider VLAN 3), each VM NIC a tap on it, an access port (the VLAN untagged, as PVID) or a
 * trunk port (the VLAN tagged) as the bench's port mode says. The host sits on the management VLAN with the .254
 * address, like the instructor's machine; nothing is routed or NATed anywhere. Only these bridges and taps are
 * ever touched.
 *
 * A kernel without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING, e.g. this workplace's) gets plain
 * bridges instead: each bridge is then one VLAN's segment, access ports are its untagged members and a trunk
 * port's tagged frames cross the bridge unchanged (nothing filters a wrong tag). The host cannot speak 802.1Q
 * there, so a tagged management network is refused.
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

/** Whether a bridge filters VLANs (false on kernels built without it). */
export async function bridgeFiltersVlans(br: string): Promise<boolean> {
  const { stdout } = await run(`bridge ${br}`, "ip", ["-d", "-j", "link", "show", "dev", br]);
  const [link] = JSON.parse(stdout || "[]") as { linkinfo?: { info_data?: { vlan_filtering?: number } } }[];
  return link?.linkinfo?.info_data?.vlan_filtering === 1;
}

/** A bridge, VLAN-filtering with no default VLAN where the kernel can, plain otherwise. */
async function ensureBridge(spec: BenchSpec, br: string, log: (line: string) => void): Promise<boolean> {
  const what = `vm ${spec.id}: bridge ${br}`;
  if (!(await linkExists(br))) {
    const filtering = await probe("ip", ["link", "add", "name", br, "type", "bridge", "vlan_filtering", "1", "vlan_default_pvid", "0"]);
    if (!filtering.ok) {
      if (!/not supported/i.test(filtering.stderr)) throw new Error(`${what}: ${filtering.stderr.trim()}`);
      await run(what, "ip", ["link", "add", "name", br, "type", "bridge"]);
      log(`${br}: this kernel has no bridge VLAN filtering; a plain bridge is the VLAN's segment (trunk ports pass tags unchanged)`);
    }
  }
  await run(what, "ip", ["link", "set", "dev", br, "up"]);
  return bridgeFiltersVlans(br);
}

/** Both bridges; the host's address in the management VLAN. Idempotent. */
export async function ensureBridges(spec: BenchSpec, log: (line: string) => void = () => {}): Promise<void> {
  const mgmt = bridgeName(spec, "management");
  const management = spec.nodes[0]!.management;
  const filtering = await ensureBridge(spec, mgmt, log);
  if (!filtering && management.portMode === PortMode.Tagged) {
    throw new Error(
      `vm ${spec.id}: a tagged management network needs the host on VLAN ${management.vlanId}, but this kernel has neither bridge VLAN ` +
        `filtering nor 802.1Q; use network.managementPortMode "access" here`,
    );
  }
  await ensureBridge(spec, bridgeName(spec, "provider"), log);
  if (filtering) {
    const self = vlanTokens(await portVlans(mgmt));
    if (self.join() !== `${management.vlanId}:pvid:untagged`) {
      for (const v of await portVlans(mgmt)) await run(`vm ${spec.id}: ${mgmt}`, "bridge", ["vlan", "del", "vid", String(v.vlan), "dev", mgmt, "self"]);
      await run(`vm ${spec.id}: host port of ${mgmt} in VLAN ${management.vlanId}`, "bridge", [
        "vlan",
        "add",
        "vid",
        String(management.vlanId),
        "dev",
        mgmt,
        "self",
        "pvid",
        "untagged",
      ]);
    }
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
    if (!(await bridgeFiltersVlans(br))) continue;
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
  const names = [...NETWORKS.map((n) => bridgeName(b, n)), ...NODE_NAMES.flatMap((node) => NETWORKS.map((n) => tapName(b, node, n)))];
  const present: string[] = [];
  for (const name of names) if (await linkExists(name)) present.push(name);
  return present;
}
