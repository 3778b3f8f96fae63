/**
 * Whose an object is: the one rule every reset level applies, to namespace default (workloads) or to the whole
 * cluster (cluster, hosts, whose rebuild destroys it). Pure: no I/O. In this order:
 *
 * 1. By itself:
 *    - the lab's: the objects of the lab manifests (Deployment webserver-1, Service webserver-service-1, Pods
 *      client-1 and client-2);
 *    - the provisioner's: the other objects the cluster stage applies (kube-router's, nodelocaldns');
 *    - Kubernetes' own: what it makes in namespaces by itself (ServiceAccount default, ConfigMap kube-root-ca.crt,
 *      Service kubernetes), kinds that always belong to something else (Events, Endpoints, EndpointSlices, Leases,
 *      Nodes ...), the namespaces a cluster starts with, what the API server bootstraps (it labels or annotates
 *      those), names Kubernetes and kubeadm reserve (RBAC `system:` and `kubeadm:`, PriorityClass `system-`),
 *      bootstrap tokens, the default ServiceAccount's legacy token and the nodes' certificate requests.
 * 2. By its owners (ownerReferences, transitively): the first owner judged by itself gives its verdict.
 * 3. By who wrote it (metadata.managedFields, listed with --show-managed-fields), for an object (or the root owner
 *    of an object) that steps 1 and 2 did not place: written only by Kubernetes' components, kubeadm or netlab's
 *    Pulumi provider, it is the system's. In the system namespaces (kube-system, kube-public, kube-node-lease) an
 *    object nobody else wrote is the system's even when no writer is recorded (a bare ServiceAccount records none).
 *
 * Everything else is student-made: archived; roots in namespace default are also deleted, their dependents
 * (objects a student-made object owns) are left to the garbage collector.
 */
import { ConcernName } from "../concerns/concern";
import { LAB_NAMESPACE } from "../render/lab";
import type { K8sObject } from "../render/load";
import { planBench } from "../render/plan";
import type { BenchSpec } from "../spec/types";

/** A kind and name, with the namespace when it matters. Rendered objects without one are in default (or cluster-scoped). */
export interface ObjectKey {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** An object as `kubectl get -o json --show-managed-fields` lists it (only what the rule reads). */
export interface ListedObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string; readonly uid?: string }[];
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
    readonly managedFields?: readonly { readonly manager?: string }[];
  };
  readonly type?: string;
  readonly spec?: { readonly username?: string };
}

export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  /** "" for a cluster-scoped object. */
  readonly namespace: string;
}

export type ObjectOwner = "lab" | "provisioner" | "kubernetes" | "student";

export interface ObjectDecision {
  readonly ref: ObjectRef;
  readonly owner: ObjectOwner;
  /** Why, in a few words ("lab manifest", "owned by Deployment/webserver-1", "written only by kubeadm", ...). */
  readonly reason: string;
  /** Student-made and owned by another student-made object: archived, deleted by the garbage collector. */
  readonly dependent: boolean;
}

export { LAB_NAMESPACE };

/** Namespaces Kubernetes keeps for itself (kubeadm and the provisioner install there). */
export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

/** The lab manifests' objects (manifests/k8s-network-lab-s1.yml and -c1.yml). */
export const LAB_OBJECTS: readonly ObjectKey[] = [
  { kind: "Deployment", name: "webserver-1" },
  { kind: "Service", name: "webserver-service-1" },
  { kind: "Pod", name: "client-1" },
  { kind: "Pod", name: "client-2" },
];

/** Objects Kubernetes makes by itself; without a namespace: in every namespace. */
export const KUBERNETES_OBJECTS: readonly ObjectKey[] = [
  { kind: "Service", name: "kubernetes", namespace: LAB_NAMESPACE },
  { kind: "ConfigMap", name: "kube-root-ca.crt" },
  { kind: "ServiceAccount", name: "default" },
  { kind: "ServiceCIDR", name: "kubernetes", namespace: "" },
];

/** Kinds that are never the students' own: they belong to something else (or to nobody worth keeping). */
export const KUBERNETES_KINDS: ReadonlySet<string> = new Set([
  "Event",
  "Endpoints",
  "EndpointSlice",
  "Lease",
  "Node",
  "ComponentStatus",
  "IPAddress",
  "CSINode",
]);

