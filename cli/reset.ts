/**
 * `netlab reset`: archive the students' work, then bring the selected benches back to the handout's state
 * (lib/reset/reset.ts). Asks before it runs unless --yes or --dry-run; refuses when it cannot ask.
 */
import { selectStacks } from "../lib/fleet/select";
import { confirmReset, resetOp } from "../lib/reset/op";
import { parseResetLevel } from "../lib/reset/plan";
import { fleetCommand, type FleetCliOptions } from "./fleet";

export interface ResetCliOptions extends FleetCliOptions {
  readonly level?: string;
  readonly yes?: boolean;
  readonly dryRun?: boolean;
  readonly discardUnarchived?: boolean;
}

/** `netlab reset [--level workloads|cluster|hosts] [--dry-run] [--yes] [--discard-unarchived] <selection>`. */
export async function resetCommand(opts: ResetCliOptions): Promise<void> {
  const level = parseResetLevel(opts.level);
  const stacks = selectStacks(opts);
  if (!(await confirmReset(stacks, level, { yes: opts.yes, dryRun: opts.dryRun }))) {
    process.stderr.write("reset cancelled; nothing changed\n");
    process.exitCode = 1;
    return;
  }
  await fleetCommand(opts.dryRun ? "reset --dry-run" : "reset", resetOp(level, { dryRun: opts.dryRun, discardUnarchived: opts.discardUnarchived }), opts);
}
