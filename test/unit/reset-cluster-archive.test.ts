/**
 * What the `cluster` and `hosts` levels archive before their rebuild destroys the cluster: a cluster as kubeadm,
 * the API server and netlab leave it (writers as the API records them), plus what students make everywhere.
 * The old plan archived namespace default's LISTED_KINDS only; these cases fail on it.
 */
import { describe, expect, it } from "vitest";
import {
  clusterObjectPath,
  discoveryFailures,
  lateObjects,
  listableResources,
  unarchivedRefusal,
  unavailableApiServices,
  type ClusterListing,
} from "../../lib/reset/cluster-archive";
import { classifyObjects, systemWritten, type ListedObject } from "../../lib/reset/owners";
import { planReset, ResetLevel } from "../../lib/reset/plan";
import { generatedFiles } from "../../lib/reset/scripts";

interface Extra {
  readonly ns?: string;
  readonly by?: string[];
  readonly owner?: [string, string];
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly type?: string;
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}
const uid = (kind: string, ns: string, name: string) => `uid-${kind}-${ns}-${name}`;
/** One object; `ns` undefined: cluster-scoped; `by`: its writers (managedFields managers). */
function o(apiVersion: string, kind: string, name: string, x: Extra = {}): ListedObject {
  const ns = x.ns ?? "";
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      uid: uid(kind, ns, name),
      ...(x.ns ? { namespace: x.ns } : {}),
      ...(x.by ? { managedFields: x.by.map((manager) => ({ manager })) } : {}),
      ...(x.owner ? { ownerReferences: [{ kind: x.owner[0], name: x.owner[1], uid: uid(x.owner[0], ns, x.owner[1]) }] } : {}),
      ...(x.labels ? { labels: x.labels } : {}),
      ...(x.annotations ? { annotations: x.annotations } : {}),
    },
    ...(x.type ? { type: x.type } : {}),
    ...(x.spec ? { spec: x.spec } : {}),
    ...(x.status ? { status: x.status } : {}),
  } as ListedObject;
}
const KS = "kube-system";
const RBAC = "rbac.authorization.k8s.io/v1";
const PULUMI = "pulumi-kubernetes-1089a545";

