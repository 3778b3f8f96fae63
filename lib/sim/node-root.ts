/**
 * A simulated node's root directory (netlab:nodeRoot) as a freshly installed Debian node: the files the bench path
 * expects to find there. The bundle is not planted: the program pushes it (lib/sim/stand-in-bundle.ts). Files
 * already present are kept: a node root is only ever completed.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { nodeRoot } from "../spec/nodes";
import type { BenchSpec, NodeSpec } from "../spec/types";

function writeIfAbsent(file: string, content: string): void {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content, { mode: 0o644 });
}

/** Debian's fstab, swap included (the base-os step comments the swap line out). */
function fstab(): string {
  return [
    "# /etc/fstab: static file system information (netlab simulated node).",
    "UUID=00000000-0000-4000-8000-000000000001 /    ext4 errors=remount-ro 0 1",
    "UUID=00000000-0000-4000-8000-000000000002 none swap sw                0 0",
    "",
  ].join("\n");
}

/** Debian's installer configures the NICs in ifupdown (the base-os step takes the lab NICs out of it). */
function interfaces(node: NodeSpec): string {
  const nics = [...new Set([node.management.nic, node.provider.nic])];
  return [
    "# The loopback network interface",
    "auto lo",
    "iface lo inet loopback",
    ...nics.flatMap((nic) => ["", `allow-hotplug ${nic}`, `iface ${nic} inet dhcp`]),
    "",
  ].join("\n");
}

/** Completes the root of a simulated node. */
export function prepareNodeRoot(spec: BenchSpec, node: NodeSpec): string {
  const root = nodeRoot(spec, node.name);
  if (root === "") throw new Error(`sim ${spec.id}: node ${node.name} has no node root (netlab:nodeRoot is empty)`);
  for (const dir of ["etc", "usr/bin", "usr/lib", "var/lib", `home/${spec.labUser}`]) mkdirSync(path.join(root, dir), { recursive: true });
  writeIfAbsent(path.join(root, "etc", "fstab"), fstab());
  writeIfAbsent(path.join(root, "etc", "network", "interfaces"), interfaces(node));
  return root;
}
