/**
 * `netlab reset`: brings a bench back to the state the handout expects between two groups of students.
 *
 * Always first the archive, of everything of the students' that the level will remove or destroy: the files in
 * the lab user's home on the controller, and the YAML of the objects they made (workloads: namespace default;
 * cluster and hosts, whose rebuild wipes the cluster: every object of every listable kind, all namespaces and
 * cluster-scoped, custom resources included). It is a timestamped tar.gz on the controller under
 * /var/backups/netlab/ (under the node's root in simulation) and a verified copy on the instructor's machine
 * under .netlab/archives/<benchId>/, both private (0600). Nothing is deleted unless the local copy lists every
 * planned entry and matches the remote checksum. What cannot be listed, hence not archived, makes the
 * cluster and hosts levels refuse before any change, unless `discardUnarchived`.
 *
 * Then, at every level, namespace default's student-made objects are deleted and the student files removed:
 * exactly what the archive holds (a file written or changed after it stays, and is reported); after that
 * - workloads: the lab pods are deleted and recreated (`up --refresh`; the ReplicaSet recreates webserver-1's),
 *   and their ARP caches flushed (real bench only);
 * - cluster: the cluster is listed again (a student object that appeared since the archive makes it refuse),
 *   the kubeadm and cluster stages are destroyed, each node is checked clean, and the bench brought up;
 * - hosts: the same re-check, everything is destroyed, each node checked clean, and the bench brought up.
 * A dry run lists and plans, and changes nothing (not even the local archive directory).
 */
import type { Stack } from "@pulumi/pulumi/automation";
import * as path from "node:path";
import { openStack } from "../engine/workspace";
import { waitForLab } from "../facts/cluster-state";
import { openBenchAccess, type BenchAccess } from "../remote/bench-access";
import { controllerOf, labHome, nodeRoot } from "../spec/nodes";
import { localArchivePath, makeVerifiedArchive, remoteArchiveDir, timestamp, type ArchiveInfo } from "./archive";
import { lateObjects, unarchivedRefusal, type ClusterListing } from "./cluster-archive";
import { renderedObjects } from "./owners";
import { listCluster } from "./cluster-list";
import { ARCHIVE_LIMITS, boundArchive, LIST_HOME_ENCODED, parseEncodedListing } from "./names";
import { LAB_NAMESPACE, LISTED_KINDS, ResetLevel, describePlan, planReset, type ListedObject, type ObjectKey, type ObjectRef, type ResetPlan } from "./plan";
import { destroyAndCheck, flushArp, StepOutcome, type Note } from "./rebuild";
import { deleteLabPods, removeStudentWork } from "./remove";
import { LIST_SKEL, runScript, type CleanCheck } from "./scripts";

export { ResetLevel, parseResetLevel, RESET_LEVELS } from "./plan";
export { remoteArchiveDir, localArchivePath, timestamp } from "./archive";
export { cleanCheckResults, type CleanCheck } from "./scripts";
export type { ArchiveInfo } from "./archive";
export { clusterStageUrns, kubernetesObjectUrns, StepOutcome } from "./rebuild";

export interface ResetOptions {
  /** @default "workloads" */
  readonly level?: ResetLevel;
  /** List and plan only: nothing on the bench or the instructor's machine changes. */
  readonly dryRun?: boolean;
  /**
   * cluster and hosts: destroy what could not be archived (kinds that cannot be listed, student objects that
   * appeared after the archive) instead of refusing. @default false
   */
  readonly discardUnarchived?: boolean;
  /** Called with one line per step (and the engine's latest output line). */
  readonly progress?: (line: string) => void;
  /** How long to wait for the lab pods to run again. @default 300 s */
  readonly podTimeoutMs?: number;
}

export interface StepNote {
  readonly step: string;
  readonly outcome: StepOutcome;
  readonly detail: string;
}

export interface ResetResult {
  readonly stack: string;
  readonly benchId: string;
  readonly level: ResetLevel;
  readonly dryRun: boolean;
  readonly plan: ResetPlan;
  readonly archive: ArchiveInfo;
  readonly deletedObjects: ObjectRef[];
  readonly removedFiles: string[];
  /** Paths in the student entries left in place: written or changed after the archive (the next reset archives them). */
  readonly keptFiles: string[];
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
    const line = out
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .pop();
    if (line) progress(`engine: ${line}`);
  };
}

interface Inspection {
  readonly plan: ResetPlan;
  /** The listing the plan's objects come from. */
  readonly objects: readonly ListedObject[];
  readonly rendered: { lab: ObjectKey[]; provisioner: ObjectKey[] };
}

