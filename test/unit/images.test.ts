/**
 * lib/spec/images.ts: a bench's images are references in distribution's grammar, and pinned: never untagged or
 * `:latest`. Unknown keys are refused; a refused image keeps the bundle's default so the rest of the config still parses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGES } from "../../lib/spec/defaults";
import { imageProblem, parseImages } from "../../lib/spec/images";
import { Problems } from "../../lib/spec/problems";

const EXAMPLE = "docker.io/nicolaka/netshoot:v0.13";
const DIGEST = `@sha256:${"0123456789abcdef".repeat(4)}`;

function parse(raw: Partial<Record<string, unknown>>): { images: Record<string, string>; lines: string[] } {
  const p = new Problems();
  const images = parseImages(p, raw) as unknown as Record<string, string>;
  return { images, lines: p.list.map((x) => `${x.field}: ${x.message}`) };
}

describe("imageProblem", () => {
  it("accepts tags and digests, with or without a registry, a port or nested paths", () => {
    const ok = [
      "busybox:1.36",
      "docker.io/library/busybox:1.36",
      "registry.example:5000/lab/web:2024.01-rc_1",
      "localhost/x:1",
      "localhost:5000/a/b/c:v1",
      `docker.io/nicolaka/netshoot${DIGEST}`,
      `docker.io/nicolaka/netshoot:v0.13${DIGEST}`,
      "quay.io/a__b/c-d:1",
      "reg/a.b/c---d:t",
    ];
    for (const ref of ok) expect(imageProblem(ref, EXAMPLE), ref).toBeUndefined();
  });

  it("refuses untagged and :latest references, naming the example to follow", () => {
    for (const ref of ["docker.io/nicolaka/netshoot", "docker.io/nicolaka/netshoot:latest", "busybox", `busybox:latest${DIGEST}`]) {
      expect(imageProblem(ref, EXAMPLE), ref).toBe(
        `${JSON.stringify(ref)} is not pinned; name an exact tag or digest (never untagged or :latest), e.g. "${EXAMPLE}"`,
      );
    }
  });

  it("says when a reference has no image name at all", () => {
    for (const ref of ["docker.io/:v1", "docker.io/", ":v1", "", "@sha256:abc"]) {
      expect(imageProblem(ref, EXAMPLE), ref).toBe(
        `${JSON.stringify(ref)} is not an image reference (it has no image name); write registry/path/name:tag in lower case, e.g. "${EXAMPLE}"`,
      );
    }
  });

  it("refuses upper case in the path, spaces, bad separators and a short digest without claiming the name is missing", () => {
    for (const ref of ["docker.io/Nicolaka/netshoot:v1", "busy box:1", "a//b:1", "a/-b:1", "a/b:1@sha256:abc", "a/b:-x"]) {
      const msg = imageProblem(ref, EXAMPLE);
      expect(msg, ref).toMatch(/ is not an image reference; write registry\/path\/name:tag in lower case/);
    }
  });

  it("refuses a value that is not a string", () => {
    expect(imageProblem(42, EXAMPLE)).toBe(`42 is not an image reference; write registry/path/name:tag, e.g. "${EXAMPLE}"`);
    expect(imageProblem(undefined, EXAMPLE)).toMatch(/^\(missing\) is not an image reference/);
    expect(imageProblem(["busybox:1"], EXAMPLE)).toMatch(/^\["busybox:1"\] is not an image reference/);
  });

  it("allows a 255-character name and refuses 256, but not for the registry's length", () => {
    const name = (n: number) => `lab/${"a".repeat(n - 4)}`;
    expect(imageProblem(`${name(255)}:1`, EXAMPLE)).toBeUndefined();
    expect(imageProblem(`registry.example.org/${name(255)}:1`, EXAMPLE)).toBeUndefined();
    expect(imageProblem(`${name(256)}:1`, EXAMPLE)).toMatch(/ has a name longer than 255 characters; shorten it$/);
  });

  it("allows a tag of 128 characters and no more", () => {
    expect(imageProblem(`busybox:${"t".repeat(128)}`, EXAMPLE)).toBeUndefined();
    expect(imageProblem(`busybox:${"t".repeat(129)}`, EXAMPLE)).toMatch(/is not an image reference/);
  });

  it("property: any lower-case path with a tag other than latest is accepted", () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}$/);
    const tag = fc.stringMatching(/^\w[\w.-]{0,20}$/).filter((t) => t !== "latest");
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 4 }), tag, (parts, t) => {
        expect(imageProblem(`registry.example/${parts.join("/")}:${t}`, EXAMPLE)).toBeUndefined();
        expect(imageProblem(`registry.example/${parts.join("/")}`, EXAMPLE)).toMatch(/is not pinned/);
      }),
    );
  });
});

describe("parseImages", () => {
  it("gives the bundle's images when nothing is set, as a copy", () => {
    const { images, lines } = parse({});
    expect(lines).toEqual([]);
    expect(images).toEqual(DEFAULT_IMAGES);
    images.client = "changed:1";
    expect(DEFAULT_IMAGES.client).toBe("netlab.local/lab-client:1");
  });

  it("replaces only the images the config sets", () => {
    const { images, lines } = parse({ client: EXAMPLE });
    expect(lines).toEqual([]);
    expect(images).toEqual({ ...DEFAULT_IMAGES, client: EXAMPLE });
  });

  it("refuses a bad image with the bundle's as the example, keeps the default and goes on to the next", () => {
    const { images, lines } = parse({ webserver: "docker.io/library/busybox:latest", client: EXAMPLE });
    expect(lines).toEqual([
      'images.webserver: "docker.io/library/busybox:latest" is not pinned; name an exact tag or digest (never untagged or :latest), ' +
        'e.g. "netlab.local/lab-webserver:1"',
    ]);
    expect(images).toEqual({ ...DEFAULT_IMAGES, client: EXAMPLE });
  });

  it("refuses unknown keys, inherited names such as constructor included, listing the known ones", () => {
    const raw = JSON.parse('{"constructor": "x:1", "toString": "y:1", "kuberouter": "z:1", "__proto__": "w:1"}') as Record<string, unknown>;
    const { images, lines } = parse(raw);
    const known = "known images are kubeRouter, nodeLocalDns, webserver, client";
    expect(lines).toEqual(["constructor", "toString", "kuberouter", "__proto__"].map((k) => `images.${k}: unknown image; ${known}`));
    expect(images).toEqual(DEFAULT_IMAGES);
  });

  it("skips a value already dropped as too long (undefined) without a second problem", () => {
    expect(parse({ kubeRouter: undefined })).toEqual({ images: DEFAULT_IMAGES, lines: [] });
  });
});
