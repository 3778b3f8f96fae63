/**
 * Names and identities of a VM bench, all derived from room and bench: the stack, the state directory, the host
 * bridges and taps (within IFNAMSIZ, 15 characters, for any room/bench 1-254), and the NICs' MAC addresses.
 */
import * as os from "node:os";
import * as path from "node:path";
import type { NodeName } from "../spec/types";
import { NODE_NAMES } from "../spec/types";

/** The kernel's limit on a network interface name (IFNAMSIZ 16, including the terminating NUL). */
export const IFNAME_MAX = 15;

/** The two networks of a bench, by their NIC in the guest. */
export type VmNetwork = "management" | "provider";

/** PCI function of each NIC in the multifunction device at 01:00: enp1s0f0 and enp1s0f2. */
export const NIC_FUNCTION: Readonly<Record<VmNetwork, number>> = { management: 0, provider: 2 };

export interface RoomBench {
  readonly room: number;
  readonly bench: number;
}

const NETWORK_CODE: Readonly<Record<VmNetwork, string>> = { management: "m", provider: "p" };

export function vmStackName(b: RoomBench): string {
  return `vm-room${b.room}-bench${b.bench}`;
}

/** ${NETLAB_CACHE:-~/.cache/k8s-netlab}: outside the repository. */
export function cacheDir(): string {
  return process.env.NETLAB_CACHE ?? path.join(os.homedir(), ".cache", "k8s-netlab");
}

/** Pids, overlays, console logs and the pinned known_hosts of one bench. */
export function benchStateDir(b: RoomBench): string {
  return path.join(cacheDir(), "vm", "benches", `room${b.room}-bench${b.bench}`);
}

/** Host bridge playing the lab switch for one network: nl27x9-mgmt, nl27x9-prov. */
export function bridgeName(b: RoomBench, network: VmNetwork): string {
  return checkedIfname(`nl${b.room}x${b.bench}-${network === "management" ? "mgmt" : "prov"}`);
}

/**
 * The tap of one VM NIC: nlv<R>x<B>c<node index><m|p>, e.g. nlv27x9c0m. The "nlv" prefix keeps it apart from
 * the simulated bench's veths (nl<R>x<B>c0m) when both run the same room and bench.
 */
export function tapName(b: RoomBench, node: NodeName, network: VmNetwork): string {
  return checkedIfname(`nlv${b.room}x${b.bench}c${NODE_NAMES.indexOf(node)}${NETWORK_CODE[network]}`);
}

function checkedIfname(name: string): string {
  if (name.length > IFNAME_MAX) throw new Error(`interface name ${name} is longer than ${IFNAME_MAX} characters`);
  return name;
}

/**
 * A locally administered unicast MAC, the same on every run: 0a:4e:<room>:<bench>:<node index>:<PCI function>,
 * e.g. 0a:4e:1b:09:00:02 for room 27 bench 9, controller, enp1s0f2.
 */
export function macAddress(b: RoomBench, node: NodeName, network: VmNetwork): string {
  const index = NODE_NAMES.indexOf(node);
  if (index < 0) throw new Error(`unknown node ${node}`);
  for (const [what, n] of [
    ["room", b.room],
    ["bench", b.bench],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 254) throw new Error(`${what} ${n} is not in 1-254`);
  }
  return [0x0a, 0x4e, b.room, b.bench, index, NIC_FUNCTION[network]].map((o) => o.toString(16).padStart(2, "0")).join(":");
}
