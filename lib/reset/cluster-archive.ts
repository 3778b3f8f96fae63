/**
 * What the `cluster` and `hosts` levels archive before their rebuild destroys the cluster (pure: no I/O).
 *
 * Their rebuild runs `kubeadm reset` on every node: every object of every namespace goes, cluster-scoped ones and
 * custom resources included. So before anything is removed, every kind the API serves with a list verb is
 * listed (`kubectl api-resources --verbs=list`), all namespaces, and each object is judged by the one rule of
 * owners.ts. The students' objects are archived, one YAML file each:
 *   cluster/<namespace>/<Kind>[.<group>]/<name>.yaml      (cluster-scoped objects: namespace `_cluster`)
 * What could not be listed (an API group discovery could not read or whose APIService is unavailable, a kind whose
 * list failed) cannot be archived:
 * the reset refuses to destroy it, naming it, unless told to discard it (`--discard-unarchived`).
 */
import type { ArchiveEntry } from "./plan";
import { classifyObjects, type ListedObject, type ObjectDecision, type ObjectKey, type ObjectOwner, type ObjectRef } from "./owners";

/** Resources never listed: their objects always belong to something else (owners.ts KUBERNETES_KINDS). */
export const UNLISTED_RESOURCES: ReadonlySet<string> = new Set([
  "events",
  "events.events.k8s.io",
  "endpoints",
  "endpointslices.discovery.k8s.io",
  "leases.coordination.k8s.io",
  "componentstatuses",
  "nodes",
  "ipaddresses.networking.k8s.io",
  "csinodes.storage.k8s.io",
]);

/** Something that could not be listed, hence not archived. */
export interface Unlistable {
  /** An API group/version ("metrics.k8s.io/v1beta1") or a resource ("widgets.lab.example"). */
  readonly what: string;
  /** kubectl's own words. */
  readonly why: string;
}

/** Everything the rebuild would destroy, as listed. */
export interface ClusterListing {
  readonly objects: readonly ListedObject[];
  readonly unlistable: readonly Unlistable[];
}

export interface ClusterObjectRef extends ObjectRef {
  readonly apiVersion: string;
  readonly uid?: string;
}

export interface ClusterArchivePlan {
  /** What discovery could not list: the reset refuses unless told to discard it. */
  readonly unlistable: Unlistable[];
  /** How many listed objects are not archived, by owner (the system's: lab, provisioner, Kubernetes). */
  readonly notArchived: Partial<Record<ObjectOwner, number>>;
  /** Every decision (for reset-plan.json: why an object was or was not archived). */
  readonly objects: ObjectDecision[];
}

/** `kubectl api-resources --verbs=list -o name` output: the resources to list, without the never-listed ones. */
export function listableResources(stdout: string): string[] {
  return [
    ...new Set(
      stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !UNLISTED_RESOURCES.has(l)),
    ),
  ].sort();
}

/**
 * Groups discovery could not read, from kubectl's error: "unable to retrieve the complete list of server APIs:
 * metrics.k8s.io/v1beta1: the server is currently unable to handle the request, x.example/v1: ...".
 * Anything else kubectl complains about is one unnamed entry, so that it is never ignored.
 */
export function discoveryFailures(stderr: string): Unlistable[] {
  const text = stderr.trim();
  if (text === "") return [];
  const m = /unable to retrieve the complete list of server APIs: (.*)$/ms.exec(text);
  if (!m) return [{ what: "API discovery", why: text.split("\n")[0]! }];
  const parts = m[1]!.trim().split(/, (?=[a-z0-9.-]+\/v[0-9a-z]+: )/);
  return parts.map((p) => {
    const i = p.indexOf(": ");
    return i > 0 ? { what: p.slice(0, i), why: p.slice(i + 2).split("\n")[0]! } : { what: "API discovery", why: p };
  });
}

/**
 * Aggregated APIs whose server is not available: discovery leaves their group out without an error, so their
 * kinds are neither listed nor reported by `api-resources`. Found from the APIService objects themselves.
 */
export function unavailableApiServices(objects: readonly ListedObject[]): Unlistable[] {
  return objects
    .filter((o) => o.kind === "APIService")
    .flatMap((o) => {
      const a = o as unknown as {
        spec?: { group?: string; version?: string; service?: unknown };
        status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
      };
      if (!a.spec?.service) return []; // served by the API server itself
      const available = a.status?.conditions?.find((c) => c.type === "Available");
      if (available?.status === "True") return [];
      return [
        {
          what: `${a.spec.group ?? "?"}/${a.spec.version ?? "?"}`,
          why:
            `APIService ${o.metadata.name} is not available` +
            `${available ? ` (${available.reason ?? available.status}${available.message ? `: ${available.message}` : ""})` : ""}`,
        },
      ];
    });
}

