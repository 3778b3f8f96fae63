/**
 * Which benches a command acts on: a stack name, a room with a bench list ("1-8,11"), or every stack under
 * stacks/. Problems are reported before anything runs.
 */
import { existsSync, readdirSync } from "node:fs";
import { BenchConfigError, show, type Problem } from "../spec/problems";
import { STACKS_DIR, stackFile } from "../spec/source";

export interface Selection {
  readonly stack?: string;
  readonly room?: string;
  readonly bench?: string;
  readonly all?: boolean;
}

/** "1-8,11" -> [1..8, 11]; each number must be a valid bench octet. */
export function parseBenchList(text: string, problems: Problem[]): number[] {
  const out = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo < 1 || hi > 254 || lo > hi) {
      problems.push({ field: "--bench", message: `${show(part)} is not a bench number or range (1-254, e.g. "1-8,11")` });
      continue;
    }
    for (let b = lo; b <= hi; b++) out.add(b);
  }
  return [...out].sort((a, b) => a - b);
}

/** Stack names (stacks/Pulumi.<name>.yaml) of the selected benches. */
export function selectStacks(sel: Selection, stacksDir = STACKS_DIR): string[] {
  const problems: Problem[] = [];
  const modes = [sel.stack !== undefined, sel.room !== undefined || sel.bench !== undefined, sel.all === true].filter(Boolean).length;
  if (modes !== 1) {
    const message = "choose benches with exactly one of: --stack NAME, --room R --bench LIST, --all";
    throw new BenchConfigError([{ field: "selection", message }], "bench selection");
  }
  const available = existsSync(stacksDir)
    ? readdirSync(stacksDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort()
    : [];
  let stacks: string[] = [];
  if (sel.all) {
    stacks = available;
  } else if (sel.stack !== undefined) {
    stacks = sel.stack.split(",").map((s) => s.trim());
  } else {
    const room = /^\d+$/.test(sel.room ?? "") ? Number(sel.room) : NaN;
    if (!(room >= 1 && room <= 254)) problems.push({ field: "--room", message: `${show(sel.room)} is not a room number (1-254)` });
    if (sel.bench === undefined) problems.push({ field: "--bench", message: "(missing) give the benches, e.g. --bench 1-8,11" });
    const benches = sel.bench === undefined ? [] : parseBenchList(sel.bench, problems);
    stacks = benches.map((b) => `room${room}-bench${b}`);
  }
  for (const s of stacks) {
    if (available.includes(s)) continue;
    problems.push({ field: "stack", message: `${show(s)} has no stacks/Pulumi.${s}.yaml (${stackFile(s)}); known: ${available.join(", ") || "none"}` });
  }
  if (stacks.length === 0 && problems.length === 0) problems.push({ field: "selection", message: `no bench stacks found in ${stacksDir}` });
  if (problems.length > 0) throw new BenchConfigError(problems, "bench selection");
  return stacks;
}
