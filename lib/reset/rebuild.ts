/** The rebuild part of a reset: destroying the cluster (or everything), checking the nodes clean, waiting for the lab, fresh ARP caches. */
import type { Stack } from "@pulumi/pulumi/automation";
import { cleanCheckArgs } from "../concerns";
import type { ClusterState } from "../facts/cluster-state";
import type { BenchAccess } from "../remote/bench-access";
import { nodeRoot } from "../spec/nodes";
import { ResetLevel } from "./plan";
import { CLEAN_CHECK, cleanCheckResults, CleanResult, FLUSH_ARP, parseKeyValues, runScript, type CleanCheck } from "./scripts";

/** How a reset step ended. */
export const StepOutcome = { Done: "done", Planned: "planned", Skipped: "skipped" } as const;
export type StepOutcome = (typeof StepOutcome)[keyof typeof StepOutcome];
export type Note = (step: string, outcome: StepOutcome, detail: string) => void;

/** URNs of the Kubernetes objects the stack applied (everything through the bench's Kubernetes provider). */
export function kubernetesObjectUrns(resources: readonly { urn: string; type: string }[]): string[] {
  return resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.urn);
}

/**
 * URNs of the kubeadm and cluster stages: Kubernetes objects, the kubeadm component and its steps. Destroyed
 * with targetDependents, this also takes the bench's Kubernetes provider and the add-on components.
 */
export function clusterStageUrns(resources: readonly { urn: string; type: string }[]): string[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("netlab:cluster") || (r.urn.split("::").pop() ?? "").includes("-kubeadm-"))
    .map((r) => r.urn);
}

function sumChanges(all: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) if (k !== "same") out[k] = (out[k] ?? 0) + v;
  return out;
}

/** 4. cluster and hosts: destroy, then check every node clean. */
export async function destroyAndCheck(
  stack: Stack,
  access: BenchAccess,
  level: ResetLevel,
  events: (out: string) => void,
  note: Note,
): Promise<{ destroy: Record<string, number>; cleanChecks: CleanCheck[] }> {
  const { spec } = access;
  // First the Kubernetes objects alone, while their provider stays: destroying them in the same run as the
  // kubeadm step the provider's kubeconfig comes from fails with "grpc: the client connection is closing"
  // (pulumi/pulumi#14650).
  const resources = ((await stack.exportStack()).deployment?.resources ?? []) as { urn: string; type: string }[];
  const objects = kubernetesObjectUrns(resources);
  const counts: Record<string, number>[] = [];
  if (objects.length > 0) counts.push((await stack.destroy({ onOutput: events, target: objects, targetDependents: true })).summary.resourceChanges ?? {});
  if (level === ResetLevel.Cluster) {
    const urns = clusterStageUrns(((await stack.exportStack()).deployment?.resources ?? []) as { urn: string; type: string }[]);
    // An empty target list means no --target at all, which would destroy the hosts stage too.
    if (urns.length > 0) counts.push((await stack.destroy({ onOutput: events, target: urns, targetDependents: true })).summary.resourceChanges ?? {});
    const stage = `the kubeadm stage (${urns.length} targeted resources and their dependents)`;
    note("destroy", StepOutcome.Done, `Kubernetes objects (${objects.length}), then ${stage}`);
  } else {
    counts.push((await stack.destroy({ onOutput: events })).summary.resourceChanges ?? {});
    note("destroy", StepOutcome.Done, `Kubernetes objects (${objects.length}), then every stage`);
  }
  const cleanChecks: CleanCheck[] = [];
  for (const node of spec.nodes) {
    const text = await runScript(access, node.name, "netlab-reset-clean-check", CLEAN_CHECK, [nodeRoot(spec, node.name), ...cleanCheckArgs()]);
    cleanChecks.push(...cleanCheckResults(node.name, text));
  }
  const dirty = cleanChecks.filter((c) => c.result === CleanResult.Dirty);
  if (dirty.length > 0) {
    throw new Error(
      `after the destroy, nodes are not clean: ${dirty.map((c) => `${c.node} ${c.what}=${c.found}`).join("; ")}; not bringing the bench up on dirty nodes`,
    );
  }
  note("clean-check", StepOutcome.Done, `${cleanChecks.length} check(s) clean on ${spec.nodes.length} nodes`);
  return { destroy: sumChanges(counts), cleanChecks };
}

/** 5. Fresh neighbour tables in the lab pods (the recreated pods start empty; this covers any reuse of a sandbox). */
export async function flushArp(access: BenchAccess, state: ClusterState, note: Note): Promise<void> {
  const { spec } = access;
  const done: string[] = [];
  for (const node of spec.nodes) {
    const pods = state.pods.filter((p) => p.node === node.name).map((p) => p.name);
    if (pods.length === 0) continue;
    for (const [pod, what] of parseKeyValues(await runScript(access, node.name, "netlab-reset-arp", FLUSH_ARP, pods))) done.push(`${pod} ${what}`);
  }
  note("arp-flush", StepOutcome.Done, done.join(", ") || "no lab pod found");
}
