/**
 * Running one operation over many benches: at most `parallel` at a time, one progress line per bench,
 * a result per bench whatever happens to the others, busy (locked) stacks told apart from broken ones.
 */
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";

export const Outcome = { Ok: "ok", Failed: "failed", Busy: "busy" } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface BenchResult {
  readonly stack: string;
  readonly outcome: Outcome;
  /** Resources changed (or differences found, for a preview). */
  readonly changes: number;
  readonly seconds: number;
  /** One line: what happened, or the error. */
  readonly detail: string;
  /** Operation-specific data (drift lines, facts ...). */
  readonly data?: unknown;
}

/** What an operation returns for one bench when it succeeds. */
export interface OpOutput {
  readonly changes: number;
  readonly detail: string;
  readonly data?: unknown;
}

export type BenchOp = (stack: string, progress: (line: string) => void) => Promise<OpOutput>;

export interface FleetOptions {
  /** How many benches run at once. @default 4 */
  readonly parallel?: number;
  /** Called with each bench's latest progress line. */
  readonly onProgress?: (stack: string, line: string) => void;
  /** Called when a bench finishes. */
  readonly onResult?: (result: BenchResult) => void;
}

/** True for the engine's "another update is in progress" error (the stack's lock is held). */
export function isBusy(e: unknown): boolean {
  if (e instanceof ConcurrentUpdateError) return true;
  return /conflict: Another update is currently in progress|the stack is currently locked/i.test(String((e as Error)?.message ?? e));
}

export async function runFleet(stacks: readonly string[], op: BenchOp, opts: FleetOptions = {}): Promise<BenchResult[]> {
  const parallel = opts.parallel ?? 4;
  if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError(`--parallel ${parallel}: must be an integer of at least 1`);
  const results: BenchResult[] = new Array(stacks.length);
  let next = 0;
  const worker = async () => {
    while (next < stacks.length) {
      const i = next++;
      const stack = stacks[i]!;
      const start = Date.now();
      const seconds = () => Math.round((Date.now() - start) / 100) / 10;
      let result: BenchResult;
      try {
        const out = await op(stack, (line) => opts.onProgress?.(stack, line));
        result = { stack, outcome: Outcome.Ok, changes: out.changes, seconds: seconds(), detail: out.detail, data: out.data };
      } catch (e) {
        const busy = isBusy(e);
        const message = String((e as Error)?.message ?? e)
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean);
        result = {
          stack,
          outcome: busy ? Outcome.Busy : Outcome.Failed,
          changes: 0,
          seconds: seconds(),
          detail: busy ? "another run holds this bench's stack lock; try again when it is done" : lastUseful(message),
          // An operation may attach what it found before failing (e.g. the failed checks).
          data: (e as { data?: unknown })?.data,
        };
      }
      results[i] = result;
      opts.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, stacks.length) }, worker));
  return results;
}

/** The line of an engine error that says what went wrong (the engine prints a lot around it). */
function lastUseful(lines: string[]): string {
  const error = lines.find((l) => /^error:|Error:/.test(l) && !/^error: update failed$/.test(l));
  return (error ?? lines[lines.length - 1] ?? "failed").slice(0, 400);
}

/** Non-zero when any bench did not succeed. */
export function exitCode(results: readonly BenchResult[]): number {
  return results.every((r) => r.outcome === Outcome.Ok) ? 0 : 1;
}
