/**
 * A simulated node's root directory (`nodeRoot`) as a freshly installed Debian node on which netlab's bundle was
 * pushed: the files the bench path expects to find there. The program pushes no bundle to a simulated bench; a
 * stand-in holds what its steps read (an empty package index, the Kubernetes binaries as the node's own commands,
 * one image reference). Files already present are kept: a node root is only ever completed.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pauseImage } from "../render/kubeadm";
import { NODE_BUNDLE_DIR } from "../render/steps";
import { nodeRoot } from "../spec/nodes";
import type { BenchSpec, NodeSpec } from "../spec/types";

/** The bundle binaries the runtime step installs; each runs the node's command of that name. */
const BUNDLE_BINARIES = ["kubelet", "kubeadm", "kubectl", "crictl"] as const;

function writeIfAbsent(file: string, content: string, mode = 0o644): void {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content, { mode });
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
  if (root === "") throw new Error(`sim ${spec.id}: node ${node.name} has no node root (netlab:simRoot is empty)`);
  for (const dir of ["etc", "usr/bin", "usr/lib", "var/lib", `home/${spec.labUser}`]) mkdirSync(path.join(root, dir), { recursive: true });
  writeIfAbsent(path.join(root, "etc", "fstab"), fstab());
  writeIfAbsent(path.join(root, "etc", "network", "interfaces"), interfaces(node));

  const bundle = path.join(root, NODE_BUNDLE_DIR);
  writeIfAbsent(path.join(bundle, "debs", "Packages"), "");
  for (const bin of BUNDLE_BINARIES) {
    writeIfAbsent(path.join(bundle, "bin", bin), `#!/bin/sh\n# netlab sim: the bundle's ${bin} is the simulated node's own\nexec ${bin} "$@"\n`, 0o755);
  }
  const images = path.join(bundle, "images");
  writeIfAbsent(path.join(images, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
  mkdirSync(path.join(images, "blobs", "sha256"), { recursive: true });
  const pause = pauseImage(spec.kubernetesVersion);
  writeIfAbsent(path.join(images, "refs", "pause.json"), JSON.stringify({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: `sha256:${"0".repeat(64)}`,
    size: 0,
    annotations: { "org.opencontainers.image.ref.name": pause },
  }));
  return root;
}
