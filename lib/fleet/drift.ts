/** Host drift as the engine sees it in a refresh preview: one line per difference. */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { hostDrift } from "../remote/host-drift";

export interface DriftLine {
  readonly node: string;
  /** The step (resource) that owns it, e.g. "room27-bench4-compute2-base-os". */
  readonly step: string;
  readonly what: string;
  readonly expected: string;
  readonly found: string;
}

/** Reads the SshStep and JoinStep refreshes out of a preview's engine events. */
export function hostDriftFromEvents(events: readonly EngineEvent[]): DriftLine[] {
  const lines: DriftLine[] = [];
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (!m || m.op !== "refresh" || !(m.type.endsWith(":SshStep") || m.type.endsWith(":JoinStep"))) continue;
    const outputs = (m.new?.outputs ?? {}) as { node?: string; expect?: Record<string, string>; observed?: Record<string, string> };
    for (const d of hostDrift(outputs.expect ?? {}, outputs.observed)) {
      lines.push({ node: outputs.node ?? "?", step: m.urn.split("::").pop() ?? m.urn, ...d });
    }
  }
  return lines.sort((a, b) => `${a.node}${a.what}`.localeCompare(`${b.node}${b.what}`));
}
