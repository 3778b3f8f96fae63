/**
 * The bundle a simulated bench is given: netlab's bundle in layout and manifest (bundle.json with every file's
 * sha256), with stand-ins for what it carries: an empty package index, the four Kubernetes binaries as wrappers
 * around the simulated node's own commands, and one image (pause) whose manifest holds no layer. The program
 * pushes it like the real one (packages.bundle names it), so the push itself runs on the simulated bench.
 */
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { BundleManifest } from "../bundle/locate";
import { pauseImage } from "../render/runtime";

/** The bundle binaries the runtime step installs; each runs the node's command of that name. */
const BUNDLE_BINARIES = ["kubelet", "kubeadm", "kubectl", "crictl"] as const;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** One image of an OCI layout: its refs file and its blobs, by path relative to the bundle. */
function pauseLayout(ref: string): Record<string, string> {
  const config = `${JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } })}\n`;
  const manifest = `${JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${sha256(config)}`, size: config.length },
    layers: [],
  })}\n`;
  const refs = JSON.stringify({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: `sha256:${sha256(manifest)}`,
    size: manifest.length,
    annotations: { "org.opencontainers.image.ref.name": ref },
  });
  return {
    "images/refs/pause.json": refs,
    [`images/blobs/sha256/${sha256(manifest)}`]: manifest,
    [`images/blobs/sha256/${sha256(config)}`]: config,
  };
}

/**
 * Writes the stand-in bundle into `dir` (replacing what is there) and returns `dir`. The same Kubernetes version
 * gives the same files and manifest, so a simulated bench that holds it already is sent nothing again.
 */
export function writeStandInBundle(dir: string, kubernetesVersion: string): string {
  const pause = pauseImage(kubernetesVersion);
  const image = pauseLayout(pause);
  const files: Record<string, string> = {
    "debs/Packages": "",
    ...Object.fromEntries(
      BUNDLE_BINARIES.map((bin) => [`bin/${bin}`, `#!/bin/sh\n# netlab sim: the bundle's ${bin} is the simulated node's own\nexec ${bin} "$@"\n`]),
    ),
    "images/oci-layout": `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`,
    ...image,
  };
  rmSync(dir, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content, { mode: file.startsWith("bin/") ? 0o755 : 0o644 });
  }
  const manifest: BundleManifest = {
    versions: { kubernetes: kubernetesVersion, pause: pause.split(":").pop()! },
    images: { pause },
    imageFiles: { pause: Object.keys(image) },
    files: Object.fromEntries(
      Object.entries(files)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([file, content]) => [file, sha256(content)]),
    ),
  };
  writeFileSync(path.join(dir, "bundle.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}
