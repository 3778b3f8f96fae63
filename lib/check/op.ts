/**
 * The check operation (`netlab check`): the handout's observations on each selected bench, as named checks. A
 * bench with any failed check counts as failed (the op throws, naming the checks); "not-observable" is never a
 * failure.
 */
import { openStack } from "../engine/workspace";
import { table } from "../facts/cluster-state";
import type { BenchOp, OpOutput } from "../fleet/run";
import { openBenchAccess } from "../remote/bench-access";
import { CheckStatus, failedChecks, type CheckResult } from "./checks";
import { evaluateChecks } from "./evaluate";
import { gatherCheckFacts } from "./gather";

export interface CheckData {
  readonly stack: string;
  readonly benchId: string;
  readonly results: CheckResult[];
}

/** Thrown by the check op when a check fails; carries the results (the fleet runner keeps only the message). */
export class ChecksFailedError extends Error {
  constructor(readonly data: CheckData) {
    const failed = failedChecks(data.results);
    const first = failed[0];
    const why = first ? ` (${first.name}: ${first.evidence})` : "";
    super(`${failed.length} check${failed.length === 1 ? "" : "s"} failed: ${failed.map((r) => r.name).join(", ")}${why}`.slice(0, 400));
    this.name = "ChecksFailedError";
  }
}

/** Gathers and evaluates one bench's checks; never throws because a check failed. */
export async function runChecks(stackName: string, progress: (line: string) => void = () => {}): Promise<CheckData> {
  const access = await openBenchAccess(await openStack(stackName, false));
  try {
    const facts = await gatherCheckFacts(access, progress);
    return { stack: stackName, benchId: access.spec.id, results: evaluateChecks(facts) };
  } finally {
    access.close();
  }
}

export function checkSummary(results: readonly CheckResult[]): string {
  const count = (s: CheckResult["status"]) => results.filter((r) => r.status === s).length;
  return `${count(CheckStatus.Pass)} pass, ${count(CheckStatus.Fail)} fail, ${count(CheckStatus.NotObservable)} not observable`;
}

/**
 * The check op, calling `onChecks` with each bench's results whether they pass or not (so a caller can print
 * the table of a failed bench too).
 */
export function makeCheckOp(onChecks: (data: CheckData) => void = () => {}): BenchOp {
  return async (stackName, progress): Promise<OpOutput> => {
    const data = await runChecks(stackName, progress);
    onChecks(data);
    if (failedChecks(data.results).length > 0) throw new ChecksFailedError(data);
    return { changes: 0, detail: checkSummary(data.results), data };
  };
}

export const checkOp: BenchOp = makeCheckOp();

/** One bench's checks as a plain-text table. */
export function checksTable(stack: string, results: readonly CheckResult[]): string {
  const rows = results.map((r, i) => [String(i + 1), r.name, r.status, r.evidence]);
  return [`bench ${stack}: ${checkSummary(results)}`, table(["#", "CHECK", "STATUS", "EVIDENCE"], rows)].join("\n");
}

export function printChecks(stack: string, results: readonly CheckResult[], write: (text: string) => void = (t) => process.stdout.write(t)): void {
  write(`\n${checksTable(stack, results)}\n`);
}
