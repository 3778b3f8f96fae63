/**
 * What `netlab reset` archives and removes on a bench, decided from what the bench shows (pure: no I/O).
 *
 * Objects: whose an object is (the lab's, the provisioner's, Kubernetes' own or a student's) is decided by the
 * one rule of owners.ts.
 * - workloads: namespace default, the kinds in LISTED_KINDS, is listed; the students' objects there are archived
 *   as YAML (objects/<kind>-<name>.yaml) and the roots deleted, the garbage collector takes their dependents;
 * - cluster, hosts: their rebuild destroys the whole cluster, so every object of every listable kind is listed,
 *   all namespaces and cluster-scoped, and the students' are archived (cluster-archive.ts) before anything is
 *   removed; namespace default's student roots of the LISTED_KINDS are deleted as at the workloads level.
 *
 * Files (top-level entries of the lab user's home on the controller):
 * - kept: the lab's own (k8s-network-lab-s1.yml, k8s-network-lab-c1.yml, admin.conf, .kube/) and the account's
 *   dotfiles (.bashrc, .profile, .bash_logout, .ssh/, plus whatever /etc/skel holds on the node);
 * - everything else (including traces such as .bash_history or .viminfo) is the students': archived, then
 *   removed. The removal takes only what the archive holds: what was written after it stays (scripts.ts).
 *
 * Levels: every level archives, deletes the student-made objects and removes the student files first;
 * `workloads` then recreates the lab pods, `cluster` rebuilds the kubeadm and cluster stages, `hosts` rebuilds
 * everything.
 */
import { BenchConfigError } from "../spec/problems";
import { planClusterArchive, type ClusterArchivePlan, type ClusterListing } from "./cluster-archive";
import { classifyObjects, LAB_NAMESPACE, LAB_OBJECTS, type ListedObject, type ObjectDecision, type ObjectKey, type ObjectRef } from "./owners";

export {
  classifyObjects,
  KUBERNETES_OBJECTS,
  LAB_NAMESPACE,
  LAB_OBJECTS,
  SYSTEM_NAMESPACES,
  type ListedObject,
  type ObjectDecision,
  type ObjectKey,
  type ObjectOwner,
  type ObjectRef,
} from "./owners";

export const ResetLevel = { Workloads: "workloads", Cluster: "cluster", Hosts: "hosts" } as const;
export type ResetLevel = (typeof ResetLevel)[keyof typeof ResetLevel];
export const RESET_LEVELS: readonly ResetLevel[] = [ResetLevel.Workloads, ResetLevel.Cluster, ResetLevel.Hosts];

/** `--level` text to a level; undefined is the default, `workloads`. */
export function parseResetLevel(text: string | undefined): ResetLevel {
  if (text === undefined) return ResetLevel.Workloads;
  const level = RESET_LEVELS.find((l) => l === text.trim().toLowerCase());
  if (!level) {
    throw new BenchConfigError(
      [{ field: "--level", message: `${JSON.stringify(text)} is not a reset level; use one of ${RESET_LEVELS.join(", ")}` }],
      "reset request",
    );
  }
  return level;
}

/** The kinds listed in namespace default (kubectl resource names), in the order their objects are deleted. */
export const LISTED_KINDS: readonly string[] = [
  "deployments",
  "statefulsets",
  "daemonsets",
  "jobs",
  "replicasets",
  "pods",
  "services",
  "ingresses",
  "networkpolicies",
  "configmaps",
  "secrets",
  "serviceaccounts",
  "persistentvolumeclaims",
];
/** The same kinds as apiVersion group and kind (the workloads level lists them; the others pick them from the cluster's listing). */
const LISTED_KIND_GROUPS: Readonly<Record<string, string>> = {
  Deployment: "apps",
  StatefulSet: "apps",
  DaemonSet: "apps",
  Job: "batch",
  ReplicaSet: "apps",
  Pod: "",
  Service: "",
  Ingress: "networking.k8s.io",
  NetworkPolicy: "networking.k8s.io",
  ConfigMap: "",
  Secret: "",
  ServiceAccount: "",
  PersistentVolumeClaim: "",
};

