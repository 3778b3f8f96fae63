/** Runs every concern's checks on one bench's facts, in the handout's order. */
import { benchChecks } from "../concerns";
import type { CheckFacts, CheckResult } from "./checks";

export function evaluateChecks(f: CheckFacts): CheckResult[] {
  return benchChecks().map((c) => c.evaluate(f));
}
