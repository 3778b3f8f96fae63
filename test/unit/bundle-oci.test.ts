import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { locateBundle } from "../../lib/bundle/locate";
import { MEDIA, layerInfo, layout, writeSharedLayout, type ImageSpec } from "../../lib/bundle/oci";

const hex = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const dir = mkdtempSync(path.join(tmpdir(), "bundle-oci-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Two tiny layers: gzip of known bytes (the writer never looks inside the tar).
const plainA = Buffer.from("layer A: pretend this is a tar\n".repeat(100));
const plainB = Buffer.from("layer B\n");
const fileA = path.join(dir, "a.tar.gz");
const fileB = path.join(dir, "b.tar.gz");
writeFileSync(fileA, gzipSync(plainA));
writeFileSync(fileB, gzipSync(plainB));

const spec = (over: Partial<ImageSpec> = {}): ImageSpec => ({
  name: "demo",
  ref: "registry.k8s.io/demo:v1.2.3",
  layers: [fileA, fileB],
  entrypoint: ["/demo"],
  ...over,
});

describe("OCI layer digests", () => {
  it("digest and size of the compressed blob, diff_id of the uncompressed tar", async () => {
    const info = await layerInfo(fileA);
    expect(info.digest).toBe(`sha256:${hex(readFileSync(fileA))}`);
    expect(info.size).toBe(readFileSync(fileA).length);
    expect(info.diffId).toBe(`sha256:${hex(plainA)}`);
    expect(info.diffId).not.toBe(info.digest);
  });

  it("refuses a layer that is not gzip-compressed", async () => {
    const raw = path.join(dir, "raw.tar");
    writeFileSync(raw, plainB);
    await expect(layerInfo(raw)).rejects.toThrow(/not a gzip-compressed layer/);
  });
});

describe("OCI image layout", () => {
  it("config: linux/amd64, entrypoint, PATH, diff_ids bottom first", async () => {
    const layers = await Promise.all([fileA, fileB].map(layerInfo));
    const out = layout(spec({ cmd: ["-version"] }), layers);
    const config = JSON.parse(out.config.bytes.toString());
    expect(config.os).toBe("linux");
    expect(config.architecture).toBe("amd64");
    expect(config.config.Entrypoint).toEqual(["/demo"]);
    expect(config.config.Cmd).toEqual(["-version"]);
    expect(config.config.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    expect(config.rootfs).toEqual({ type: "layers", diff_ids: [`sha256:${hex(plainA)}`, `sha256:${hex(plainB)}`] });
  });

  it("manifest and index: OCI media types, digests of the serialized blobs, platform and both name annotations", async () => {
    const layers = await Promise.all([fileA, fileB].map(layerInfo));
    const out = layout(spec(), layers);
    const manifest = JSON.parse(out.manifest.bytes.toString());
    expect(manifest.mediaType).toBe(MEDIA.manifest);
    expect(manifest.config).toEqual({ mediaType: MEDIA.config, digest: `sha256:${hex(out.config.bytes)}`, size: out.config.bytes.length });
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(layers.map((l) => l.digest));
    expect(manifest.layers.every((l: { mediaType: string }) => l.mediaType === MEDIA.layerGzip)).toBe(true);
    expect(out.index.mediaType).toBe(MEDIA.index);
    expect(out.index.manifests).toEqual([
      {
        mediaType: MEDIA.manifest,
        digest: `sha256:${hex(out.manifest.bytes)}`,
        size: out.manifest.bytes.length,
        platform: { architecture: "amd64", os: "linux" },
        annotations: { "io.containerd.image.name": "registry.k8s.io/demo:v1.2.3", "org.opencontainers.image.ref.name": "registry.k8s.io/demo:v1.2.3" },
      },
    ]);
  });

  it("is reproducible: same inputs, same manifest digest; another entrypoint, another digest", async () => {
    const layers = await Promise.all([fileA, fileB].map(layerInfo));
    expect(layout(spec(), layers).manifest.descriptor.digest).toBe(layout(spec(), layers).manifest.descriptor.digest);
    expect(layout(spec({ entrypoint: ["/other"] }), layers).manifest.descriptor.digest).not.toBe(layout(spec(), layers).manifest.descriptor.digest);
  });
});

describe("one OCI layout for every image", () => {
  it("stores each blob once under its own digest; refs/<name>.json is the image's descriptor; files lists what each needs", async () => {
    const out = path.join(dir, "layout");
    const written = await writeSharedLayout([spec(), spec({ name: "second", ref: "netlab.local/second:1", layers: [fileA] })], out);
    expect(written.refs).toEqual({ demo: "registry.k8s.io/demo:v1.2.3", second: "netlab.local/second:1" });
    expect(readdirSync(out).sort()).toEqual(["blobs", "docker", "oci-layout", "refs"]);
    expect(JSON.parse(readFileSync(path.join(out, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(readdirSync(path.join(out, "refs")).sort()).toEqual(["demo.json", "second.json"]);

    const blobs = readdirSync(path.join(out, "blobs", "sha256"));
    for (const b of blobs) expect(hex(readFileSync(path.join(out, "blobs", "sha256", b)))).toBe(b);
    expect(blobs).toHaveLength(2 + 2 + 2); // layers A and B once, a config and a manifest per image

    const descriptor = (name: string) => JSON.parse(readFileSync(path.join(out, "refs", `${name}.json`), "utf8"));
    const manifestOf = (name: string) => JSON.parse(readFileSync(path.join(out, "blobs", "sha256", descriptor(name).digest.slice(7)), "utf8"));
    expect(descriptor("second")).toMatchObject({
      mediaType: MEDIA.manifest,
      platform: { architecture: "amd64", os: "linux" },
      annotations: { "io.containerd.image.name": "netlab.local/second:1", "org.opencontainers.image.ref.name": "netlab.local/second:1" },
    });
    const layerA = `blobs/sha256/${hex(readFileSync(fileA))}`;
    expect(manifestOf("second").layers[0].digest).toBe(manifestOf("demo").layers[0].digest);
    expect(written.files.demo).toHaveLength(6);
    expect(written.files.second).toEqual([
      "refs/second.json",
      "docker/second.json",
      `blobs/sha256/${descriptor("second").digest.slice(7)}`,
      `blobs/sha256/${manifestOf("second").config.digest.slice(7)}`,
      layerA,
    ]);
    for (const f of Object.values(written.files).flat()) expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it("docker/<name>.json is the image's `docker load` entry: its tag, config and layers by blob path, bottom layer first", async () => {
    const out = path.join(dir, "layout-docker");
    await writeSharedLayout([spec()], out);
    const descriptor = JSON.parse(readFileSync(path.join(out, "refs", "demo.json"), "utf8"));
    const manifest = JSON.parse(readFileSync(path.join(out, "blobs", "sha256", descriptor.digest.slice(7)), "utf8"));
    const entry = JSON.parse(readFileSync(path.join(out, "docker", "demo.json"), "utf8"));
    expect(entry).toEqual({
      Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
      RepoTags: ["registry.k8s.io/demo:v1.2.3"],
      Layers: [fileA, fileB].map((f) => `blobs/sha256/${hex(readFileSync(f))}`),
    });
    for (const f of [entry.Config, ...entry.Layers]) expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it("refuses an image given twice", async () => {
    await expect(writeSharedLayout([spec(), spec()], path.join(dir, "twice"))).rejects.toThrow(/image demo is given twice/);
  });
});

describe("locating the bundle", () => {
  it("refuses a bundle without a file the bench needs, naming it and how to rebuild", () => {
    const built = mkdtempSync(path.join(tmpdir(), "bundle-needs-"));
    try {
      writeFileSync(path.join(built, "bundle.json"), JSON.stringify({ format: 2, versions: {}, images: {}, imageFiles: {}, files: { "bin/kubelet": "00" } }));
      expect(locateBundle(built, ["bin/kubelet"]).dir).toBe(built);
      expect(() => locateBundle(built, ["bin/kubelet", "bin/cri-dockerd"])).toThrow(
        /has no bin\/cri-dockerd, which this bench needs.*`\.\/bin\/netlab bundle`/,
      );
    } finally {
      rmSync(built, { recursive: true, force: true });
    }
  });

  it("refuses a bundle built before the shared layout (no imageFiles), saying how to rebuild it", () => {
    const old = mkdtempSync(path.join(tmpdir(), "bundle-old-"));
    try {
      writeFileSync(path.join(old, "bundle.json"), JSON.stringify({ format: 1, versions: {}, images: {}, files: {} }));
      expect(() => locateBundle(old)).toThrow(/older format \(no imageFiles in bundle\.json\): rebuild it with `\.\/bin\/netlab bundle`/);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});
