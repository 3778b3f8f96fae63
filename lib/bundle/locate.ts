/** Where this machine's bundle is, and what a node must hold of it: the manifest, its digest, the sha256 sums. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface BundleManifest {
  readonly versions: Readonly<Record<string, string>>;
  readonly images: Readonly<Record<string, string>>;
  /** Image name -> the files of the shared image layout it needs (its refs file, manifest, config, layers). */
  readonly imageFiles: Readonly<Record<string, readonly string[]>>;
  /** Path relative to the bundle root -> sha256. */
  readonly files: Readonly<Record<string, string>>;
}

export interface LocatedBundle {
  readonly dir: string;
  readonly manifest: BundleManifest;
  /** sha256 of bundle.json: a node holding this bundle has it in its .digest file. */
  readonly digest: string;
}

/** The bundle directory: NETLAB_BUNDLE_DIR, else the `current` link `netlab bundle` keeps in the cache. */
export function bundleDir(): string {
  const cache = process.env.NETLAB_CACHE ?? path.join(os.homedir(), ".cache", "k8s-netlab");
  return process.env.NETLAB_BUNDLE_DIR ?? path.join(cache, "bundle", "current");
}

/** The built bundle, or an error saying how to build it; `needs` are files the bench needs (e.g. bin/cri-dockerd). */
export function locateBundle(dir = bundleDir(), needs: readonly string[] = []): LocatedBundle {
  const file = path.join(dir, "bundle.json");
  if (!existsSync(file)) {
    throw new Error(
      `no bundle at ${dir} (bundle.json missing): build it with \`./bin/netlab bundle\`, set netlab:packages.bundle to a built ` +
        'bundle\'s directory, or set netlab:packages.source to "online"',
    );
  }
  const text = readFileSync(file, "utf8");
  const manifest = JSON.parse(text) as BundleManifest;
  if (manifest.imageFiles === undefined) {
    throw new Error(`the bundle at ${dir} is of an older format (no imageFiles in bundle.json): rebuild it with \`./bin/netlab bundle\``);
  }
  const missing = needs.filter((f) => manifest.files[f] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `the bundle at ${dir} has no ${missing.join(", ")}, which this bench needs: it was built before they were added; ` +
        "rebuild it with `./bin/netlab bundle`",
    );
  }
  return { dir, manifest, digest: createHash("sha256").update(text).digest("hex") };
}

/** Images only the control plane runs: a worker is not sent them. */
export const CONTROL_PLANE_IMAGES = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"] as const;

/** What one node holds of the bundle: its files with their sums, and a digest naming exactly that set. */
export interface NodeBundle {
  readonly files: string[];
  /** `sha256sum -c` input for those files. */
  readonly sums: string;
  readonly digest: string;
}

/** The files only control-plane images need: a blob another image shares is sent to every node. */
export function controlPlaneOnlyFiles(imageFiles: BundleManifest["imageFiles"]): Set<string> {
  const controlPlane = new Set<string>(CONTROL_PLANE_IMAGES);
  const of = (cp: boolean) =>
    Object.entries(imageFiles)
      .filter(([name]) => controlPlane.has(name) === cp)
      .flatMap(([, f]) => f);
  const shared = new Set(of(false));
  return new Set(of(true).filter((f) => !shared.has(f)));
}

export function nodeBundle(bundle: LocatedBundle, controlPlane: boolean): NodeBundle {
  const skipped = controlPlane ? new Set<string>() : controlPlaneOnlyFiles(bundle.manifest.imageFiles);
  const files = Object.keys(bundle.manifest.files)
    .filter((f) => !skipped.has(f))
    .sort();
  const sums = files.map((f) => `${bundle.manifest.files[f]}  ${f}`).join("\n") + "\n";
  return { files, sums, digest: createHash("sha256").update(bundle.digest).update(sums).digest("hex") };
}
