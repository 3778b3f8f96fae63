/**
 * What `netlab reset` archives and removes on a bench, decided from what the bench shows (pure: no I/O).
 *
 * Objects (namespace default, the kinds in LISTED_KINDS):
 * - the lab's: the objects of the lab manifests (Deployment webserver-1, Service webserver-service-1, Pods
 *   client-1 and client-2) and everything they own, transitively (webserver-1's ReplicaSets and Pods);
 * - Kubernetes' own: Service kubernetes, ConfigMap kube-root-ca.crt, ServiceAccount default (and its legacy
 *   token Secret), Events, and Endpoints/EndpointSlices (they belong to their Service);
 * - everything else is student-made. All of it is archived as YAML; only the roots (objects no other
 *   student-made object owns) are deleted, the garbage collector takes their dependents.
 *
 * Files (top-level entries of the lab user's home on the controller):
 * - kept: the lab's own (k8s-network-lab-s1.yml, k8s-network-lab-c1.yml, admin.conf, .kube/) and the account's
 *   dotfiles (.bashrc, .profile, .bash_logout, .ssh/, plus whatever /etc/skel holds on the node);
 * - everything else (including traces such as .bash_history or .viminfo) is the students': archived, then
 *   removed. Directories are archived and removed as a whole.
 *
 * Levels: every level archives, deletes the student-made objects and removes the student files first;
 * `workloads` then recreates the lab pods, `cluster` rebuilds the kubeadm and cluster stages, `hosts` rebuilds
 * everything.
 */
import { BenchConfigError } from "../spec/problems";

export const ResetLevel = { Workloads: "workloads", Cluster: "cluster", Hosts: "hosts" } as const;
export type ResetLevel = (typeof ResetLevel)[keyof typeof ResetLevel];
export const RESET_LEVELS: readonly ResetLevel[] = [ResetLevel.Workloads, ResetLevel.Cluster, ResetLevel.Hosts];

/** `--level` text to a level; undefined is the default, `workloads`. */
export function parseResetLevel(text: string | undefined): ResetLevel {
  if (text === undefined) return ResetLevel.Workloads;
  const level = RESET_LEVELS.find((l) => l === text.trim().toLowerCase());
  if (!level) {
    const message = `${JSON.stringify(text)} is not a reset level; use one of ${RESET_LEVELS.join(", ")}`;
    throw new BenchConfigError([{ field: "--level", message }], "reset request");
  }
  return level;
}

/** The kinds listed in namespace default (kubectl resource names), in the order their objects are deleted. */
export const LISTED_KINDS: readonly string[] = [
  "deployments", "statefulsets", "daemonsets", "jobs", "replicasets", "pods", "services", "ingresses",
  "networkpolicies", "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims",
];

/** Namespace the lab lives in and the reset looks at. */
export const LAB_NAMESPACE = "default";

export interface KindName {
  readonly kind: string;
  readonly name: string;
}

/** The lab manifests' objects (manifests/k8s-network-lab-s1.yml and -c1.yml). */
export const LAB_OBJECTS: readonly KindName[] = [
  { kind: "Deployment", name: "webserver-1" },
  { kind: "Service", name: "webserver-service-1" },
  { kind: "Pod", name: "client-1" },
  { kind: "Pod", name: "client-2" },
];

/** Objects Kubernetes makes in every namespace (or in default) by itself. */
export const KUBERNETES_OBJECTS: readonly KindName[] = [
  { kind: "Service", name: "kubernetes" },
  { kind: "ConfigMap", name: "kube-root-ca.crt" },
  { kind: "ServiceAccount", name: "default" },
];

/** Kinds that are never the students' own: they belong to something else (or to nobody worth keeping). */
const KUBERNETES_KINDS = new Set(["Event", "Endpoints", "EndpointSlice", "Lease"]);

/** Entries of the lab user's home the lab itself puts there (50-lab-files.sh, 40-kubeadm-init.sh). */
export const LAB_HOME_FILES: readonly string[] = ["k8s-network-lab-s1.yml", "k8s-network-lab-c1.yml", "admin.conf", ".kube"];

/** The account's own dotfiles (Debian's /etc/skel, and the SSH keys the account logs in with). */
export const ACCOUNT_DOTFILES: readonly string[] = [".bashrc", ".profile", ".bash_logout", ".ssh"];

/** An object as `kubectl get -o json` lists it (only what the plan reads). */
export interface ListedObject {
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string; readonly uid?: string }[];
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly type?: string;
}

export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export type ObjectOwner = "lab" | "kubernetes" | "student";

export interface ObjectDecision {
  readonly ref: ObjectRef;
  readonly owner: ObjectOwner;
  /** Why, in a few words ("lab manifest", "owned by Deployment/webserver-1", ...). */
  readonly reason: string;
  /** Student-made and owned by another student-made object: archived, deleted by the garbage collector. */
  readonly dependent: boolean;
}

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
  /** Path inside the archive: "objects/<kind>-<name>.yaml" or "home/<name>" (a directory: its whole tree). */
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
  /** Every decision, for the report. */
  readonly objects: ObjectDecision[];
  readonly files: FileDecision[];
}

export interface PlanInput {
  readonly level: ResetLevel;
  /** Objects listed in namespace default (kubectl get LISTED_KINDS -o json: the items). */
  readonly objects: readonly ListedObject[];
  /** Top-level entries of the lab user's home on the controller. */
  readonly home: readonly HomeEntry[];
  /** @default LAB_OBJECTS */
  readonly labObjects?: readonly KindName[];
  /** Extra dotfiles to keep, e.g. the names in the node's /etc/skel. */
  readonly skeleton?: readonly string[];
}