/** Encodes a name for a path: every byte outside [A-Za-z0-9._:-] as %XX (Kubernetes names never hold `%` or `/`). */
function pathSafe(name: string): string {
  return [...Buffer.from(name, "utf8")]
    .map((b) => (/[A-Za-z0-9._:-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}

/** An object's file in the archive. */
export function clusterObjectPath(o: Pick<ListedObject, "apiVersion" | "kind" | "metadata">): string {
  const version = o.apiVersion ?? "v1";
  const group = version.includes("/") ? version.slice(0, version.indexOf("/")) : "";
  const namespace = o.metadata.namespace ? pathSafe(o.metadata.namespace) : "_cluster";
  return `cluster/${namespace}/${pathSafe(group ? `${o.kind}.${group}` : o.kind)}/${pathSafe(o.metadata.name)}.yaml`;
}

/** The same object listed twice (a kind served by two groups) counts once. */
function unique(objects: readonly ListedObject[]): ListedObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const k = o.metadata.uid ?? clusterObjectPath(o);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Judges every object of the cluster; the students' are archived. */
export function planClusterArchive(
  listing: ClusterListing,
  labObjects: readonly ObjectKey[],
  provisionerObjects: readonly ObjectKey[],
): { plan: ClusterArchivePlan; entries: ArchiveEntry[] } {
  const objects = unique(listing.objects);
  const decisions = classifyObjects(objects, labObjects, provisionerObjects);
  const student = new Set(decisions.filter((d) => d.owner === "student").map((d) => `${d.ref.kind}/${d.ref.namespace}/${d.ref.name}`));
  const entries: ArchiveEntry[] = objects
    .filter((o) => student.has(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`))
    .map((o) => ({ path: clusterObjectPath(o), source: { object: refOf(o) } }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const notArchived: Partial<Record<ObjectOwner, number>> = {};
  for (const d of decisions) if (d.owner !== "student") notArchived[d.owner] = (notArchived[d.owner] ?? 0) + 1;
  return { plan: { unlistable: [...listing.unlistable], notArchived, objects: decisions }, entries };
}

function refOf(o: ListedObject): ClusterObjectRef {
  return {
    kind: o.kind,
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? "",
    apiVersion: o.apiVersion ?? "v1",
    ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
  };
}

/**
 * The refusal when something cannot be archived, or undefined when all can (or the instructor discards the rest).
 * `state`: what the bench looks like at that point ("Nothing was changed").
 */
export function unarchivedRefusal(unlistable: readonly Unlistable[], discard: boolean, state: string): string | undefined {
  if (unlistable.length === 0 || discard) return undefined;
  return (
    `refusing to destroy the cluster: ${unlistable.length} kind(s) or API group(s) could not be listed, so what they hold cannot be archived: ` +
    `${unlistable.map((u) => `${u.what} (${u.why})`).join("; ")}. ${state}. Make them listable (e.g. repair or delete the ` +
    "APIService or CRD behind them), or pass --discard-unarchived to destroy them without an archive"
  );
}

/**
 * Student-made objects that appeared after the archive (not in it, and not owned by something in it): the
 * rebuild would destroy them unarchived. Compared by uid; objects without one are compared by path.
 */
export function lateObjects(
  archived: readonly ArchiveEntry[],
  now: ClusterListing,
  labObjects: readonly ObjectKey[],
  provisionerObjects: readonly ObjectKey[],
): ArchiveEntry[] {
  const known = new Set(archived.flatMap((a) => ("object" in a.source ? [(a.source.object as Partial<ClusterObjectRef>).uid ?? a.path] : [])));
  const { plan, entries } = planClusterArchive(now, labObjects, provisionerObjects);
  const roots = new Set(plan.objects.filter((d) => d.owner === "student" && !d.dependent).map((d) => `${d.ref.kind}/${d.ref.namespace}/${d.ref.name}`));
  return entries.filter((e) => {
    const ref = (e.source as { object: ClusterObjectRef }).object;
    return roots.has(`${ref.kind}/${ref.namespace}/${ref.name}`) && !known.has(ref.uid ?? e.path);
  });
}
