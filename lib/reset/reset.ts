/**
 * `netlab reset`: brings a bench back to the state the handout expects between two groups of students.
 *
 * Always first the archive: the students' files (lab user's home on the controller) and the YAML of the
 * objects they made, in a timestamped tar.gz on the controller under /var/backups/netlab/ (under the node's
 * root in simulation) and a verified copy on the instructor's machine under .netlab/archives/<benchId>/.
 * Nothing is deleted unless the local copy lists every planned entry and matches the remote checksum.
 *
 * Then, at every level, the student-made objects are deleted and the student files removed; after that
 * - workloads: the lab pods are deleted and recreated (`up --refresh`; the ReplicaSet recreates webserver-1's),
 *   and their ARP caches flushed (real bench only);
 * - cluster: the kubeadm and cluster stages are destroyed, each node is checked clean, and the bench brought up;
 * - hosts: everything is destroyed, each node checked clean, and the bench brought up.
 * A dry run lists and plans, and changes nothing (not even the local archive directory).
 */
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { openStack } from "../engine/workspace";
import { readClusterState, type ClusterState } from "../facts/cluster-state";
import { labClientObjects, labServerObjects } from "../render/lab";
import {
  LAB_NAMESPACE, LISTED_KINDS, ResetLevel, describePlan, kubectlName, planReset,
  type ListedObject, type ObjectRef, type ResetPlan,
} from "./plan";

import { benchAccess, controllerOf, kubectl, labHome, localArchivePath, localRun, nodeRoot, remoteArchiveDir, runScript, timestamp } from "./access";
import { ARCHIVE_LIMITS, boundArchive, LIST_HOME_ENCODED, nameBytes, parseEncodedListing, tarEscape } from "./names";
import {
  NOT_OBSERVABLE, type CleanCheck, CLEAN_CHECK, FLUSH_ARP, LIST_SKEL, MAKE_ARCHIVE, REMOVE_HOME_ENTRIES, cleanCheckResults, generatedFiles, parseKeyValues,
} from "./scripts";

export { ResetLevel, parseResetLevel, RESET_LEVELS } from "./plan";
export { benchAccess, nodeRoot, remoteArchiveDir, localArchivePath, timestamp, type BenchAccess } from "./access";
export { cleanCheckResults, NOT_OBSERVABLE, type CleanCheck } from "./scripts";


export interface ResetOptions {
  /** @default "workloads" */
  readonly level?: ResetLevel;
  /** List and plan only: nothing on the bench or the instructor's machine changes. */
  readonly dryRun?: boolean;
  /** Called with one line per step (and the engine's latest output line). */
  readonly progress?: (line: string) => void;
  /** How long to wait for the lab pods to run again. @default 300 s */
  readonly podTimeoutMs?: number;
}

export type StepOutcome = "done" | "planned" | "skipped" | typeof NOT_OBSERVABLE;

export interface StepNote {
  readonly step: string;
  readonly outcome: StepOutcome;
  readonly detail: string;
}


export interface ArchiveInfo {
  /** On the controller (its real path; in simulation the path under the sim root). */
  readonly remote: string;
  /** On the instructor's machine. */
  readonly local: string;
  /** Entries of the archive (tar -tzf of the local copy), or the planned ones in a dry run. */
  readonly entries: string[];
  /** sha256 of the archive (empty in a dry run). */
  readonly sha256: string;
  readonly bytes: number;
}

export interface ResetResult {
  readonly stack: string;
  readonly benchId: string;
  readonly target: "bench" | "sim";
  readonly level: ResetLevel;
  readonly dryRun: boolean;
  readonly plan: ResetPlan;
  readonly archive: ArchiveInfo;
  readonly deletedObjects: ObjectRef[];
  readonly removedFiles: string[];
  /** Lab pods deleted and recreated (workloads level). */
  readonly recreatedPods: ObjectRef[];
  /** Node-clean checks after a destroy (cluster and hosts levels). */
  readonly cleanChecks: CleanCheck[];
  /** Engine change summaries of the destroy and the up, when they ran. */
  readonly engine: { readonly destroy?: Record<string, number>; readonly up?: Record<string, number> };
  readonly notes: StepNote[];
}

