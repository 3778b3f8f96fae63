/**
 * This checkout's root: manifests, node scripts, stack files, the toolchain and .netlab/ are resolved from it.
 * The nearest directory above this module that holds Pulumi.yaml: lib/ of the checkout, or of the compiled
 * program under .netlab/program/<hash>/ (lib/engine/program.js).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";

function findRepo(from: string): string {
  for (let dir = path.resolve(from, ".."); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, "..");
  }
}

export const REPO = findRepo(__dirname);
