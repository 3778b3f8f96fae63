/**
 * The base image of the VM bench, built by vm/base-image.sh into the cache (outside the repository) under a
 * name that is the hash of the recipe: a changed recipe means a new build, an unchanged one reuses the stamped
 * image. The base disk is only ever a backing file; VMs write to their own overlays.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { REPO } from "../engine/workspace";
import { cacheDir } from "./names";

export const RECIPE = path.join(REPO, "vm", "base-image.sh");

export interface BaseImage {
  readonly dir: string;
  readonly disk: string;
  readonly kernel: string;
  readonly initrd: string;
}

export function recipeHash(recipe: string = RECIPE): string {
  return createHash("sha256").update(readFileSync(recipe)).digest("hex").slice(0, 16);
}

export function baseImagePaths(hash: string = recipeHash()): BaseImage {
  const dir = path.join(cacheDir(), "vm", `base-${hash}`);
  return { dir, disk: path.join(dir, "disk.qcow2"), kernel: path.join(dir, "vmlinuz"), initrd: path.join(dir, "initrd.img") };
}

/** The stamp is written last by the recipe: an image without it is incomplete and rebuilt. */
export function baseImageReady(img: BaseImage): boolean {
  return [path.join(img.dir, "stamp"), img.disk, img.kernel, img.initrd].every((f) => existsSync(f));
}

/** The base image of the current recipe, built if needed; the recipe's progress lines go to `log`. */
export async function ensureBaseImage(log: (line: string) => void): Promise<BaseImage & { built: boolean; seconds: number }> {
  const img = baseImagePaths();
  const started = Date.now();
  if (baseImageReady(img)) return { ...img, built: false, seconds: 0 };
  log(`base image: building ${img.dir} (mmdebstrap, a few minutes)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [RECIPE, "build", img.dir], { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const onData = (d: Buffer) => {
      for (const line of d.toString("utf8").split("\n").filter(Boolean)) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.startsWith("base-image:") || /^I: (running|downloading|extracting|installing)/.test(line)) {
          log(`base image: ${line.replace(/^(base-image|I): /, "")}`);
        }
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`base image: ${RECIPE} build ${img.dir} exited ${code}:\n${tail.join("\n")}`))));
  });
  if (!baseImageReady(img)) throw new Error(`base image: the recipe finished but ${img.dir} is incomplete`);
  return { ...img, built: true, seconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * Removes base images of older recipes that no running QEMU uses (their kernel is on its command line), so the
 * cache holds one image per recipe in use. Returns the directories removed.
 */
export function pruneBaseImages(keep: BaseImage): string[] {
  const root = path.dirname(keep.dir);
  const inUse = new Set<string>();
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      for (const arg of readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")) {
        if (arg.startsWith(`${root}/base-`)) inUse.add(path.dirname(arg));
      }
    } catch {
      /* gone meanwhile */
    }
  }
  const removed: string[] = [];
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    const dir = path.join(root, name);
    if (!/^base-[0-9a-f]{16}$/.test(name) || dir === keep.dir || inUse.has(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
