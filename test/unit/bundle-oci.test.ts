import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { MEDIA, layerInfo, layout, writeArchives, type ImageSpec } from "../../lib/bundle/oci";

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

describe("OCI archives", () => {
  it("every blob is stored under its own digest; a shared layer has one digest across images", async () => {
    const out = path.join(dir, "images");
    const refs = await writeArchives([spec(), spec({ name: "second", ref: "netlab.local/second:1", layers: [fileA] })], out);
    expect(refs).toEqual({ demo: "registry.k8s.io/demo:v1.2.3", second: "netlab.local/second:1" });
    expect(readdirSync(out).sort()).toEqual(["demo.tar", "second.tar"]);

    const blobsOf = (name: string) => {
      const x = path.join(dir, `x-${name}`);
      execFileSync("mkdir", ["-p", x]);
      execFileSync("tar", ["-xf", path.join(out, `${name}.tar`), "-C", x]);
      expect(JSON.parse(readFileSync(path.join(x, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
      const index = JSON.parse(readFileSync(path.join(x, "index.json"), "utf8"));
      const blobs = readdirSync(path.join(x, "blobs", "sha256"));
      for (const b of blobs) expect(hex(readFileSync(path.join(x, "blobs", "sha256", b)))).toBe(b);
      const manifest = JSON.parse(readFileSync(path.join(x, "blobs", "sha256", index.manifests[0].digest.slice(7)), "utf8"));
      return { blobs, manifest };
    };
    const a = blobsOf("demo");
    const b = blobsOf("second");
    expect(a.blobs).toHaveLength(4); // two layers, config, manifest
    expect(b.blobs).toHaveLength(3);
    expect(b.manifest.layers[0].digest).toBe(a.manifest.layers[0].digest);
    expect(a.blobs).toContain(hex(readFileSync(fileA)));
  });
});
