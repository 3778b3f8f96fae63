/** The per-bench operations the CLI runs through the fleet runner, on the real engine. */
import type { OpOutput } from "./run";
import { openStack } from "../engine/workspace";

/** Number of resources an operation touched (everything but "same"). */
export function changedCount(changes: Record<string, number> | undefined): number {
  return Object.entries(changes ?? {}).filter(([k]) => k !== "same").reduce((n, [, v]) => n + v, 0);
}

function describe(changes: Record<string, number> | undefined): string {
  const parts = Object.entries(changes ?? {}).filter(([k, v]) => k !== "same" && v > 0).map(([k, v]) => `${v} ${k}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

/** Last non-empty line of engine output, for a bench's live progress line. */
function lineFeed(progress: (line: string) => void): (out: string) => void {
  return (out) => {
    const line = out.split("\n").map((l) => l.trim()).filter(Boolean).pop();
    if (line) progress(line);
  };
}

export async function upOp(stack: string, progress: (line: string) => void): Promise<OpOutput> {
  const s = await openStack(stack);
  const r = await s.up({ onOutput: lineFeed(progress) });
  return { changes: changedCount(r.summary.resourceChanges), detail: describe(r.summary.resourceChanges) };
}

/** A refresh preview: what differs between the bench and its stack. Changes nothing. */
export async function previewOp(stack: string, progress: (line: string) => void): Promise<OpOutput> {
  const s = await openStack(stack);
  const r = await s.preview({ refresh: true, diff: true, onOutput: lineFeed(progress) });
  return { changes: changedCount(r.changeSummary), detail: describe(r.changeSummary), data: r.changeSummary };
}
