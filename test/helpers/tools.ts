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
