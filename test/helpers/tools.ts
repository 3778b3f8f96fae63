/** Locating the real validators the tests run. */
import { execFileSync } from "node:child_process";

export { REPO } from "../../lib/repo";

export function onPath(tool: string): string | undefined {
  try {
    return execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A validator's path, or an error saying it is missing (the tier fails, it never skips). */
export function requireTool(tool: string): string {
  const found = onPath(tool);
  if (!found) throw new Error(`${tool} is not on PATH; it is installed by the README's set-up (scripts/setup.sh)`);
  return found;
}
