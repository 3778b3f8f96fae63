/** The per-bench operations the CLI runs through the fleet runner, on the real engine. */
import type { OpOutput } from "./run";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { appendFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { NETLAB_DIR, openStack } from "../engine/workspace";
import { hostDriftFromEvents, type DriftLine } from "./drift";

/** Number of resources an operation touched (everything but "same"). */
export function changedCount(changes: Record<string, number> | undefined): number {
  return Object.entries(changes ?? {})
    .filter(([k]) => k !== "same")
    .reduce((n, [, v]) => n + v, 0);
}

function describe(changes: Record<string, number> | undefined): string {
  const parts = Object.entries(changes ?? {})
    .filter(([k, v]) => k !== "same" && v > 0)
    .map(([k, v]) => `${v} ${k}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

/** Where an operation's whole engine output on one bench is kept (the last run of that operation). */
export function engineLogPath(stack: string, op: string): string {
  return path.join(NETLAB_DIR, "logs", `${stack}-${op}.log`);
}

/** The run before the last one's log: a second `up` (no change) would otherwise erase the log of the first. */
export function previousEngineLogPath(stack: string, op: string): string {
  return engineLogPath(stack, `${op}.previous`);
}

/**
 * The engine's output as it streams: every chunk appended to the bench's log (engineLogPath, mode 0600; the
 * engine prints secrets as [secret]), its last non-empty line to the bench's live progress line. A run killed
 * halfway still leaves what it did; the run before it is kept beside it (previousEngineLogPath).
 */
export function lineFeed(stack: string, op: string, progress: (line: string) => void): (out: string) => void {
  const file = engineLogPath(stack, op);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) renameSync(file, previousEngineLogPath(stack, op));
  writeFileSync(file, "", { mode: 0o600 });
  return (out) => {
    appendFileSync(file, out);
    const line = out
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .pop();
    if (line) progress(line);
  };
}

export async function upOp(stack: string, progress: (line: string) => void, refresh = false): Promise<OpOutput> {
  const s = await openStack(stack);
  const r = await s.up({ refresh, onOutput: lineFeed(stack, "up", progress) });
  return { changes: changedCount(r.summary.resourceChanges), detail: describe(r.summary.resourceChanges) };
}

/**
 * `up --refresh`: the stack's state is first read back from the bench (hosts and cluster), so whatever drifted is
 * put back, as a refresh preview showed. A plain `up` plans from the recorded state and repairs nothing.
 */
export const refreshUpOp = (stack: string, progress: (line: string) => void): Promise<OpOutput> => upOp(stack, progress, true);

export interface PreviewData {
  /** The engine's plan after a refresh: what `up --refresh` would do. */
  readonly changeSummary: Record<string, number>;
  /** Differences the host probes found (resources of the hosts and kubeadm stages). */
  readonly hostDrift: DriftLine[];
}

/**
 * Resource operations a refresh preview runs at once: every read of a bench (its ~40 resources), so the host steps'
 * probes reach the SSH runner together and each node is read in one round trip (lib/remote/ssh-probe.ts probeSsh), not in
 * the engine's default batches of 4 per CPU.
 */
export const PREVIEW_PARALLEL = 64;

/** A refresh preview: what differs between the bench and its stack, hosts included. Changes nothing. */
export async function previewOp(stack: string, progress: (line: string) => void): Promise<OpOutput> {
  const s = await openStack(stack, false);
  const events: EngineEvent[] = [];
  const onOutput = lineFeed(stack, "preview", progress);
  const r = await s.preview({ refresh: true, parallel: PREVIEW_PARALLEL, onOutput, onEvent: (e) => events.push(e) });
  const data: PreviewData = { changeSummary: r.changeSummary, hostDrift: hostDriftFromEvents(events) };
  const host = data.hostDrift.length > 0 ? `; host drift: ${data.hostDrift.length}` : "";
  return { changes: changedCount(r.changeSummary), detail: `${describe(r.changeSummary)}${host}`, data };
}