/** The objects the level archives from: namespace default's (workloads), or every listable kind (the levels that destroy the cluster). */
async function listObjects(
  access: BenchAccess,
  level: ResetLevel,
  progress: (line: string) => void,
): Promise<{ objects: readonly ListedObject[]; cluster?: ClusterListing }> {
  const { spec } = access;
  const controller = controllerOf(spec);
  if (level === ResetLevel.Workloads) {
    progress(`listing namespace ${LAB_NAMESPACE} and ~${spec.labUser} on ${controller.name}`);
    const listed = await access.kubectl(["-n", LAB_NAMESPACE, "get", LISTED_KINDS.join(","), "--show-managed-fields", "-o", "json"]);
    return { objects: (JSON.parse(listed) as { items: ListedObject[] }).items };
  }
  progress(`listing every kind in every namespace (the ${level} level destroys the whole cluster) and ~${spec.labUser} on ${controller.name}`);
  const cluster = await listCluster(access.kubectl);
  return { objects: cluster.objects, cluster };
}

/** 1. What is there, and the plan. The levels that destroy the cluster refuse here, before any change, what they cannot archive. */
async function inspect(
  access: BenchAccess,
  level: ResetLevel,
  discard: boolean,
  progress: (line: string) => void,
  note: Note,
  dryRun: boolean,
): Promise<Inspection> {
  const { spec } = access;
  const controller = controllerOf(spec);
  const rendered = renderedObjects(spec);
  const { objects, cluster } = await listObjects(access, level, progress);
  // Names as bytes (base64) with their disk space: any name is handled, oversize entries are left in place.
  const home = parseEncodedListing(await runScript(access, controller.name, "netlab-reset-list", LIST_HOME_ENCODED, [labHome(spec)]));
  const skeleton = (await runScript(access, controller.name, "netlab-reset-skel", LIST_SKEL, [`${nodeRoot(spec, controller.name)}/etc/skel`]))
    .split("\0")
    .filter(Boolean);
  const planned = planReset({
    level,
    objects: cluster ? undefined : objects,
    cluster,
    home,
    labObjects: rendered.lab,
    provisionerObjects: rendered.provisioner,
    skeleton,
  });
  const { keep, leftInPlace } = boundArchive(planned.removeFiles, home);
  const plan = { ...planned, removeFiles: keep, archive: planned.archive.filter((a) => !("file" in a.source) || keep.includes(a.source.file)) };
  for (const line of describePlan(plan)) progress(`${dryRun ? "would " : ""}${line}`);
  if (leftInPlace.length > 0) {
    note(
      "oversize-files",
      StepOutcome.Skipped,
      "left in place, neither archived nor removed " +
        `(over ${ARCHIVE_LIMITS.entryBytes >> 20} MiB each or ${ARCHIVE_LIMITS.totalBytes >> 20} MiB in all, or not measurable in 60 s): ` +
        `${leftInPlace.map((f) => `~${spec.labUser}/${f.name} (${f.bytes < 0 ? "size unknown" : `${f.bytes} bytes`})`).join(", ")}; ` +
        "move them off the bench by hand",
    );
  }
  const unlistable = cluster?.unlistable ?? [];
  const refusal = unarchivedRefusal(unlistable, discard, "Nothing was changed");
  if (refusal) throw new Error(refusal);
  if (unlistable.length > 0) {
    note(
      "unarchived",
      StepOutcome.Skipped,
      `--discard-unarchived: the rebuild destroys, without an archive, what these hold: ${unlistable.map((u) => u.what).join(", ")}`,
    );
  }
  return { plan, objects, rendered };
}

/** Before the rebuild destroys the cluster: a student object the archive lacks (made since) makes it refuse. */
async function recheckCluster(access: BenchAccess, inspection: Inspection, discard: boolean, note: Note): Promise<void> {
  const now = await listCluster(access.kubectl);
  const { lab, provisioner } = inspection.rendered;
  const late = lateObjects(inspection.plan.archive, now, lab, provisioner).map((e) => e.path);
  const state =
    "Nothing was destroyed (the student work already archived was removed from namespace default and the home); " + "run the reset again to archive the rest";
  const refusal = unarchivedRefusal(now.unlistable, discard, state);
  if (refusal) throw new Error(refusal);
  if (late.length > 0 && !discard) {
    throw new Error(
      `refusing to destroy the cluster: ${late.length} student object(s) appeared after the archive was made and are not in it: ` +
        `${late.join(", ")}. ${state}, or pass --discard-unarchived`,
    );
  }
  note(
    "cluster-recheck",
    late.length > 0 ? StepOutcome.Skipped : StepOutcome.Done,
    late.length > 0
      ? `--discard-unarchived: destroying unarchived ${late.join(", ")}`
      : `nothing unarchived appeared since the archive (${now.objects.length} objects listed)`,
  );
}

