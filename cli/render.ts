/** `netlab render`: the offline view of one bench, or of every selected bench into DIR/<stack>/. */
import * as path from "node:path";
import { selectStacks } from "../lib/fleet/select";
import { planBench } from "../lib/render/plan";
import { checkOutDir, renderInto } from "../lib/render/out-dir";
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
  checkOutDir(opts.out);
  // Parse (and fail) before anything is written: bad input leaves no partial render behind.
  const benches: [string, BenchSpec][] = isFleetSelection(opts)
    ? selectStacks(opts).map((s) => [path.join(opts.out, s), parseBenchSpec(readStackConfig(stackFile(s)), { requireAccess: false })])
    : [[opts.out, parseBenchSpec(selectRawConfig(opts), { requireAccess: false })]];
  // Plan everything first (a plan can be refused too), then write it all or nothing.
  const plans = benches.map(([dir, spec]) => [path.relative(opts.out, dir), planBench(spec)] as const);
  const counts = renderInto(opts.out, (tmp) => plans.map(([rel, plan]) => writePlan(plan, path.join(tmp, rel)).length));
  plans.forEach(([rel, plan], i) => {
    process.stdout.write(`rendered ${plan.spec.id} (provider ${plan.spec.network.providerCidr}) into ${path.join(opts.out, rel)}: ${counts[i]} files\n`);
  });
}
