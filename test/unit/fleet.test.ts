import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCode, runFleet, type BenchOp } from "../../lib/fleet/run";
import { parseBenchList, selectStacks } from "../../lib/fleet/select";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("runFleet under a fake engine", () => {
  it("never runs more than --parallel benches at once, and runs them all", async () => {
    let running = 0;
    let peak = 0;
    const op: BenchOp = async (stack, progress) => {
      running++;
      peak = Math.max(peak, running);
      progress(`working on ${stack}`);
      await sleep(20);
      running--;
      return { changes: Number(stack.slice(-1)), detail: "done" };
    };
    const lines: string[] = [];
    const stacks = ["b1", "b2", "b3", "b4", "b5", "b6", "b7"];
    const results = await runFleet(stacks, op, { parallel: 3, onProgress: (s, l) => lines.push(`${s}: ${l}`) });
    expect(peak).toBe(3);
    expect(results.map((r) => [r.stack, r.outcome, r.changes])).toEqual(stacks.map((s) => [s, "ok", Number(s.slice(-1))]));
    expect(lines).toHaveLength(7);
    expect(exitCode(results)).toBe(0);
  });

  it("keeps going when a bench fails, tells busy from failed, and exits non-zero", async () => {
    const op: BenchOp = async (stack) => {
      await sleep(5);
      if (stack === "broken") throw new Error("error: update failed\n  error: ssh: handshake failed: host key mismatch for compute2");
      if (stack === "locked") {
        throw Object.assign(Object.create(ConcurrentUpdateError.prototype), { message: "conflict: Another update is currently in progress." });
      }
      return { changes: 0, detail: "no changes" };
    };
    const results = await runFleet(["good", "broken", "locked", "good2"], op, { parallel: 2 });
    expect(results.map((r) => r.outcome)).toEqual(["ok", "failed", "busy", "ok"]);
    expect(results[1]!.detail).toContain("host key mismatch for compute2");
    expect(results[2]!.detail).toMatch(/lock/);
    expect(exitCode(results)).toBe(1);
  });

  it("refuses a bad --parallel", async () => {
    await expect(runFleet(["a"], async () => ({ changes: 0, detail: "" }), { parallel: 0 })).rejects.toThrow(/--parallel 0/);
  });
});

describe("bench selection", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stacks-"));
  mkdirSync(dir, { recursive: true });
  for (const b of [1, 2, 3, 4, 11]) writeFileSync(path.join(dir, `Pulumi.room27-bench${b}.yaml`), "config: {}\n");
  writeFileSync(path.join(dir, "Pulumi.room30-bench1.yaml"), "config: {}\n");

  it("parses bench lists", () => {
    expect(parseBenchList("1-3,11,2", [])).toEqual([1, 2, 3, 11]);
    const problems: { field: string; message: string }[] = [];
    expect(parseBenchList("0,5-2,x", problems)).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      '"0" is not a bench number or range (1-254, e.g. "1-8,11")',
      '"5-2" is not a bench number or range (1-254, e.g. "1-8,11")',
      '"x" is not a bench number or range (1-254, e.g. "1-8,11")',
    ]);
  });

  it("selects by room and bench list, by stack, or all", () => {
    expect(selectStacks({ room: "27", bench: "1-2,11" }, dir)).toEqual(["room27-bench1", "room27-bench2", "room27-bench11"]);
    expect(selectStacks({ stack: "room30-bench1" }, dir)).toEqual(["room30-bench1"]);
    expect(selectStacks({ all: true }, dir)).toHaveLength(6);
  });

  it("refuses --bench 0, unknown stacks and ambiguous selections before anything runs", () => {
    expect(() => selectStacks({ room: "27", bench: "0" }, dir)).toThrow(/--bench: "0" is not a bench number/);
    expect(() => selectStacks({ stack: "room99-bench1" }, dir)).toThrow(/stack: "room99-bench1" has no stacks\/Pulumi\.room99-bench1\.yaml/);
    expect(() => selectStacks({ room: "27", bench: "5" }, dir)).toThrow(/"room27-bench5" has no stacks/);
    expect(() => selectStacks({ all: true, stack: "room27-bench1" }, dir)).toThrow(/exactly one of/);
    expect(() => selectStacks({ room: "x", bench: "1" }, dir)).toThrow(/--room: "x" is not a room number/);
  });
});
