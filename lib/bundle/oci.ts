/**
 * A small OCI image-layout writer for the air-gapped bundle (bundle/images.sh runs it).
 *
 * All images go into one OCI layout directory whose blobs are shared: a layer several images use (the Debian
 * layer is in four) is stored, pushed and imported once. Instead of one index.json, each image has its index
 * descriptor in refs/<name>.json; a node builds index.json from the refs it holds (a worker holds no control-plane
 * image) and imports the layout as one tar stream: `ctr -n k8s.io images import --all-platforms -` (containerd
 * 1.6). A descriptor carries the platform (linux/amd64: containerd refuses images without it) and the full
 * reference in both `io.containerd.image.name` (what ctr names the image) and `org.opencontainers.image.ref.name`.
 * Layers are given as gzip-compressed tars; the same file gives the same digest in every image. For Docker Engine
 * (containerRuntime docker), docker/<name>.json holds the image's entry of the manifest.json `docker load` reads.
 *
 * Usage: tsx lib/bundle/oci.ts SPEC.json OUTDIR   (SPEC: a list of ImageSpec; writes the layout into OUTDIR and
 * prints {"refs": {name: reference}, "files": {name: [paths of its files, relative to OUTDIR]}})
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
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

/** What the writer reports: each image's reference, and the files of the layout it needs (refs file first). */
export interface SharedLayout {
  refs: Record<string, string>;
  files: Record<string, string[]>;
}

/** The descriptor file of image NAME in the layout. */
export const refFile = (name: string): string => `refs/${name}.json`;
/** Image NAME's entry of a `docker load` manifest.json (Docker Engine reads it, not index.json). */
export const dockerRefFile = (name: string): string => `docker/${name}.json`;
const blobFile = (digest: string): string => `blobs/sha256/${digest.replace(/^sha256:/, "")}`;

/**
 * The `docker load` manifest.json entry of an image in the layout: the config and the layers by their blob paths,
 * as `docker save` (Engine 25+) writes them; Docker unpacks the gzip'd layers itself.
 */
export function dockerEntry(ref: string, image: ReturnType<typeof layout>) {
  return { Config: blobFile(image.config.descriptor.digest), RepoTags: [ref], Layers: image.layers.map((l) => blobFile(l.digest)) };
}

/**
 * Writes every image of SPECS into the one layout DIR: shared blobs (layers hard-linked, or copied across file
 * systems), oci-layout, refs/<name>.json holding the image's index descriptor (one line) and docker/<name>.json
 * its `docker load` entry (one line).
 */
export async function writeSharedLayout(specs: ImageSpec[], dir: string): Promise<SharedLayout> {
  await fs.mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  await fs.mkdir(path.join(dir, "refs"), { recursive: true });
  await fs.mkdir(path.join(dir, "docker"), { recursive: true });
  await fs.writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const measured = new Map<string, Promise<LayerInfo>>();
  const measure = (file: string) => measured.get(file) ?? measured.set(file, layerInfo(file)).get(file)!;
  const out: SharedLayout = { refs: {}, files: {} };
  for (const spec of specs) {
    if (out.refs[spec.name] !== undefined) throw new Error(`image ${spec.name} is given twice`);
    const image = layout(spec, await Promise.all(spec.layers.map(measure)));
    for (const l of image.layers) {
      const at = path.join(dir, blobFile(l.digest));
      await fs.rm(at, { force: true });
      await fs.link(l.file, at).catch(() => fs.copyFile(l.file, at));
    }
    await fs.writeFile(path.join(dir, blobFile(image.config.descriptor.digest)), image.config.bytes);
    await fs.writeFile(path.join(dir, blobFile(image.manifest.descriptor.digest)), image.manifest.bytes);
    await fs.writeFile(path.join(dir, refFile(spec.name)), `${JSON.stringify(image.index.manifests[0])}\n`);
    await fs.writeFile(path.join(dir, dockerRefFile(spec.name)), `${JSON.stringify(dockerEntry(spec.ref, image))}\n`);
    out.refs[spec.name] = spec.ref;
    out.files[spec.name] = [
      refFile(spec.name),
      dockerRefFile(spec.name),
      ...[image.manifest, image.config].map((b) => blobFile(b.descriptor.digest)),
      ...image.layers.map((l) => blobFile(l.digest)),
    ];
  }
  return out;
}

if (require.main === module) {
  const [specFile, outDir] = process.argv.slice(2);
  if (!specFile || !outDir) {
    process.stderr.write("usage: oci.ts SPEC.json OUTDIR\n");
    process.exit(2);
  }
  fs.readFile(specFile, "utf8")
    .then((text) => writeSharedLayout(JSON.parse(text) as ImageSpec[], outDir))
    .then((written) => process.stdout.write(`${JSON.stringify(written, null, 2)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`oci.ts: ${(e as Error).message}\n`);
      process.exit(1);
    });
}