function engineLines(progress: (line: string) => void): (out: string) => void {
  return (out) => {
    const line = out.split("\n").map((l) => l.trim()).filter(Boolean).pop();
    if (line) progress(`engine: ${line}`);
  };
}

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

async function waitForLab(kubeconfig: string, timeoutMs: number): Promise<ClusterState> {
  const start = Date.now();
  let last = "no answer";
  for (;;) {
    try {
      const s = await readClusterState(kubeconfig);
      const names = s.pods.map((p) => p.name);
      const running = s.pods.filter((p) => p.phase === "Running" && p.ip);
      const labPods = names.includes("client-1") && names.includes("client-2") && names.some((n) => n.startsWith("webserver-1-"));
      if (labPods && running.length === s.pods.length && s.webserverEndpoints.length > 0) return s;
      last = s.pods.map((p) => `${p.name} ${p.phase || "?"}`).join(", ") || "no lab pods";
    } catch (e) {
      last = (e as Error).message.split("\n")[0]!;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`the lab pods did not run again within ${Math.round(timeoutMs / 1000)} s: ${last}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Resets one bench. See the module comment for what each level does. */
export async function resetBench(stackName: string, opts: ResetOptions = {}): Promise<ResetResult> {
  const level = opts.level ?? ResetLevel.Workloads;
  const dryRun = opts.dryRun ?? false;
  const progress = opts.progress ?? (() => {});
  const notes: StepNote[] = [];
  const note = (step: string, outcome: StepOutcome, detail: string) => {
    notes.push({ step, outcome, detail });
    progress(`${step}: ${outcome === "done" ? "" : `${outcome}: `}${detail}`);
  };

  const stack = await openStack(stackName, false);
  const access = await benchAccess(stack);
  const { spec } = access;
  const controller = controllerOf(spec);
  const root = nodeRoot(spec, controller);

  // 1. What is there.
  progress(`listing namespace ${LAB_NAMESPACE} and ~${spec.labUser} on ${controller.name}`);
  const listed = JSON.parse(await kubectl(access.kubeconfig, ["-n", LAB_NAMESPACE, "get", LISTED_KINDS.join(","), "-o", "json"])) as { items: ListedObject[] };
  // Names as bytes (base64) with their disk space: any name is handled, oversize entries are left in place.
  const home = parseEncodedListing(await runScript(access, controller, "netlab-reset-list", LIST_HOME_ENCODED, [labHome(spec)]));
  const skeleton = (await runScript(access, controller, "netlab-reset-skel", LIST_SKEL, [`${root}/etc/skel`])).split("\0").filter(Boolean);
  const labObjects = [...labServerObjects(spec), ...labClientObjects(spec)].map((o) => ({ kind: o.kind, name: o.metadata.name }));
  const planned = planReset({ level, objects: listed.items, home, labObjects, skeleton });
  const { keep, leftInPlace } = boundArchive(planned.removeFiles, home);
  const plan = { ...planned, removeFiles: keep, archive: planned.archive.filter((a) => !("file" in a.source) || keep.includes(a.source.file)) };
  for (const line of describePlan(plan)) progress(`${dryRun ? "would " : ""}${line}`);
  if (leftInPlace.length > 0) {
    const files = leftInPlace.map((f) => `~${spec.labUser}/${f.name} (${f.bytes < 0 ? "size unknown" : `${f.bytes} bytes`})`).join(", ");
    const limits = `over ${ARCHIVE_LIMITS.entryBytes >> 20} MiB each or ${ARCHIVE_LIMITS.totalBytes >> 20} MiB in all, or not measurable in 60 s`;
    note("oversize-files", "skipped", `left in place, neither archived nor removed (${limits}): ${files}; move them off the bench by hand`);
  }
  const b64 = (names: readonly string[]) => names.map((n) => nameBytes(n).toString("base64"));

  const stamp = timestamp();
  const remote = `${remoteArchiveDir(spec)}/reset-${stamp}.tar.gz`;
  const local = localArchivePath(spec.id, stamp);
  const base = { stack: stackName, benchId: spec.id, target: spec.target, level, dryRun, plan };
  if (dryRun) {
    note("archive", "planned", `${plan.archive.length} item(s) into ${remote} and ${path.relative(process.cwd(), local)}`);
    return {
      ...base,
      archive: { remote, local, entries: ["reset-plan.json", ...plan.archive.map((a) => a.path)], sha256: "", bytes: 0 },
      deletedObjects: [], removedFiles: [], recreatedPods: [], cleanChecks: [], engine: {}, notes,
    };
  }

  // 2. The archive, on the controller, then a verified copy here. Nothing is deleted before this succeeds.
  const generated = generatedFiles(plan, listed.items, { stack: stackName, benchId: spec.id, level, time: new Date().toISOString() });
  const stdin = generated.map(([rel, text]) => `${rel}\t${Buffer.from(text).toString("base64")}\n`).join("");
  const archiveArgs = [labHome(spec), remoteArchiveDir(spec), `reset-${stamp}.tar.gz`, ...b64(plan.removeFiles)];
  const made = (await runScript(access, controller, "netlab-reset-archive", MAKE_ARCHIVE, archiveArgs, stdin)).trim().split(" ");
  const [remotePath, remoteSha, remoteBytes] = [made[0] ?? "", made[1] ?? "", Number(made[2])];
  if (remotePath !== remote || !/^[0-9a-f]{64}$/.test(remoteSha)) {
    throw new Error(`archive on ${controller.name}: unexpected answer ${JSON.stringify(made.join(" "))}`);
  }
  note("archive", "done", `${remote} on ${controller.name} (${remoteBytes} bytes)`);
  const encoded = await runScript(access, controller, "netlab-reset-fetch", `base64 -w0 -- "$1"`, [remote], undefined, { maxOutputBytes: 512 << 20 });
  const bytes = Buffer.from(encoded.trim(), "base64");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== remoteSha) throw new Error(`archive copy of ${remote}: sha256 ${sha256} differs from the controller's ${remoteSha}; nothing was deleted`);
  mkdirSync(path.dirname(local), { recursive: true, mode: 0o700 });
  writeFileSync(`${local}.tmp`, bytes, { mode: 0o600 });
  renameSync(`${local}.tmp`, local);
  // Listed with every byte escaped, one entry per line whatever the names hold; compared in the same escape.
  const entries = (await localRun("env", ["LC_ALL=C", "tar", "--quoting-style=escape", "-tzf", local]))
    .split("\n")
    .map((e) => e.replace(/^\.\//, "").replace(/\/$/, ""))
    .filter((e) => e !== "" && e !== ".");
  const asListed = (p: string) => (p.startsWith("home/") ? `home/${tarEscape(nameBytes(p.slice(5)))}` : p);
  const missing = [...generated.map(([rel]) => rel), ...plan.archive.map((a) => a.path)].filter((p) => !entries.includes(asListed(p)));
  if (missing.length > 0) throw new Error(`archive ${local} lacks ${missing.join(", ")}; nothing was deleted`);
  note("archive-copy", "done", `${path.relative(process.cwd(), local)} (${bytes.length} bytes, sha256 verified, ${entries.length} entries)`);
  const archive: ArchiveInfo = { remote, local, entries, sha256, bytes: bytes.length };

  // 3. Student objects and files.
  const deletedObjects: ObjectRef[] = [];
  if (plan.deleteObjects.length > 0) {
    await kubectl(access.kubeconfig, [
      "-n", LAB_NAMESPACE, "delete", ...plan.deleteObjects.map(kubectlName), "--ignore-not-found", "--wait=true", "--timeout=180s",
    ]);
    deletedObjects.push(...plan.deleteObjects);
  }
  if (deletedObjects.length > 0) note("student-objects", "done", `deleted ${deletedObjects.map(kubectlName).join(", ")}`);
  else note("student-objects", "skipped", "none");
  if (plan.removeFiles.length > 0) await runScript(access, controller, "netlab-reset-remove", REMOVE_HOME_ENTRIES, [labHome(spec), ...b64(plan.removeFiles)]);
  if (plan.removeFiles.length > 0) note("student-files", "done", `removed ${plan.removeFiles.map((f) => `~${spec.labUser}/${f}`).join(", ")}`);
  else note("student-files", "skipped", "none");

  const engine: { destroy?: Record<string, number>; up?: Record<string, number> } = {};
  const cleanChecks: CleanCheck[] = [];
  const recreatedPods: ObjectRef[] = [];
  const events = engineLines(progress);

  // 4. The level's rebuild.
  if (level === ResetLevel.Workloads) {
    if (plan.recreatePods.length > 0) {
      await kubectl(access.kubeconfig, [
        "-n", LAB_NAMESPACE, "delete", ...plan.recreatePods.map(kubectlName), "--ignore-not-found", "--wait=true", "--timeout=180s",
      ]);
      recreatedPods.push(...plan.recreatePods);
    }
    note("lab-pods", "done", `deleted ${recreatedPods.map(kubectlName).join(", ") || "none (already gone)"}; bringing them back`);
  } else {
    // First the Kubernetes objects alone, while their provider stays: destroying them in the same run as the
    // kubeadm step the provider's kubeconfig comes from fails with "grpc: the client connection is closing"
    // (pulumi/pulumi#14650).
    const resources = ((await stack.exportStack()).deployment?.resources ?? []) as { urn: string; type: string }[];
    const objects = kubernetesObjectUrns(resources);
    const counts: Record<string, number>[] = [];
    if (objects.length > 0) counts.push((await stack.destroy({ onOutput: events, target: objects, targetDependents: true })).summary.resourceChanges ?? {});
    if (level === ResetLevel.Cluster) {
      const urns = clusterStageUrns(((await stack.exportStack()).deployment?.resources ?? []) as { urn: string; type: string }[]);
      counts.push((await stack.destroy({ onOutput: events, target: urns, targetDependents: true })).summary.resourceChanges ?? {});
      note("destroy", "done", `Kubernetes objects (${objects.length}), then the kubeadm stage (${urns.length} targeted resources and their dependents)`);
    } else {
      counts.push((await stack.destroy({ onOutput: events })).summary.resourceChanges ?? {});
      note("destroy", "done", `Kubernetes objects (${objects.length}), then every stage`);
    }
    engine.destroy = sumChanges(counts);
    for (const node of spec.nodes) {
      const text = await runScript(access, node, "netlab-reset-clean-check", CLEAN_CHECK, [nodeRoot(spec, node), spec.target]);
      cleanChecks.push(...cleanCheckResults(node.name, text, spec.target));
    }
    const dirty = cleanChecks.filter((c) => c.result === "dirty");
    if (dirty.length > 0) {
      const found = dirty.map((c) => `${c.node} ${c.what}=${c.found}`).join("; ");
      throw new Error(`after the destroy, nodes are not clean: ${found}; not bringing the bench up on dirty nodes`);
    }
    const unobservable = cleanChecks.filter((c) => c.result === NOT_OBSERVABLE).length;
    const hidden = unobservable > 0 ? `, ${unobservable} ${NOT_OBSERVABLE}` : "";
    note("clean-check", "done", `${cleanChecks.length - unobservable} check(s) clean on ${spec.nodes.length} nodes${hidden}`);
  }

  const up = await stack.up({ refresh: true, onOutput: events });
  engine.up = up.summary.resourceChanges ?? {};
  note("up", "done", Object.entries(engine.up).filter(([k]) => k !== "same").map(([k, v]) => `${v} ${k}`).join(", ") || "no changes");
  const kubeconfig = (up.outputs.kubeconfig?.value as string | undefined) ?? access.kubeconfig;
  const state = await waitForLab(kubeconfig, opts.podTimeoutMs ?? 300_000);
  note("lab-running", "done", state.pods.map((p) => `${p.name} on ${p.node} ${p.ip}`).join(", "));

  // 5. Fresh neighbour tables in the lab pods (the recreated pods start empty; this covers any reuse of a sandbox).
  if (spec.target === "sim") {
    note("arp-flush", NOT_OBSERVABLE, "kwok pods have no network namespace");
  } else {
    const done: string[] = [];
    for (const node of spec.nodes) {
      const pods = state.pods.filter((p) => p.node === node.name).map((p) => p.name);
      if (pods.length === 0) continue;
      for (const [pod, what] of parseKeyValues(await runScript(access, node, "netlab-reset-arp", FLUSH_ARP, pods))) done.push(`${pod} ${what}`);
    }
    note("arp-flush", "done", done.join(", ") || "no lab pod found");
  }

  return { ...base, archive, deletedObjects, removedFiles: [...plan.removeFiles], recreatedPods, cleanChecks, engine, notes };
}
