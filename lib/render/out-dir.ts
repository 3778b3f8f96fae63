/**
 * `netlab render --out DIR` writes a whole render or nothing: into a fresh directory beside DIR, moved into place
 * at the end. DIR must be new, empty or a previous render (never a file, never someone's other files).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { BenchConfigError, show } from "../spec/problems";

/** Marks a directory as netlab's render, so a later render may replace it. */
export const RENDER_MARKER = ".netlab-render";

function refuse(out: string, message: string): never {
  throw new BenchConfigError([{ field: "--out", message: `${show(out)} ${message}` }], "render request");
}

/** Where a directory must go, the nearest existing path that is not a directory, if any. */
function fileInTheWay(dir: string): string | undefined {
  for (let p = dir; ; p = path.dirname(p)) {
    if (existsSync(p)) return statSync(p).isDirectory() ? undefined : p;
    if (path.dirname(p) === p) return undefined;
  }
}

/** Checks DIR; resolves to its absolute path. */
export function checkOutDir(out: string): string {
  const dir = path.resolve(out);
  const blocker = fileInTheWay(dir);
  if (blocker === dir) refuse(out, "is a file; give a directory (it is created if missing)");
  if (blocker) refuse(out, `cannot be a directory: ${show(blocker)} is a file; give another --out`);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, RENDER_MARKER))) {
    refuse(out, "is a directory holding other files (not a previous render); give a new or empty directory");
  }
  return dir;
}

/** Runs `fill` on a fresh directory, then puts it at `out` (replacing a previous render). Nothing partial stays. */
export function renderInto<T>(out: string, fill: (dir: string) => T): T {
  const dir = checkOutDir(out);
  mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}.netlab-tmp-`));
  try {
    const result = fill(tmp);
    writeFileSync(path.join(tmp, RENDER_MARKER), "written by netlab render; a later render replaces this directory\n");
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
