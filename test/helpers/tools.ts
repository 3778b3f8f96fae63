/** Locating the real validators and toolchain binaries the tests run. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");

export function onPath(tool: string): string | undefined {
  try {
    return execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Pinned versions from toolchain/versions.env. */
export function pins(): Record<string, string> {
  const text = readFileSync(path.join(REPO, "toolchain", "versions.env"), "utf8");
  return Object.fromEntries(text.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=", 2) as [string, string]));
}

/** A binary of the Go-built toolchain cache, if it has been built (`npm run toolchain`). */
export function toolchainBin(component: string, pinKey: string, binary: string): string | undefined {
  const root = process.env.NETLAB_TOOLCHAIN_DIR ?? path.join(os.homedir(), ".cache", "k8s-netlab", "toolchain");
  const dir = path.join(root, `${component}-${pins()[pinKey]}`);
  const file = path.join(dir, "bin", binary);
  return existsSync(path.join(dir, ".complete")) && existsSync(file) ? file : undefined;
}

/** Says loudly why a test does not run, so a skip is never silent. */
export function announceSkip(what: string, why: string): void {
  process.stderr.write(`\n!!! SKIPPED: ${what}\n!!! because: ${why}\n\n`);
}