/** Resets one bench. See the module comment for what each level does. */
export async function resetBench(stackName: string, opts: ResetOptions = {}): Promise<ResetResult> {
  const stack = await openStack(stackName, false);
  const access = await openBenchAccess(stack, { sshFor: "reset" });
  try {
    return await resetWith(stack, access, opts);
  } finally {
    access.close();
  }
}

async function resetWith(stack: Stack, access: BenchAccess, opts: ResetOptions): Promise<ResetResult> {
  const stackName = stack.name;
  const level = opts.level ?? ResetLevel.Workloads;
  const dryRun = opts.dryRun ?? false;
  const discard = opts.discardUnarchived ?? false;
  const progress = opts.progress ?? (() => {});
  const notes: StepNote[] = [];
  const note: Note = (step, outcome, detail) => {
    notes.push({ step, outcome, detail });
    progress(`${step}: ${outcome === StepOutcome.Done ? "" : `${outcome}: `}${detail}`);
  };

  const { spec } = access;
  const inspection = await inspect(access, level, discard, progress, note, dryRun);
  const { plan } = inspection;
  const stamp = timestamp();
  const remote = `${remoteArchiveDir(spec)}/reset-${stamp}.tar.gz`;
  const local = localArchivePath(spec.id, stamp);
  const base = { stack: stackName, benchId: spec.id, level, dryRun, plan };
  if (dryRun) {
    note("archive", StepOutcome.Planned, `${plan.archive.length} item(s) into ${remote} and ${path.relative(process.cwd(), local)}`);
    return {
      ...base,
      archive: { remote, local, entries: ["reset-plan.json", ...plan.archive.map((a) => a.path)], sha256: "", bytes: 0 },
      deletedObjects: [],
      removedFiles: [],
      keptFiles: [],
      recreatedPods: [],
      cleanChecks: [],
      engine: {},
      notes,
    };
  }

  // 2. The archive, on the controller, then a verified copy here. Nothing is deleted before this succeeds.
  const meta = { stack: stackName, benchId: spec.id, level, time: new Date().toISOString() };
  const archive = await makeVerifiedArchive(access, plan, inspection.objects, meta, remote, local, (step, detail) => note(step, StepOutcome.Done, detail));
  // 3. Student objects and files.
  const removed = await removeStudentWork(access, plan, archive, note);

  const engine: { destroy?: Record<string, number>; up?: Record<string, number> } = {};
  let cleanChecks: CleanCheck[] = [];
  let recreatedPods: ObjectRef[] = [];
  const events = engineLines(progress);
  // 4. The level's rebuild.
  if (level === ResetLevel.Workloads) {
    recreatedPods = await deleteLabPods(access, plan, note);
  } else {
    await recheckCluster(access, inspection, discard, note);
    ({ destroy: engine.destroy, cleanChecks } = await destroyAndCheck(stack, access, level, events, note));
  }

  // 5. Up, and the lab running.
  engine.up = await upAndWaitForLab(stack, access, events, note, opts.podTimeoutMs ?? 300_000);

  return { ...base, archive, ...removed, recreatedPods, cleanChecks, engine, notes };
}

/** 5. `up --refresh` brings back what the level removed; then the lab's pods running, and their ARP caches flushed. */
async function upAndWaitForLab(
  stack: Stack,
  access: BenchAccess,
  events: (out: string) => void,
  note: Note,
  podTimeoutMs: number,
): Promise<Record<string, number>> {
  const up = await stack.up({ refresh: true, onOutput: events });
  const changes: Record<string, number> = up.summary.resourceChanges ?? {};
  note(
    "up",
    StepOutcome.Done,
    Object.entries(changes)
      .filter(([k]) => k !== "same")
      .map(([k, v]) => `${v} ${k}`)
      .join(", ") || "no changes",
  );
  const kubeconfig = (up.outputs.kubeconfig?.value as string | undefined) ?? access.kubeconfig;
  const state = await waitForLab(kubeconfig, podTimeoutMs);
  note("lab-running", StepOutcome.Done, state.pods.map((p) => `${p.name} on ${p.node} ${p.ip}`).join(", "));
  await flushArp(access, state, note);
  return changes;
}
