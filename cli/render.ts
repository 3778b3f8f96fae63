/** `netlab render`: the offline view of one bench, or of every selected bench into DIR/<stack>/. */
import * as path from "node:path";
import { selectStacks } from "../lib/fleet/select";
import { planBench } from "../lib/render/plan";
import { writePlan } from "../lib/render/write";
import { parseBenchSpec } from "../lib/spec/parse";
import { readStackConfig, stackFile } from "../lib/spec/source";
import type { BenchSpec } from "../lib/spec/types";
import { selectRawConfig, type SelectOptions } from "./select";

export interface RenderOptions extends SelectOptions {
  readonly out: string;
  readonly all?: boolean;
}

/** A bench list ("1-8,11"), several stacks or --all: the same selection as the fleet commands. */
function isFleetSelection(opts: RenderOptions): boolean {
  return opts.all === true || /[-,]/.test(opts.bench ?? "") || (opts.stack ?? "").includes(",");
}

export async function renderCommand(opts: RenderOptions): Promise<void> {
  // Parse (and fail) before anything is written: bad input leaves no partial render behind.
  const benches: [string, BenchSpec][] = isFleetSelection(opts)
    ? selectStacks(opts).map((s) => [path.join(opts.out, s), parseBenchSpec(readStackConfig(stackFile(s)), { requireAccess: false })])
    : [[opts.out, parseBenchSpec(selectRawConfig(opts), { requireAccess: false })]];
  for (const [dir, spec] of benches) {
    const files = writePlan(planBench(spec), dir);
    process.stdout.write(`rendered ${spec.id} (provider ${spec.network.providerCidr}) into ${dir}: ${files.length} files\n`);
  }
}
