/** `netlab bundle`: builds (or finds cached) the air-gapped node bundle with bundle/build.sh; see bundle/README.md. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export interface BundleOptions {
  /** also import every image into a throw-away containerd and run a few of them (bundle/verify.sh) */
  readonly verify?: boolean;
}

const repo = path.resolve(__dirname, "..", "..");

function run(script: string, args: string[] = []): string {
  const r = spawnSync("bash", [path.join(repo, "bundle", script), ...args], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bundle/${script} failed (exit ${r.status ?? r.signal})`);
  return r.stdout.trim();
}

/** Builds the bundle (or finds it cached), progress on stderr; resolves its directory. */
export function buildBundle(): string {
  return run("build.sh");
}

export async function bundleCommand(opts: BundleOptions): Promise<void> {
  const dir = buildBundle();
  if (opts.verify) run("verify.sh", [dir]);
  process.stdout.write(`${dir}\n`);
}
