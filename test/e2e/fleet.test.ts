/**
 * The fleet runner with the real engine on two simulated benches: with --parallel 2 the benches' engine runs
 * overlap (one after the other with --parallel 1), and each bench gets its own result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewOp } from "../../lib/fleet/ops";
import { runFleet, type BenchOp } from "../../lib/fleet/run";
import { simDown, simUp } from "../../lib/sim/sim";

const BENCHES = [
  [33, 8],
  [34, 9],
] as const;
const MINUTE = 60_000;
const stacks: string[] = [];

beforeAll(async () => {
  for (const [room, bench] of BENCHES) {
    await simDown(room, bench);
    stacks.push((await simUp(room, bench)).stackName);
  }
}, 5 * MINUTE);

afterAll(async () => {
  for (const [room, bench] of BENCHES) await simDown(room, bench);
}, 5 * MINUTE);

/** Runs previews through the fleet runner, recording when each bench's engine run started and ended. */
async function timedRun(parallel: number) {
  const spans: Record<string, [number, number]> = {};
  const op: BenchOp = async (stack, progress) => {
    const start = Date.now();
    try {
      return await previewOp(stack, progress);
    } finally {
      spans[stack] = [start, Date.now()];
    }
  };
  const started = Date.now();
  const results = await runFleet(stacks, op, { parallel });
  return { results, spans, wall: Date.now() - started };
}

const overlap = (a: [number, number], b: [number, number]) => Math.min(a[1], b[1]) - Math.max(a[0], b[0]);

describe("fleet on two simulated benches", () => {
  it(
    "runs benches concurrently with --parallel 2 and one at a time with --parallel 1",
    async () => {
      const together = await timedRun(2);
      expect(together.results.map((r) => [r.stack, r.outcome])).toEqual(stacks.map((s) => [s, "ok"]));
      const [a, b] = stacks.map((s) => together.spans[s]!);
      expect(overlap(a!, b!), "the two engine runs overlap").toBeGreaterThan(0);

      const apart = await timedRun(1);
      expect(apart.results.every((r) => r.outcome === "ok")).toBe(true);
      const [c, d] = stacks.map((s) => apart.spans[s]!);
      expect(overlap(c!, d!), "one after the other").toBeLessThanOrEqual(0);
      process.stderr.write(`fleet: 2 benches, --parallel 2 took ${together.wall} ms, --parallel 1 took ${apart.wall} ms\n`);
    },
    10 * MINUTE,
  );
});