const key = (kind: string, name: string) => `${kind}/${name}`;

/** The archive's file name of an object's YAML. */
export function objectArchivePath(ref: ObjectRef): string {
  return `objects/${ref.kind.toLowerCase()}-${ref.name}.yaml`;
}

/** kubectl's "<kind>/<name>" for an object. */
export function kubectlName(ref: ObjectRef): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

/** Kind order for deletion: controllers before what they control, configuration and storage last. */
const KIND_ORDER = [
  "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet", "Pod", "Service", "Ingress", "NetworkPolicy", "ConfigMap", "Secret", "ServiceAccount",
  "PersistentVolumeClaim",
];
const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
};

/** Decides, for each listed object, whose it is. */
export function classifyObjects(objects: readonly ListedObject[], labObjects: readonly KindName[] = LAB_OBJECTS): ObjectDecision[] {
  const lab = new Set(labObjects.map((o) => key(o.kind, o.name)));
  const system = new Set(KUBERNETES_OBJECTS.map((o) => key(o.kind, o.name)));
  const byUid = new Map<string, ListedObject>();
  const byKey = new Map<string, ListedObject>();
  for (const o of objects) {
    if (o.metadata.uid) byUid.set(o.metadata.uid, o);
    byKey.set(key(o.kind, o.metadata.name), o);
  }
  const ownerOf = (o: ListedObject): ListedObject | undefined => {
    for (const ref of o.metadata.ownerReferences ?? []) {
      const owner = (ref.uid !== undefined ? byUid.get(ref.uid) : undefined) ?? byKey.get(key(ref.kind, ref.name));
      if (owner && owner !== o) return owner;
    }
    return undefined;
  };
  // Who an object is, by itself (not looking at owners).
  const itself = (o: ListedObject): { owner: ObjectOwner; reason: string } | undefined => {
    const k = key(o.kind, o.metadata.name);
    if (lab.has(k)) return { owner: "lab", reason: "lab manifest" };
    if (system.has(k)) return { owner: "kubernetes", reason: "made by Kubernetes" };
    if (KUBERNETES_KINDS.has(o.kind)) return { owner: "kubernetes", reason: `${o.kind} (belongs to another object)` };
    const tokenOf = o.metadata.annotations?.["kubernetes.io/service-account.name"];
    if (o.kind === "Secret" && o.type === "kubernetes.io/service-account-token" && tokenOf === "default") {
      return { owner: "kubernetes", reason: "token of ServiceAccount default" };
    }
    return undefined;
  };
  const decide = (o: ListedObject): { owner: ObjectOwner; reason: string; dependent: boolean } => {
    const seen = new Set<ListedObject>([o]);
    const own = itself(o);
    if (own) return { ...own, dependent: false };
    let current = o;
    for (;;) {
      const owner = ownerOf(current);
      if (!owner || seen.has(owner)) break;
      seen.add(owner);
      const verdict = itself(owner);
      if (verdict) return { owner: verdict.owner, reason: `owned by ${owner.kind}/${owner.metadata.name}`, dependent: false };
      current = owner;
    }
    if (current === o) return { owner: "student", reason: "student-made", dependent: false };
    return { owner: "student", reason: `owned by ${current.kind}/${current.metadata.name}`, dependent: true };
  };
  return objects
    .map((o) => ({ ref: { kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace ?? LAB_NAMESPACE }, ...decide(o) }))
    .sort((a, b) => kindRank(a.ref.kind) - kindRank(b.ref.kind) || a.ref.kind.localeCompare(b.ref.kind) || a.ref.name.localeCompare(b.ref.name));
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
  const objects = classifyObjects(input.objects, input.labObjects ?? LAB_OBJECTS);
  const files = classifyFiles(input.home, input.skeleton ?? []);
  const student = objects.filter((d) => d.owner === "student");
  const removeFiles = files.filter((f) => !f.keep).map((f) => f.entry.name);
  const archive: ArchiveEntry[] = [
    ...student.map((d) => ({ path: objectArchivePath(d.ref), source: { object: d.ref } })),
    ...removeFiles.map((name) => ({ path: `home/${name}`, source: { file: name } })),
  ];
  const recreatePods = input.level === ResetLevel.Workloads
    ? objects.filter((d) => d.owner === "lab" && d.ref.kind === "Pod").map((d) => d.ref)
    : [];
  return {
    level: input.level,
    namespace: LAB_NAMESPACE,
    archive,
    deleteObjects: student.filter((d) => !d.dependent).map((d) => d.ref),
    removeFiles,
    recreatePods,
    rebuild: input.level === ResetLevel.Workloads ? "none" : input.level,
    objects,
    files,
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
  const { archive, deleteObjects, removeFiles } = plan;
  const lines = [`level ${plan.level}: archive ${archive.length} item(s), delete ${deleteObjects.length} object(s), remove ${removeFiles.length} file(s)`];
  for (const a of plan.archive) lines.push(`archive ${a.path}`);
  for (const o of plan.deleteObjects) lines.push(`delete ${plan.namespace}/${kubectlName(o)}`);
  for (const f of plan.removeFiles) lines.push(`remove ~/${f}`);
  for (const p of plan.recreatePods) lines.push(`recreate ${plan.namespace}/${kubectlName(p)}`);
  if (plan.rebuild !== "none") lines.push(`rebuild the ${plan.rebuild === "cluster" ? "kubeadm and cluster stages" : "whole bench"} (destroy, then up)`);
  return lines;
}