/** Whether an object of the whole cluster's listing is one the workloads level would list (namespace default, LISTED_KINDS). */
export function isLabListed(o: ListedObject): boolean {
  const group = o.apiVersion?.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
  return o.metadata.namespace === LAB_NAMESPACE && LISTED_KIND_GROUPS[o.kind] === group;
}

/** Entries of the lab user's home the lab itself puts there (50-lab-files.sh, 40-kubeadm-init.sh). */
export const LAB_HOME_FILES: readonly string[] = ["k8s-network-lab-s1.yml", "k8s-network-lab-c1.yml", "admin.conf", ".kube"];

/** The account's own dotfiles (Debian's /etc/skel, and the SSH keys the account logs in with). */
export const ACCOUNT_DOTFILES: readonly string[] = [".bashrc", ".profile", ".bash_logout", ".ssh"];

export type HomeEntryType = "file" | "dir" | "link" | "other";

export interface HomeEntry {
  /** Top-level name in the home directory (no slash). */
  readonly name: string;
  readonly type: HomeEntryType;
}

export interface FileDecision {
  readonly entry: HomeEntry;
  readonly keep: boolean;
  readonly reason: string;
}

export type ArchiveSource = { readonly object: ObjectRef } | { readonly file: string };

export interface ArchiveEntry {
  /**
   * Path inside the archive: "objects/<kind>-<name>.yaml" (workloads), "cluster/<namespace>/<Kind>.<group>/<name>.yaml"
   * (cluster, hosts) or "home/<name>" (a directory: its whole tree).
   */
  readonly path: string;
  readonly source: ArchiveSource;
}

export interface ResetPlan {
  readonly level: ResetLevel;
  readonly namespace: string;
  /** What the archive holds besides reset-plan.json (this plan), in order. */
  readonly archive: ArchiveEntry[];
  /** Student-made objects to delete (roots only), in deletion order. */
  readonly deleteObjects: ObjectRef[];
  /** Student entries to remove from the lab user's home. */
  readonly removeFiles: string[];
  /** workloads: the lab pods deleted so the next `up` (client-1, client-2) and the ReplicaSet (webserver-1) recreate them. */
  readonly recreatePods: ObjectRef[];
  /** What the engine then destroys and brings up again: nothing, the kubeadm and cluster stages, or everything. */
  readonly rebuild: "none" | "cluster" | "hosts";
  /** Every decision about namespace default's listed kinds, for the report. */
  readonly objects: ObjectDecision[];
  readonly files: FileDecision[];
  /** cluster and hosts: the whole cluster's listing, judged (what is archived is in `archive`). */
  readonly cluster?: ClusterArchivePlan;
}

export interface PlanInput {
  readonly level: ResetLevel;
  /** workloads: the objects listed in namespace default (kubectl get LISTED_KINDS -o json: the items). */
  readonly objects?: readonly ListedObject[];
  /** cluster and hosts (required there): every object their rebuild destroys; namespace default's are taken from it. */
  readonly cluster?: ClusterListing;
  /** Top-level entries of the lab user's home on the controller. */
  readonly home: readonly HomeEntry[];
  /** @default LAB_OBJECTS */
  readonly labObjects?: readonly ObjectKey[];
  /** The cluster stage's other objects (kube-router's, nodelocaldns'). @default none */
  readonly provisionerObjects?: readonly ObjectKey[];
  /** Extra dotfiles to keep, e.g. the names in the node's /etc/skel. */
  readonly skeleton?: readonly string[];
}

/** The archive's file name of an object's YAML. */
export function objectArchivePath(ref: ObjectRef): string {
  return `objects/${ref.kind.toLowerCase()}-${ref.name}.yaml`;
}

/** kubectl's "<kind>/<name>" for an object. */
export function kubectlName(ref: ObjectRef): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

