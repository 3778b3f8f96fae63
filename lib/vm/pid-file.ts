/**
 * Daemons the VM bench starts (QEMU, the site resolver) are found through their pid files. A pid file only counts
 * when its process is still the daemon it names (`owns` reads its command line): a stale file, or a pid reused by
 * another process, reads as not running.
 */
import { readFileSync, rmSync } from "node:fs";
import { sleep } from "../sim/exec";

export type Owns = (argv: readonly string[]) => boolean;

/** The pid in `pidFile` if that process runs and `owns` recognises its command line. */
export function pidFromFile(pidFile: string, owns: Owns): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    return owns(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Ends the daemon (SIGTERM, then SIGKILL after 10 s) and removes its pid file; returns the pid it ended. */
export async function stopByPidFile(pidFile: string, owns: Owns): Promise<number | undefined> {
  const pid = pidFromFile(pidFile, owns);
  if (pid !== undefined) {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        break;
      }
      // A zombie (its parent may not reap it) has an empty command line, so it no longer counts as running.
      for (let i = 0; i < 100 && pidFromFile(pidFile, owns) === pid; i++) await sleep(100);
      if (pidFromFile(pidFile, owns) !== pid) break;
    }
  }
  rmSync(pidFile, { force: true });
  return pid;
}
