/**
 * A small OCI image-layout writer for the air-gapped bundle (bundle/images.sh runs it).
 *
 * Each image becomes one archive: an OCI layout (oci-layout, index.json, blobs/sha256/...) packed with tar, that
 * containerd 1.6 imports with `ctr -n k8s.io images import --all-platforms FILE`. The index's one manifest
 * descriptor carries the platform (linux/amd64: containerd refuses images without it) and the full reference
 * in both `io.containerd.image.name` (what ctr names the image) and `org.opencontainers.image.ref.name`.
 * Layers are given as gzip-compressed tars; the same file gives the same digest in every image, so a node
 * stores a shared layer once.
 *
 * Usage: tsx lib/bundle/oci.ts SPEC.json OUTDIR   (SPEC: a list of ImageSpec; writes OUTDIR/<name>.tar)
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { execFileSync } from "node:child_process";
import { createGunzip } from "node:zlib";
import * as path from "node:path";

export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface ImageSpec {
  /** archive file name without .tar, e.g. "kube-apiserver" */
  name: string;
  /** full reference, e.g. "registry.k8s.io/kube-apiserver:v1.34.3" */
  ref: string;
  /** gzip-compressed layer tars, bottom first */
  layers: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** creation time in the config (RFC 3339); fixed for reproducible digests */
  created?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

/** A layer as stored: digest/size of the compressed blob, diffId of the uncompressed tar. */
export interface LayerInfo {
  file: string;
  digest: string;
  size: number;
  diffId: string;
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const EPOCH = "2023-11-14T22:13:20Z"; // SOURCE_DATE_EPOCH 1700000000, as the layer tars

export const sha256 = (data: Buffer | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Digest and size of a compressed layer, and the digest of its uncompressed content (the config's diff_id). */
export async function layerInfo(file: string): Promise<LayerInfo> {
  const compressed = createHash("sha256");
  const plain = createHash("sha256");
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(file);
    const gunzip = createGunzip();
    input.on("data", (chunk) => {
      compressed.update(chunk);
      size += chunk.length;
    });
    gunzip.on("data", (chunk: Buffer) => plain.update(chunk));
    input.on("error", reject);
    gunzip.on("error", (e) => reject(new Error(`${file}: not a gzip-compressed layer (${e.message})`)));
    gunzip.on("end", resolve);
    input.pipe(gunzip);
  });
  return { file, digest: `sha256:${compressed.digest("hex")}`, size, diffId: `sha256:${plain.digest("hex")}` };
}

/** The image config: platform, process defaults and the uncompressed layer digests. */
export function imageConfig(spec: ImageSpec, layers: LayerInfo[]): object {
  const config: Record<string, unknown> = { Env: spec.env ?? [`PATH=${DEFAULT_PATH}`] };
  if (spec.entrypoint) config.Entrypoint = spec.entrypoint;
  if (spec.cmd) config.Cmd = spec.cmd;
  if (spec.workingDir) config.WorkingDir = spec.workingDir;
  return {
    created: spec.created ?? EPOCH,
    architecture: "amd64",
    os: "linux",
    config,
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: spec.created ?? EPOCH, created_by: "k8s-netlab bundle" })),
  };
}

/** Serialized JSON blob with its descriptor. */
export function blob(mediaType: string, value: object): { bytes: Buffer; descriptor: Descriptor } {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, descriptor: { mediaType, digest: sha256(bytes), size: bytes.length } };
}

/** Every blob and JSON file of one image's layout, from its spec and measured layers. */
export function layout(spec: ImageSpec, layers: LayerInfo[]) {
  const config = blob(MEDIA.config, imageConfig(spec, layers));
  const manifest = blob(MEDIA.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: config.descriptor,
    layers: layers.map((l) => ({ mediaType: MEDIA.layerGzip, digest: l.digest, size: l.size })),
  });
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        ...manifest.descriptor,
        platform: { architecture: "amd64", os: "linux" },
        annotations: { "io.containerd.image.name": spec.ref, "org.opencontainers.image.ref.name": spec.ref },
      },
    ],
  };
  return { config, manifest, index, layers };
}

/** Writes the OCI layout of SPEC into DIR (layers hard-linked, or copied across file systems). */
export async function writeLayout(dir: string, spec: ImageSpec): Promise<ReturnType<typeof layout>> {
  const layers = await Promise.all(spec.layers.map(layerInfo));
  const out = layout(spec, layers);
  const blobs = path.join(dir, "blobs", "sha256");
  await fs.mkdir(blobs, { recursive: true });
  const at = (digest: string) => path.join(blobs, digest.replace(/^sha256:/, ""));
  for (const l of layers) {
    await fs.rm(at(l.digest), { force: true });
    await fs.link(l.file, at(l.digest)).catch(() => fs.copyFile(l.file, at(l.digest)));
  }
  await fs.writeFile(at(out.config.descriptor.digest), out.config.bytes);
  await fs.writeFile(at(out.manifest.descriptor.digest), out.manifest.bytes);
  await fs.writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await fs.writeFile(path.join(dir, "index.json"), JSON.stringify(out.index));
  return out;
}

/** Packs a layout directory into a deterministic tar archive (written to a temporary name, then renamed). */
export function packLayout(dir: string, archive: string): void {
  const tmp = `${archive}.tmp`;
  execFileSync("tar", [
    "--create", "--file", tmp, "--directory", dir, "--sort=name", "--format=ustar",
    "--owner=0", "--group=0", "--numeric-owner", "--mtime=@1700000000", "--mode=a+rX,u+w,go-w",
    "oci-layout", "index.json", "blobs",
  ]);
  execFileSync("mv", ["-f", tmp, archive]);
}

/** Writes OUTDIR/<name>.tar for each image; returns the references by name. */
export async function writeArchives(specs: ImageSpec[], outDir: string): Promise<Record<string, string>> {
  await fs.mkdir(outDir, { recursive: true });
  const refs: Record<string, string> = {};
  for (const spec of specs) {
    const dir = await fs.mkdtemp(path.join(outDir, `.${spec.name}-`));
    try {
      await writeLayout(dir, spec);
      packLayout(dir, path.join(outDir, `${spec.name}.tar`));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    refs[spec.name] = spec.ref;
  }
  return refs;
}

if (require.main === module) {
  const [specFile, outDir] = process.argv.slice(2);
  if (!specFile || !outDir) {
    process.stderr.write("usage: oci.ts SPEC.json OUTDIR\n");
    process.exit(2);
  }
  fs.readFile(specFile, "utf8")
    .then((text) => writeArchives(JSON.parse(text) as ImageSpec[], outDir))
    .then((refs) => process.stdout.write(`${JSON.stringify(refs, null, 2)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`oci.ts: ${(e as Error).message}\n`);
      process.exit(1);
    });
}