/** Field managers (writers) of Kubernetes' components, kubeadm and netlab's provisioner. */
export const SYSTEM_WRITERS: readonly string[] = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-proxy",
  "kubeadm",
  "clusterrole-aggregation-controller",
  "service-cidr-controller",
  "kubernetes-service-cidr-controller",
];
/** Writer prefixes: the API server's flow-control bootstrap, and the Pulumi Kubernetes provider (one suffix per resource). */
const SYSTEM_WRITER_PREFIXES = ["api-priority-and-fairness-config-", "pulumi-kubernetes-"];
const PROVISIONER_WRITER = "pulumi-kubernetes-";

const RBAC_KINDS = new Set(["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);
const START_NAMESPACES = new Set([LAB_NAMESPACE, ...SYSTEM_NAMESPACES]);

interface Verdict {
  readonly owner: ObjectOwner;
  readonly reason: string;
}

const namespaceOf = (o: ListedObject) => o.metadata.namespace ?? "";

/** "kind/namespace/name" keys a rendered object matches: its namespace, or default and cluster-scoped without one. */
function renderedKeys(keys: readonly ObjectKey[]): Set<string> {
  const out = new Set<string>();
  for (const k of keys) {
    if (k.namespace !== undefined) out.add(`${k.kind}/${k.namespace}/${k.name}`);
    else out.add(`${k.kind}/${LAB_NAMESPACE}/${k.name}`).add(`${k.kind}//${k.name}`);
  }
  return out;
}

/** Kubernetes' own by name, kind, marker or reserved name (step 1), or undefined. */
export function kubernetesMade(o: ListedObject): string | undefined {
  const { name, labels, annotations } = o.metadata;
  if (KUBERNETES_OBJECTS.some((k) => k.kind === o.kind && k.name === name && (k.namespace === undefined || k.namespace === namespaceOf(o)))) {
    return "made by Kubernetes";
  }
  if (KUBERNETES_KINDS.has(o.kind)) return `${o.kind} (belongs to another object)`;
  if (o.kind === "Namespace" && START_NAMESPACES.has(name)) return "a namespace the cluster starts with";
  if (
    labels?.["kubernetes.io/bootstrapping"] === "rbac-defaults" ||
    labels?.["kube-aggregator.kubernetes.io/automanaged"] !== undefined ||
    annotations?.["apf.kubernetes.io/autoupdate-spec"] !== undefined
  ) {
    return "bootstrapped by the API server";
  }
  if (RBAC_KINDS.has(o.kind) && (name.startsWith("system:") || name.startsWith("kubeadm:"))) return `reserved name ${name.split(":")[0]}:`;
  if (o.kind === "PriorityClass" && name.startsWith("system-")) return "reserved name system-";
  if (o.kind === "Secret" && o.type === "bootstrap.kubernetes.io/token") return "kubeadm bootstrap token";
  if (o.kind === "Secret" && o.type === "kubernetes.io/service-account-token" && annotations?.["kubernetes.io/service-account.name"] === "default") {
    return "token of ServiceAccount default";
  }
  if (o.kind === "CertificateSigningRequest" && /^system:(node|bootstrap):/.test(o.spec?.username ?? "")) return "a node's certificate request";
  return undefined;
}

const isSystemWriter = (m: string) => SYSTEM_WRITERS.includes(m) || SYSTEM_WRITER_PREFIXES.some((p) => m.startsWith(p));

/** Step 3: the system's by who wrote it, or undefined (someone else wrote it, or nobody is recorded outside the system namespaces). */
export function systemWritten(o: ListedObject): Verdict | undefined {
  const writers = [...new Set((o.metadata.managedFields ?? []).map((f) => f.manager ?? ""))];
  if (writers.some((w) => !isSystemWriter(w))) return undefined;
  const owner: ObjectOwner = writers.some((w) => w.startsWith(PROVISIONER_WRITER)) ? "provisioner" : "kubernetes";
  if (writers.length > 0) return { owner, reason: `written only by ${writers.map((w) => (w.startsWith(PROVISIONER_WRITER) ? "netlab" : w)).join(", ")}` };
  if (SYSTEM_NAMESPACES.includes(namespaceOf(o))) return { owner, reason: `in ${namespaceOf(o)}, written by no one else` };
  return undefined;
}

/** Who wrote an object besides the system, for a student-made object's reason. */
function otherWriters(o: ListedObject): string {
  const others = [...new Set((o.metadata.managedFields ?? []).map((f) => f.manager ?? "?"))].filter((w) => !isSystemWriter(w));
  return others.length > 0 ? ` (written by ${others.join(", ")})` : "";
}

/** Decides, for each listed object, whose it is. `provisionerObjects`: the cluster stage's other objects. */
export function classifyObjects(
  objects: readonly ListedObject[],
  labObjects: readonly ObjectKey[] = LAB_OBJECTS,
  provisionerObjects: readonly ObjectKey[] = [],
): ObjectDecision[] {
  const lab = renderedKeys(labObjects);
  const provisioner = renderedKeys(provisionerObjects);
  const keyOf = (o: ListedObject) => `${o.kind}/${namespaceOf(o)}/${o.metadata.name}`;
  const byUid = new Map<string, ListedObject>();
  const byKey = new Map<string, ListedObject>();
  for (const o of objects) {
    if (o.metadata.uid) byUid.set(o.metadata.uid, o);
    byKey.set(keyOf(o), o);
  }
  // An owner is in the same namespace or cluster-scoped.
  const ownerOf = (o: ListedObject): ListedObject | undefined => {
    for (const ref of o.metadata.ownerReferences ?? []) {
      const owner =
        (ref.uid !== undefined ? byUid.get(ref.uid) : undefined) ??
        byKey.get(`${ref.kind}/${namespaceOf(o)}/${ref.name}`) ??
        byKey.get(`${ref.kind}//${ref.name}`);
      if (owner && owner !== o) return owner;
    }
    return undefined;
  };
  const itself = (o: ListedObject): Verdict | undefined => {
    if (lab.has(keyOf(o))) return { owner: "lab", reason: "lab manifest" };
    if (provisioner.has(keyOf(o))) return { owner: "provisioner", reason: "netlab's cluster stage" };
    const made = kubernetesMade(o);
    return made ? { owner: "kubernetes", reason: made } : undefined;
  };
  const decide = (o: ListedObject): Omit<ObjectDecision, "ref"> => {
    const own = itself(o);
    if (own) return { ...own, dependent: false };
    const seen = new Set<ListedObject>([o]);
    let root = o;
    for (let owner = ownerOf(root); owner && !seen.has(owner); owner = ownerOf(root)) {
      seen.add(owner);
      const verdict = itself(owner);
      if (verdict) return { owner: verdict.owner, reason: `owned by ${owner.kind}/${owner.metadata.name}`, dependent: false };
      root = owner;
    }
    const written = systemWritten(root);
    if (root === o) return written ? { ...written, dependent: false } : { owner: "student", reason: `student-made${otherWriters(o)}`, dependent: false };
    const via = `owned by ${root.kind}/${root.metadata.name}`;
    return written ? { owner: written.owner, reason: via, dependent: false } : { owner: "student", reason: via, dependent: true };
  };
  return objects
    .map((o) => ({ ref: { kind: o.kind, name: o.metadata.name, namespace: namespaceOf(o) }, ...decide(o) }))
    .sort(
      (a, b) =>
        kindRank(a.ref.kind) - kindRank(b.ref.kind) ||
        a.ref.kind.localeCompare(b.ref.kind) ||
        a.ref.namespace.localeCompare(b.ref.namespace) ||
        a.ref.name.localeCompare(b.ref.name),
    );
}

/** Kind order for deletion: controllers before what they control, configuration and storage last. */
export const KIND_ORDER: readonly string[] = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "ReplicaSet",
  "Pod",
  "Service",
  "Ingress",
  "NetworkPolicy",
  "ConfigMap",
  "Secret",
  "ServiceAccount",
  "PersistentVolumeClaim",
];
const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
};

/** The objects the cluster stage applies (lib/render/plan.ts): the lab concern's, and the other concerns' (kube-router, nodelocaldns). */
export function renderedObjects(spec: BenchSpec): { lab: ObjectKey[]; provisioner: ObjectKey[] } {
  const m = planBench(spec).manifests;
  const key = (o: K8sObject): ObjectKey => ({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });
  const objectsOf = (lab: boolean) =>
    Object.entries(m)
      .filter(([name]) => (name === ConcernName.Lab) === lab)
      .flatMap(([, files]) => files.flatMap((f) => f.objects));
  return { lab: objectsOf(true).map(key), provisioner: objectsOf(false).map(key) };
}
