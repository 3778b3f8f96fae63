/**
 * lib/vm/image.ts without building anything: the base image is named by its recipe's hash and lives in the cache
 * ($NETLAB_CACHE, here a temporary directory); only a stamped, complete image is ready; pruning keeps the current
 * image, images a running VM still uses, and anything that is not a base image.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { baseImagePaths, baseImageReady, pruneBaseImages, RECIPE, recipeHash, type BaseImage } from "../../lib/vm/image";

let cache: string;
const savedCache = process.env.NETLAB_CACHE;
const children: ChildProcess[] = [];

beforeEach(() => {
  cache = mkdtempSync(path.join(os.tmpdir(), "netlab-image-"));
  process.env.NETLAB_CACHE = cache;
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  if (savedCache === undefined) delete process.env.NETLAB_CACHE;
  else process.env.NETLAB_CACHE = savedCache;
  rmSync(cache, { recursive: true, force: true });
});

const HASH_A = "0123456789abcdef";
const HASH_B = "fedcba9876543210";
const HASH_C = "00000000ffffffff";

/** A complete image as the recipe leaves it: the three files, then the stamp. */
function fill(img: BaseImage, files: readonly string[] = [img.disk, img.kernel, img.initrd, path.join(img.dir, "stamp")]): BaseImage {
  mkdirSync(img.dir, { recursive: true });
  for (const f of files) writeFileSync(f, "x");
  return img;
}

describe("recipeHash", () => {
  it("is the first 16 hex digits of the recipe's sha256, as sha256sum prints it", () => {
    const recipe = path.join(cache, "recipe.sh");
    writeFileSync(recipe, "#!/bin/bash\necho build\n");
    const sum = spawnSync("sha256sum", [recipe], { encoding: "utf8" }).stdout.split(" ")[0]!;
    expect(recipeHash(recipe)).toBe(sum.slice(0, 16));
  });

  it("changes with one byte of the recipe and stays with the same bytes", () => {
    const a = path.join(cache, "a.sh");
    const b = path.join(cache, "b.sh");
    writeFileSync(a, "mmdebstrap bookworm\n");
    writeFileSync(b, "mmdebstrap bookworm\n");
    expect(recipeHash(a)).toBe(recipeHash(b));
    writeFileSync(b, "mmdebstrap bookworm \n");
    expect(recipeHash(a)).not.toBe(recipeHash(b));
  });

  it("defaults to vm/base-image.sh of this checkout", () => {
    expect(path.relative(path.join(__dirname, "..", ".."), RECIPE)).toBe(path.join("vm", "base-image.sh"));
    expect(recipeHash()).toBe(recipeHash(RECIPE));
    expect(recipeHash()).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("baseImagePaths", () => {
  it("puts the image under $NETLAB_CACHE/vm/base-<hash>, never in the repository", () => {
    expect(baseImagePaths(HASH_A)).toEqual({
      dir: path.join(cache, "vm", `base-${HASH_A}`),
      disk: path.join(cache, "vm", `base-${HASH_A}`, "disk.qcow2"),
      kernel: path.join(cache, "vm", `base-${HASH_A}`, "vmlinuz"),
      initrd: path.join(cache, "vm", `base-${HASH_A}`, "initrd.img"),
    });
  });

  it("names the current recipe's image by default", () => {
    expect(baseImagePaths().dir).toBe(path.join(cache, "vm", `base-${recipeHash()}`));
  });

  it("falls back to ~/.cache/k8s-netlab when NETLAB_CACHE is unset", () => {
    delete process.env.NETLAB_CACHE;
    expect(baseImagePaths(HASH_A).dir).toBe(path.join(os.homedir(), ".cache", "k8s-netlab", "vm", `base-${HASH_A}`));
  });
});

describe("baseImageReady", () => {
  it("is ready only with the stamp and all three files", () => {
    const img = baseImagePaths(HASH_A);
    expect(baseImageReady(img)).toBe(false);
    fill(img);
    expect(baseImageReady(img)).toBe(true);
  });

  it("is not ready while any one file is missing: an interrupted build is rebuilt", () => {
    const img = baseImagePaths(HASH_A);
    const all = [img.disk, img.kernel, img.initrd, path.join(img.dir, "stamp")];
    for (const missing of all) {
      rmSync(img.dir, { recursive: true, force: true });
      fill(
        img,
        all.filter((f) => f !== missing),
      );
      expect(baseImageReady(img), path.basename(missing)).toBe(false);
    }
  });
});

describe("pruneBaseImages", () => {
  it("returns nothing when the cache has no vm directory yet", () => {
    expect(pruneBaseImages(baseImagePaths(HASH_A))).toEqual([]);
  });

  it("removes older recipes' images, keeps the current one and everything that is not a base image", () => {
    const keep = fill(baseImagePaths(HASH_A));
    const old = fill(baseImagePaths(HASH_B));
    const half = baseImagePaths(HASH_C);
    mkdirSync(half.dir, { recursive: true }); // an interrupted build of another recipe
    const vm = path.dirname(keep.dir);
    for (const other of ["benches", "base-0123", `base-${HASH_B}.tmp`, "base-0123456789ABCDEF"]) mkdirSync(path.join(vm, other));
    writeFileSync(path.join(vm, "notes.txt"), "x");
    expect(pruneBaseImages(keep).sort()).toEqual([old.dir, half.dir].sort());
    expect(readdirSync(vm).sort()).toEqual(["base-0123", `base-${HASH_A}`, "base-0123456789ABCDEF", `base-${HASH_B}.tmp`, "benches", "notes.txt"].sort());
    expect(baseImageReady(keep)).toBe(true);
  });

  it("keeps an old image whose kernel a running process has on its command line", async () => {
    const keep = fill(baseImagePaths(HASH_A));
    const used = fill(baseImagePaths(HASH_B));
    const unused = fill(baseImagePaths(HASH_C));
    // A stand-in for QEMU: its arguments hold `-kernel <old image's vmlinuz>`; `; true` keeps bash from exec'ing sleep.
    const qemu = spawn("bash", ["-c", "sleep 30; true", "qemu-system-x86_64", "-kernel", used.kernel], { stdio: "ignore" });
    children.push(qemu);
    await new Promise((resolve) => qemu.once("spawn", resolve));
    expect(pruneBaseImages(keep)).toEqual([unused.dir]);
    expect(existsSync(used.kernel)).toBe(true);
    qemu.kill("SIGKILL");
    await new Promise((resolve) => qemu.once("exit", resolve));
    expect(pruneBaseImages(keep)).toEqual([used.dir]);
  });
});
