/** `netlab render`: the offline view of one bench. */
import { planBench } from "../lib/render/plan";
import { writePlan } from "../lib/render/write";
import { parseBenchSpec } from "../lib/spec/parse";
import { selectRawConfig, type SelectOptions } from "./select";

export interface RenderOptions extends SelectOptions {
  readonly out: string;
}

export async function renderCommand(opts: RenderOptions): Promise<void> {
  // Parse (and fail) before anything is written: bad input leaves no partial render behind.
  const spec = parseBenchSpec(selectRawConfig(opts), { requireAccess: false });
  const files = writePlan(planBench(spec), opts.out);
  process.stdout.write(`rendered ${spec.id} (provider ${spec.network.providerCidr}) into ${opts.out}: ${files.length} files\n`);
}