/** What a bench shows after `up` (kubeadm's, the API server's, netlab's and the lab's). */
const SYSTEM: ListedObject[] = [
  o("v1", "Namespace", "default", { by: ["kube-apiserver"] }),
  o("v1", "Namespace", "kube-system", { by: ["kube-apiserver"] }),
  o("v1", "Namespace", "kube-public", { by: ["kube-apiserver"] }),
  o("v1", "Namespace", "kube-node-lease", { by: ["kube-apiserver"] }),
  o("v1", "Service", "kubernetes", { ns: "default", by: ["kube-apiserver"] }),
  o("v1", "ConfigMap", "kube-root-ca.crt", { ns: "default", by: ["kube-controller-manager"] }),
  o("v1", "ServiceAccount", "default", { ns: "default" }),
  o("v1", "ServiceAccount", "attachdetach-controller", { ns: KS }),
  o("v1", "ConfigMap", "kubeadm-config", { ns: KS, by: ["kubeadm"] }),
  o("v1", "ConfigMap", "cluster-info", { ns: "kube-public", by: ["kubeadm", "kube-controller-manager"] }),
  o("v1", "Secret", "bootstrap-token-abcdef", { ns: KS, by: ["kubeadm"], type: "bootstrap.kubernetes.io/token" }),
  o("apps/v1", "Deployment", "coredns", { ns: KS, by: ["kubeadm", "kube-controller-manager"] }),
  o("apps/v1", "ReplicaSet", "coredns-c8bb9cb94", { ns: KS, by: ["kube-controller-manager"], owner: ["Deployment", "coredns"] }),
  o("v1", "Pod", "coredns-c8bb9cb94-hzzln", { ns: KS, by: ["kube-controller-manager", "kubelet"], owner: ["ReplicaSet", "coredns-c8bb9cb94"] }),
  o("v1", "Pod", "kube-apiserver-controller", { ns: KS, by: ["kubelet"], owner: ["Node", "controller"] }),
  o("apps/v1", "DaemonSet", "kube-router", { ns: KS, by: [PULUMI, "kube-controller-manager"] }),
  o("v1", "ConfigMap", "kube-router-cfg", { ns: KS, by: [PULUMI] }),
  o(RBAC, "ClusterRole", "kube-router", { by: [PULUMI] }),
  o(RBAC, "ClusterRole", "admin", { by: ["clusterrole-aggregation-controller", "kube-apiserver"], labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } }),
  o(RBAC, "ClusterRole", "system:coredns", { by: ["kubeadm"] }),
  o(RBAC, "ClusterRoleBinding", "kubeadm:cluster-admins", { by: ["kubeadm"] }),
  o("apiregistration.k8s.io/v1", "APIService", "v1.apps", { by: ["kube-apiserver"], labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" } }),
  o("flowcontrol.apiserver.k8s.io/v1", "FlowSchema", "catch-all", {
    by: ["api-priority-and-fairness-config-producer-v1"],
    annotations: { "apf.kubernetes.io/autoupdate-spec": "true" },
  }),
  o("scheduling.k8s.io/v1", "PriorityClass", "system-node-critical", { by: ["kube-apiserver"] }),
  o("networking.k8s.io/v1", "ServiceCIDR", "kubernetes", { by: ["kube-apiserver", "service-cidr-controller"] }),
  o("certificates.k8s.io/v1", "CertificateSigningRequest", "csr-x7k2p", {
    by: ["kubelet", "kube-controller-manager"],
    spec: { username: "system:bootstrap:abcdef" },
  }),
  o("apps/v1", "Deployment", "webserver-1", { ns: "default", by: [PULUMI, "kube-controller-manager"] }),
  o("v1", "Pod", "client-1", { ns: "default", by: [PULUMI, "kubelet"] }),
];

/** What students make across the cluster. */
const STUDENT: ListedObject[] = [
  o("v1", "Namespace", "student-ns", { by: ["kubectl-create"] }),
  o("v1", "ConfigMap", "student-cm", { ns: "student-ns", by: ["kubectl-create"] }),
  o("v1", "Secret", "student-secret", { ns: "student-ns", by: ["kubectl-create"], type: "Opaque" }),
  o("batch/v1", "CronJob", "nightly", { ns: "student-ns", by: ["kubectl-client-side-apply", "kube-controller-manager"] }),
  o("batch/v1", "Job", "nightly-2901", { ns: "student-ns", by: ["kube-controller-manager"], owner: ["CronJob", "nightly"] }),
  o("v1", "Pod", "nightly-2901-abcde", { ns: "student-ns", by: ["kube-controller-manager", "kubelet"], owner: ["Job", "nightly-2901"] }),
  o("v1", "Pod", "client-1", { ns: "student-ns", by: ["kubectl-run"] }), // a lab name, in another namespace
  o(RBAC, "ClusterRole", "student-reader", { by: ["kubectl-create"] }),
  o(RBAC, "Role", "pod-reader", { ns: "default", by: ["kubectl-create"] }),
  o("autoscaling/v2", "HorizontalPodAutoscaler", "web", { ns: "default", by: ["kubectl-autoscale"] }),
  o("v1", "Pod", "student-pod", { ns: "default", by: ["kubectl-run", "kubelet"] }),
  o("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.lab.example", { by: ["kubectl-client-side-apply", "kube-apiserver"] }),
  o("lab.example/v1", "Widget", "w1", { ns: "student-ns", by: ["kubectl-client-side-apply"] }),
  o("apps/v1", "Deployment", "sneaky", { ns: KS, by: ["kubectl-create", "kube-controller-manager"] }),
  o("v1", "ConfigMap", "coredns", { ns: KS, by: ["kubeadm", "kubectl-edit"] }), // kubeadm's, edited by a student
  // Kubernetes' own, in the student's namespace.
  o("v1", "ServiceAccount", "default", { ns: "student-ns" }),
  o("v1", "ConfigMap", "kube-root-ca.crt", { ns: "student-ns", by: ["kube-controller-manager"] }),
];

const LAB = [
  { kind: "Deployment", name: "webserver-1" },
  { kind: "Pod", name: "client-1" },
];
const PROVISIONER = [
  { kind: "DaemonSet", name: "kube-router", namespace: KS },
  { kind: "ConfigMap", name: "kube-router-cfg", namespace: KS },
  { kind: "ClusterRole", name: "kube-router" },
];
const listing: ClusterListing = { objects: [...SYSTEM, ...STUDENT], unlistable: [] };

const STUDENT_PATHS = [
  "cluster/_cluster/ClusterRole.rbac.authorization.k8s.io/student-reader.yaml",
  "cluster/_cluster/CustomResourceDefinition.apiextensions.k8s.io/widgets.lab.example.yaml",
  "cluster/_cluster/Namespace/student-ns.yaml",
  "cluster/default/HorizontalPodAutoscaler.autoscaling/web.yaml",
  "cluster/default/Pod/student-pod.yaml",
  "cluster/default/Role.rbac.authorization.k8s.io/pod-reader.yaml",
  "cluster/kube-system/ConfigMap/coredns.yaml",
  "cluster/kube-system/Deployment.apps/sneaky.yaml",
  "cluster/student-ns/ConfigMap/student-cm.yaml",
  "cluster/student-ns/CronJob.batch/nightly.yaml",
  "cluster/student-ns/Job.batch/nightly-2901.yaml",
  "cluster/student-ns/Pod/client-1.yaml",
  "cluster/student-ns/Pod/nightly-2901-abcde.yaml",
  "cluster/student-ns/Secret/student-secret.yaml",
  "cluster/student-ns/Widget.lab.example/w1.yaml",
];

describe("the cluster level's archive", () => {
  const plan = planReset({
    level: ResetLevel.Cluster,
    cluster: listing,
    home: [{ name: "notes", type: "dir" }],
    labObjects: LAB,
    provisionerObjects: PROVISIONER,
  });

  it("archives every student object, in any namespace, cluster-scoped, of any kind, and nothing of the system's", () => {
    expect(plan.archive.filter((a) => "object" in a.source).map((a) => a.path)).toEqual(STUDENT_PATHS);
    expect(plan.archive.at(-1)).toEqual({ path: "home/notes", source: { file: "notes" } });
    expect(plan.cluster?.notArchived).toEqual({ lab: 2, provisioner: 3, kubernetes: SYSTEM.length - 5 + 2 });
  });

  it("says why each object is or is not archived", () => {
    const why = (kind: string, ns: string, name: string) =>
      plan.cluster!.objects.find((d) => d.ref.kind === kind && d.ref.namespace === ns && d.ref.name === name);
    expect(why("Pod", "kube-system", "coredns-c8bb9cb94-hzzln")).toMatchObject({ owner: "kubernetes", reason: "owned by Deployment/coredns" });
    expect(why("Deployment", "kube-system", "coredns")).toMatchObject({ owner: "kubernetes", reason: "written only by kubeadm, kube-controller-manager" });
    expect(why("ServiceAccount", "kube-system", "attachdetach-controller")).toMatchObject({
      owner: "kubernetes",
      reason: "in kube-system, written by no one else",
    });
    expect(why("Pod", "kube-system", "kube-apiserver-controller")).toMatchObject({ owner: "kubernetes", reason: "written only by kubelet" });
    expect(why("ClusterRole", "", "kube-router")).toMatchObject({ owner: "provisioner", reason: "netlab's cluster stage" });
    expect(why("ClusterRole", "", "system:coredns")).toMatchObject({ owner: "kubernetes", reason: "reserved name system:" });
    expect(why("Pod", "default", "client-1")).toMatchObject({ owner: "lab" });
    expect(why("Pod", "student-ns", "client-1")).toMatchObject({ owner: "student", reason: "student-made (written by kubectl-run)" });
    expect(why("ConfigMap", "kube-system", "coredns")).toMatchObject({ owner: "student", reason: "student-made (written by kubectl-edit)" });
    expect(why("Pod", "student-ns", "nightly-2901-abcde")).toMatchObject({ owner: "student", reason: "owned by CronJob/nightly", dependent: true });
    expect(why("ServiceAccount", "student-ns", "default")).toMatchObject({ owner: "kubernetes" });
  });

  it("still deletes namespace default's student roots of the listed kinds only; the rebuild takes the rest", () => {
    expect(plan.deleteObjects).toEqual([{ kind: "Pod", name: "student-pod", namespace: "default" }]);
    expect(plan.rebuild).toBe("cluster");
    expect(plan.recreatePods).toEqual([]);
  });

  it("hosts archives the same; workloads keeps to namespace default; a destroying level without the listing is refused", () => {
    const hosts = planReset({ level: ResetLevel.Hosts, cluster: listing, home: [], labObjects: LAB, provisionerObjects: PROVISIONER });
    expect(hosts.archive.map((a) => a.path)).toEqual(STUDENT_PATHS);
    const workloads = planReset({
      level: ResetLevel.Workloads,
      objects: listing.objects.filter((x) => x.metadata.namespace === "default"),
      home: [],
      labObjects: LAB,
    });
    expect(workloads.archive.map((a) => a.path).sort()).toEqual([
      "objects/horizontalpodautoscaler-web.yaml",
      "objects/pod-student-pod.yaml",
      "objects/role-pod-reader.yaml",
    ]);
    expect(() => planReset({ level: ResetLevel.Cluster, objects: [], home: [] })).toThrow(/needs the whole cluster's listing/);
  });

  it("writes each archived object as listed, minus its managedFields, the right one of namesakes", () => {
    const a = { ...o("v1", "ConfigMap", "settings", { ns: "a", by: ["kubectl-create"] }), data: { from: "a" } } as ListedObject;
    const b = { ...o("v1", "ConfigMap", "settings", { ns: "b", by: ["kubectl-create"] }), data: { from: "b" } } as ListedObject;
    const p = planReset({ level: ResetLevel.Cluster, cluster: { objects: [a, b], unlistable: [] }, home: [] });
    const files = Object.fromEntries(generatedFiles(p, [a, b], {}));
    expect(files["cluster/a/ConfigMap/settings.yaml"]).toMatch(/from: a/);
    expect(files["cluster/b/ConfigMap/settings.yaml"]).toMatch(/from: b/);
    expect(files["cluster/a/ConfigMap/settings.yaml"]).not.toMatch(/managedFields|kubectl-create/);
  });
});

describe("what cannot be archived", () => {
  it("refuses, naming it, unless told to discard it", () => {
    const unlistable = [{ what: "broken.example/v1beta1", why: "APIService v1beta1.broken.example is not available (ServiceNotFound)" }];
    expect(unarchivedRefusal(unlistable, false, "Nothing was changed")).toMatch(
      new RegExp(
        /^refusing to destroy the cluster: 1 kind\(s\) or API group\(s\) could not be listed, so what they hold cannot be archived: /.source +
          /broken\.example\/v1beta1 \(APIService .*\)\. Nothing was changed\. .*--discard-unarchived/.source,
      ),
    );
    expect(unarchivedRefusal(unlistable, true, "x")).toBeUndefined();
    expect(unarchivedRefusal([], false, "x")).toBeUndefined();
    const plan = planReset({ level: ResetLevel.Cluster, cluster: { ...listing, unlistable }, home: [] });
    expect(plan.cluster?.unlistable).toEqual(unlistable);
  });

  it("finds unavailable aggregated APIs (discovery leaves them out silently) and discovery's own failures", () => {
    const apiService = (name: string, available: string, service?: object) =>
      ({
        ...o("apiregistration.k8s.io/v1", "APIService", name),
        spec: { group: name.split(".").slice(1).join("."), version: name.split(".")[0], ...(service ? { service } : {}) },
        status: { conditions: [{ type: "Available", status: available, reason: available === "True" ? "Passed" : "ServiceNotFound" }] },
      }) as unknown as ListedObject;
    expect(
      unavailableApiServices([
        apiService("v1beta1.broken.example", "False", { name: "nowhere", namespace: "default" }),
        apiService("v1.apps", "True"),
        apiService("v1beta1.metrics.k8s.io", "True", { name: "metrics-server", namespace: "kube-system" }),
      ]),
    ).toEqual([{ what: "broken.example/v1beta1", why: "APIService v1beta1.broken.example is not available (ServiceNotFound)" }]);
    const partialDiscovery =
      "E1124 memcache.go:265] couldn't get resource list\n" +
      "error: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request, " +
      "x.example/v1: stale GroupVersion discovery: x.example/v1";
    expect(discoveryFailures(partialDiscovery)).toEqual([
      { what: "metrics.k8s.io/v1beta1", why: "the server is currently unable to handle the request" },
      { what: "x.example/v1", why: "stale GroupVersion discovery: x.example/v1" },
    ]);
    expect(discoveryFailures("error: You must be logged in to the server (Unauthorized)")).toEqual([
      { what: "API discovery", why: "error: You must be logged in to the server (Unauthorized)" },
    ]);
    expect(discoveryFailures("")).toEqual([]);
  });

  it("lists every kind but those whose objects always belong to something else", () => {
    expect(listableResources("pods\nevents\nevents.events.k8s.io\nleases.coordination.k8s.io\nwidgets.lab.example\nnodes\npods\n")).toEqual([
      "pods",
      "widgets.lab.example",
    ]);
  });

  it("finds student objects made after the archive (not their dependents, not what it holds)", () => {
    const plan = planReset({ level: ResetLevel.Cluster, cluster: listing, home: [], labObjects: LAB, provisionerObjects: PROVISIONER });
    const later = [
      ...listing.objects,
      o("v1", "ConfigMap", "late-cm", { ns: "student-ns", by: ["kubectl-create"] }),
      o("batch/v1", "Job", "nightly-2902", { ns: "student-ns", by: ["kube-controller-manager"], owner: ["CronJob", "nightly"] }),
      o("v1", "ConfigMap", "kube-root-ca.crt", { ns: "another-ns", by: ["kube-controller-manager"] }),
    ];
    expect(lateObjects(plan.archive, { objects: later, unlistable: [] }, LAB, PROVISIONER).map((e) => e.path)).toEqual([
      "cluster/student-ns/ConfigMap/late-cm.yaml",
    ]);
    expect(lateObjects(plan.archive, listing, LAB, PROVISIONER)).toEqual([]);
  });
});

describe("archive paths and writers", () => {
  it("names an object's file by namespace, kind and group; any name is a safe path", () => {
    expect(clusterObjectPath(o("lab.example/v1", "Widget", "w1", { ns: "student-ns" }))).toBe("cluster/student-ns/Widget.lab.example/w1.yaml");
    expect(clusterObjectPath(o(RBAC, "ClusterRole", "a b\nc/ü%"))).toBe("cluster/_cluster/ClusterRole.rbac.authorization.k8s.io/a%20b%0Ac%2F%C3%BC%25.yaml");
  });

  it("the system's writers only; nobody recorded counts only in the system namespaces", () => {
    expect(systemWritten(o("v1", "ConfigMap", "x", { ns: "default", by: ["kubeadm", "kube-controller-manager"] }))?.owner).toBe("kubernetes");
    expect(systemWritten(o("v1", "ConfigMap", "x", { ns: "default", by: [PULUMI] }))).toEqual({ owner: "provisioner", reason: "written only by netlab" });
    expect(systemWritten(o("v1", "ConfigMap", "x", { ns: "default", by: ["kubeadm", "helm"] }))).toBeUndefined();
    expect(systemWritten(o("v1", "ServiceAccount", "x", { ns: "default" }))).toBeUndefined();
    expect(systemWritten(o("v1", "ServiceAccount", "x", { ns: "kube-node-lease" }))?.owner).toBe("kubernetes");
    // The workloads level's rule is the same one: a student's object in default is a student's either way.
    expect(classifyObjects([o("v1", "ServiceAccount", "x", { ns: "default" })])[0]?.owner).toBe("student");
  });
});
