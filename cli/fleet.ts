/** The fleet commands: select benches, run an operation on each, print live lines and a summary. */
import { selectStacks, type Selection } from "../lib/fleet/select";
import { exitCode, runFleet, type BenchOp, type BenchResult } from "../lib/fleet/run";
import { table } from "../lib/facts/cluster-state";
import type { PreviewData } from "../lib/fleet/ops";

export interface FleetCliOptions extends Selection {
  readonly parallel?: string;
  readonly json?: boolean;
}

export async function fleetCommand(name: string, op: BenchOp, opts: FleetCliOptions): Promise<void> {
  const stacks = selectStacks(opts);
  const parallel = opts.parallel === undefined ? 4 : Number(opts.parallel);
  const live = (stack: string, line: string) => {
    if (!opts.json) process.stderr.write(`[${stack}] ${line}\n`);
  };
  const results = await runFleet(stacks, op, { parallel, onProgress: live });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ command: name, results }, null, 2)}\n`);
  } else {
    const drift = results.flatMap((r) => ((r.data as PreviewData | undefined)?.hostDrift ?? []).map((d) => [r.stack, d.node, d.what, d.expected, d.found]));
    if (drift.length > 0) process.stdout.write(`\n${table(["BENCH", "NODE", "WHAT", "EXPECTED", "FOUND"], drift)}\n`);
    process.stdout.write(`\n${summary(results)}\n`);
  }
  process.exitCode = exitCode(results);
}

export function summary(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [r.stack, r.outcome, String(r.changes), r.seconds.toFixed(1), r.detail]);
  return table(["BENCH", "RESULT", "CHANGES", "SECONDS", "DETAIL"], rows);
}
