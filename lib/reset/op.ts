/**
 * The reset operation (`netlab reset`) over the fleet runner, its one-line summary, and the confirmation it asks
 * for before it runs (unless --yes or --dry-run; it refuses when it cannot ask).
 */
import { createInterface } from "node:readline/promises";
import * as path from "node:path";
import type { BenchOp } from "../fleet/run";
import { BenchConfigError } from "../spec/problems";
import type { ResetLevel } from "./plan";
import { resetBench, type ResetResult } from "./reset";

export interface ResetOpOptions {
  /** Plan only; nothing changes. */
  readonly dryRun?: boolean;
  /** How long to wait for the lab pods to run again. @default 300 s */
  readonly podTimeoutMs?: number;
  /** cluster and hosts: destroy what cannot be archived instead of refusing. @default false */
  readonly discardUnarchived?: boolean;
}

/** The fleet operation: one bench's reset; `data` is its ResetResult. */
export function resetOp(level: ResetLevel, opts: ResetOpOptions = {}): BenchOp {
  return async (stack, progress) => {
    const r: ResetResult = await resetBench(stack, {
      level,
      dryRun: opts.dryRun ?? false,
      progress,
      podTimeoutMs: opts.podTimeoutMs,
      discardUnarchived: opts.discardUnarchived ?? false,
    });
    return { changes: resetChanges(r), detail: resetDetail(r), data: r };
  };
}

/** Objects deleted, files removed, pods recreated and engine resources changed (planned ones in a dry run). */
export function resetChanges(r: ResetResult): number {
  if (r.dryRun) return r.plan.deleteObjects.length + r.plan.removeFiles.length + r.plan.recreatePods.length;
  const engine = [r.engine.destroy ?? {}, r.engine.up ?? {}].flatMap((c) =>
    Object.entries(c)
      .filter(([k]) => k !== "same")
      .map(([, v]) => v),
  );
  return r.deletedObjects.length + r.removedFiles.length + r.recreatedPods.length + engine.reduce((a, b) => a + b, 0);
}

/** The one-line summary of a bench's reset. */
export function resetDetail(r: ResetResult): string {
  const local = path.relative(process.cwd(), r.archive.local);
  if (r.dryRun) {
    const { archive, deleteObjects, removeFiles } = r.plan;
    return (
      `dry run (${r.level}): would archive ${archive.length}, delete ${deleteObjects.length} object(s), ` +
      `remove ${removeFiles.length} file(s); nothing changed`
    );
  }
  const kept = r.keptFiles.length > 0 ? `; kept ${r.keptFiles.length} path(s) written after the archive` : "";
  return `${r.level}: archived to ${local}; deleted ${r.deletedObjects.length} object(s), removed ${r.removedFiles.length} file(s)${kept}`;
}

export interface ConfirmOptions {
  readonly yes?: boolean;
  readonly dryRun?: boolean;
  /** @default process.stdin */
  readonly input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the question goes. @default process.stderr */
  readonly output?: NodeJS.WritableStream;
}

/**
 * Asks "Reset <n> benches at level X? ..." on a terminal. True: go ahead (also for --yes and --dry-run).
 * Without a terminal and without --yes it throws before anything runs.
 */
export async function confirmReset(stacks: readonly string[], level: ResetLevel, opts: ConfirmOptions = {}): Promise<boolean> {
  if (opts.yes || opts.dryRun) return true;
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  const benches = `${stacks.length} bench${stacks.length === 1 ? "" : "es"}`;
  if (!input.isTTY) {
    throw new BenchConfigError(
      [
        {
          field: "--yes",
          message:
            `refusing to reset ${benches} (${stacks.join(", ")}) without confirmation: standard input is not a terminal. ` +
            "Pass --yes to confirm (student work is archived first), or --dry-run to see what would be archived and deleted",
        },
      ],
      "reset request",
    );
  }
  const rl = createInterface({ input, output, terminal: true });
  try {
    const answer = await rl.question(`Reset ${benches} at level ${level}? Student work is archived first. [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
