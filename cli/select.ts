/** Chooses the raw config of one bench from command-line options. */
import { parseBenchSpec } from "../lib/spec/parse";
import { BenchConfigError } from "../lib/spec/problems";
import type { RawBenchConfig } from "../lib/spec/raw";
import { readStackConfig, stackFile } from "../lib/spec/source";

export interface SelectOptions {
  readonly room?: string;
  readonly bench?: string;
  readonly stack?: string;
  readonly config?: string;
}

/** --stack or --config give a file; --room/--bench alone describe a bench with every default. */
export function selectRawConfig(opts: SelectOptions): RawBenchConfig {
  const sources = [opts.stack, opts.config].filter((s) => s !== undefined).length;
  if (sources > 1) throw new BenchConfigError([{ field: "--stack/--config", message: "give one of them, not both" }], "selection");
  const file = opts.stack !== undefined ? stackFile(opts.stack) : opts.config;
  if (file === undefined && (opts.room === undefined || opts.bench === undefined)) {
    throw new BenchConfigError([{ field: "--room/--bench", message: "name a bench with --room R --bench B, --stack NAME or --config FILE" }], "selection");
  }
  const raw: RawBenchConfig = file !== undefined ? readStackConfig(file) : {};
  // Command-line room/bench override the file's, so one stack file can stand for a whole room.
  return { ...raw, ...(opts.room !== undefined && { room: opts.room }), ...(opts.bench !== undefined && { bench: opts.bench }) };
}

/** Room and bench of a simulated bench (default room 27 bench 4), validated like a stack's. */
export function parseRoomBench(opts: { room?: string; bench?: string }): { room: number; bench: number } {
  const spec = parseBenchSpec({ room: opts.room ?? "27", bench: opts.bench ?? "4" }, { requireAccess: false });
  return { room: spec.room, bench: spec.bench };
}
