/**
 * Running the host tools of the simulated bench: always an argument vector (never a shell string), and an error
 * that says which node, which command and what it printed on standard error.
 */
import { execFile } from "node:child_process";

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A host command of the simulation failed. `context` names the bench/node and what was being done. */
export class SimCommandError extends Error {
  constructor(
    readonly context: string,
    readonly argv: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`${context}: \`${argv.join(" ")}\` failed (exit ${exitCode ?? "?"})${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
    this.name = "SimCommandError";
  }
}

/** Runs `cmd args...`; throws SimCommandError naming `context` when it exits non-zero or cannot start. */
export function run(context: string, cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        reject(new SimCommandError(context, [cmd, ...args], code, String(stderr || error.message)));
      } else {
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      }
    });
  });
}

/** Like `run`, but never throws: for probes and best-effort clean-up. */
export async function probe(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult & { ok: boolean }> {
  try {
    return { ok: true, ...(await run("probe", cmd, args, timeoutMs)) };
  } catch (e) {
    return { ok: false, stdout: "", stderr: e instanceof SimCommandError ? e.stderr : String(e) };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
