/** The reset's deletes in namespace default: what students made (and exactly the files the archive holds), and the lab pods. */
import type { BenchAccess } from "../remote/bench-access";
import type { BenchSpec } from "../spec/types";
import { removeArchivedFiles, type ArchiveInfo } from "./archive";
import { LAB_NAMESPACE, kubectlName, type ObjectRef, type ResetPlan } from "./plan";
import { StepOutcome, type Note } from "./rebuild";

/**
 * How long a delete waits for its objects to go: 3 minutes on hardware, stretched by timeouts.scale (a pod's
 * containers are stopped by its node's kubelet and runtime, as slow as the node: on the emulated VM bench a stop
 * took over 2 minutes).
 */
function deleteWait(spec: BenchSpec): string {
  return `--timeout=${180 * spec.timeouts.scale}s`;
}

/** 3. Namespace default's student objects, and exactly the student files the archive holds. */
export async function removeStudentWork(
  access: BenchAccess,
  plan: ResetPlan,
  archive: ArchiveInfo,
  note: Note,
): Promise<{ deletedObjects: ObjectRef[]; removedFiles: string[]; keptFiles: string[] }> {
  const { spec } = access;
  const deletedObjects: ObjectRef[] = [];
  if (plan.deleteObjects.length > 0) {
    await access.kubectl(["-n", LAB_NAMESPACE, "delete", ...plan.deleteObjects.map(kubectlName), "--ignore-not-found", "--wait=true", deleteWait(spec)]);
    deletedObjects.push(...plan.deleteObjects);
  }
  note(
    "student-objects",
    deletedObjects.length > 0 ? StepOutcome.Done : StepOutcome.Skipped,
    deletedObjects.length > 0 ? `deleted ${deletedObjects.map(kubectlName).join(", ")}` : "none",
  );
  const files = await removeArchivedFiles(access, archive, plan.removeFiles);
  const home = (f: string) => `~${spec.labUser}/${f}`;
  const kept =
    files.kept.length > 0
      ? "; left in place, written or changed after the archive (the next reset archives them): " +
        `${files.kept.map(home).join(", ")}${files.more > 0 ? ` and ${files.more} more` : ""}`
      : "";
  note(
    "student-files",
    plan.removeFiles.length > 0 ? StepOutcome.Done : StepOutcome.Skipped,
    plan.removeFiles.length > 0 ? `removed ${files.removed.map(home).join(", ") || "nothing whole"}${kept}` : "none",
  );
  return { deletedObjects, removedFiles: files.removed, keptFiles: files.kept };
}

/** workloads: the lab pods deleted, for `up` (client-1, client-2) and the ReplicaSet (webserver-1's) to recreate them. */
export async function deleteLabPods(access: BenchAccess, plan: ResetPlan, note: Note): Promise<ObjectRef[]> {
  if (plan.recreatePods.length > 0) {
    await access.kubectl(["-n", LAB_NAMESPACE, "delete", ...plan.recreatePods.map(kubectlName), "--ignore-not-found", "--wait=true", deleteWait(access.spec)]);
  }
  note("lab-pods", StepOutcome.Done, `deleted ${plan.recreatePods.map(kubectlName).join(", ") || "none (already gone)"}; bringing them back`);
  return [...plan.recreatePods];
}