/** Decides, for each top-level entry of the lab user's home, whether the reset keeps it. */
export function classifyFiles(home: readonly HomeEntry[], skeleton: readonly string[] = []): FileDecision[] {
  const account = new Set([...ACCOUNT_DOTFILES, ...skeleton.filter((n) => n.startsWith("."))]);
  return [...home]
    .filter((e) => e.name !== "" && e.name !== "." && e.name !== ".." && !e.name.includes("/"))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry) => {
      if (LAB_HOME_FILES.includes(entry.name)) return { entry, keep: true, reason: "the lab's own" };
      if (account.has(entry.name)) return { entry, keep: true, reason: "account dotfile" };
      return { entry, keep: false, reason: entry.name.startsWith(".") ? "student trace (dotfile)" : "student file" };
    });
}

/** The reset of one bench at one level. */
export function planReset(input: PlanInput): ResetPlan {
  const labObjects = input.labObjects ?? LAB_OBJECTS;
  const provisionerObjects = input.provisionerObjects ?? [];
  const destroys = input.level !== ResetLevel.Workloads;
  if (destroys && !input.cluster) throw new Error(`planReset: level ${input.level} destroys the cluster and needs the whole cluster's listing`);
  const cluster = destroys ? planClusterArchive(input.cluster!, labObjects, provisionerObjects) : undefined;
  const listed = cluster ? input.cluster!.objects.filter(isLabListed) : (input.objects ?? []);
  const objects = classifyObjects(listed, labObjects, provisionerObjects);
  const files = classifyFiles(input.home, input.skeleton ?? []);
  const student = objects.filter((d) => d.owner === "student");
  const removeFiles = files.filter((f) => !f.keep).map((f) => f.entry.name);
  const archive: ArchiveEntry[] = [
    ...(cluster ? cluster.entries : student.map((d) => ({ path: objectArchivePath(d.ref), source: { object: d.ref } }))),
    ...removeFiles.map((name) => ({ path: `home/${name}`, source: { file: name } })),
  ];
  const recreatePods = destroys ? [] : objects.filter((d) => d.owner === "lab" && d.ref.kind === "Pod").map((d) => d.ref);
  return {
    level: input.level,
    namespace: LAB_NAMESPACE,
    archive,
    deleteObjects: student.filter((d) => !d.dependent).map((d) => d.ref),
    removeFiles,
    recreatePods,
    rebuild: destroys ? (input.level as "cluster" | "hosts") : "none",
    objects,
    files,
    ...(cluster ? { cluster: cluster.plan } : {}),
  };
}

/** `find DIR -mindepth 1 -maxdepth 1 -printf '%y %P\0'` output to entries. */
export function parseHomeListing(text: string): HomeEntry[] {
  const types: Record<string, HomeEntryType> = { f: "file", d: "dir", l: "link" };
  return text
    .split("\0")
    .filter((r) => r.length > 2 && r[1] === " ")
    .map((r) => ({ name: r.slice(2), type: types[r[0]!] ?? "other" }));
}

/** One line per planned change, for a dry run or a log. */
export function describePlan(plan: ResetPlan): string[] {
  const lines = [
    `level ${plan.level}: archive ${plan.archive.length} item(s), delete ${plan.deleteObjects.length} object(s), remove ${plan.removeFiles.length} file(s)`,
  ];
  if (plan.cluster) {
    const kept = Object.entries(plan.cluster.notArchived);
    const n = kept.reduce((sum, [, k]) => sum + (k ?? 0), 0);
    lines.push(
      `leave unarchived the system's ${n} of the ${plan.cluster.objects.length} object(s) listed in the whole cluster ` +
        `(${kept.map(([owner, k]) => `${k} ${owner}`).join(", ") || "none"})`,
    );
    for (const u of plan.cluster.unlistable) lines.push(`destroy unarchived what ${u.what} holds (it cannot be listed: ${u.why})`);
  }
  for (const a of plan.archive) lines.push(`archive ${a.path}`);
  for (const o of plan.deleteObjects) lines.push(`delete ${plan.namespace}/${kubectlName(o)}`);
  for (const f of plan.removeFiles) lines.push(`remove ~/${f}`);
  for (const p of plan.recreatePods) lines.push(`recreate ${plan.namespace}/${kubectlName(p)}`);
  if (plan.rebuild !== "none") lines.push(`rebuild the ${plan.rebuild === "cluster" ? "kubeadm and cluster stages" : "whole bench"} (destroy, then up)`);
  return lines;
}
