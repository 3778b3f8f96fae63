import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { confirmReset } from "../../lib/reset/op";
import {
  ResetLevel,
  classifyFiles,
  classifyObjects,
  describePlan,
  parseHomeListing,
  parseResetLevel,
  planReset,
  type HomeEntry,
  type ListedObject,
} from "../../lib/reset/plan";
import { cleanCheckResults, clusterStageUrns, kubernetesObjectUrns, timestamp } from "../../lib/reset/reset";

const obj = (kind: string, name: string, extra: Partial<ListedObject["metadata"]> & { type?: string } = {}): ListedObject => {
  const { type, ...metadata } = extra;
  return { kind, metadata: { name, namespace: "default", uid: `uid-${kind}-${name}`, ...metadata }, ...(type ? { type } : {}) };
};
const ownedBy = (kind: string, name: string) => ({ ownerReferences: [{ kind, name, uid: `uid-${kind}-${name}` }] });

/** Namespace default of a bench after `up`, plus what students typically leave. */
const listing: ListedObject[] = [
  // The lab's own.
  obj("Deployment", "webserver-1"),
  obj("ReplicaSet", "webserver-1-6c6d696d9f", ownedBy("Deployment", "webserver-1")),
  obj("Pod", "webserver-1-6c6d696d9f-gsgnn", ownedBy("ReplicaSet", "webserver-1-6c6d696d9f")),
  obj("Service", "webserver-service-1"),
  obj("Pod", "client-1"),
  obj("Pod", "client-2"),
  // Kubernetes' own.
  obj("Service", "kubernetes"),
  obj("ConfigMap", "kube-root-ca.crt"),
  obj("ServiceAccount", "default"),
  obj("Secret", "default-token-abcde", { type: "kubernetes.io/service-account-token", annotations: { "kubernetes.io/service-account.name": "default" } }),
  obj("EndpointSlice", "webserver-service-1-x7k2p", ownedBy("Service", "webserver-service-1")),
  obj("Event", "client-1.17f0"),
  // Students'.
  obj("Pod", "student-pod"),
  obj("Deployment", "student-dep"),
  obj("ReplicaSet", "student-dep-75c9dbf775", ownedBy("Deployment", "student-dep")),
  obj("Pod", "student-dep-75c9dbf775-v7chp", ownedBy("ReplicaSet", "student-dep-75c9dbf775")),
  obj("Service", "student-svc"),
  obj("ConfigMap", "student-cm"),
  obj("Secret", "student-secret", { type: "Opaque" }),
  obj("ServiceAccount", "student-sa"),
  obj("Secret", "student-sa-token", { type: "kubernetes.io/service-account-token", annotations: { "kubernetes.io/service-account.name": "student-sa" } }),
  obj("NetworkPolicy", "deny-all"),
  obj("Job", "probe"),
  obj("Pod", "probe-abcde", ownedBy("Job", "probe")),
  obj("PersistentVolumeClaim", "data"),
];

const home: HomeEntry[] = [
  { name: "k8s-network-lab-s1.yml", type: "file" },
  { name: "k8s-network-lab-c1.yml", type: "file" },
  { name: "admin.conf", type: "file" },
  { name: ".kube", type: "dir" },
  { name: ".bashrc", type: "file" },
  { name: ".profile", type: "file" },
  { name: ".ssh", type: "dir" },
  { name: ".bash_history", type: "file" },
  { name: "capture-1.pcap", type: "file" },
  { name: "k8s-net-question-1.txt", type: "file" },
  { name: "notes", type: "dir" },
  { name: "lab.yml", type: "link" },
];

const names = (refs: readonly { kind: string; name: string }[]) => refs.map((r) => `${r.kind}/${r.name}`);

describe("classifyObjects", () => {
  const decisions = classifyObjects(listing);
  const owner = (kind: string, name: string) => decisions.find((d) => d.ref.kind === kind && d.ref.name === name)!;

  it("keeps the lab's objects and everything they own", () => {
    for (const [kind, name] of [
      ["Deployment", "webserver-1"],
      ["Service", "webserver-service-1"],
      ["Pod", "client-1"],
      ["Pod", "client-2"],
    ]) {
      expect(owner(kind!, name!), `${kind}/${name}`).toMatchObject({ owner: "lab", reason: "lab manifest" });
    }
    expect(owner("ReplicaSet", "webserver-1-6c6d696d9f")).toMatchObject({ owner: "lab", reason: "owned by Deployment/webserver-1" });
    expect(owner("Pod", "webserver-1-6c6d696d9f-gsgnn")).toMatchObject({ owner: "lab", reason: "owned by Deployment/webserver-1" });
  });

  it("keeps what Kubernetes makes by itself", () => {
    for (const [kind, name] of [
      ["Service", "kubernetes"],
      ["ConfigMap", "kube-root-ca.crt"],
      ["ServiceAccount", "default"],
      ["Secret", "default-token-abcde"],
      ["EndpointSlice", "webserver-service-1-x7k2p"],
      ["Event", "client-1.17f0"],
    ]) {
      expect(owner(kind!, name!).owner, `${kind}/${name}`).toBe("kubernetes");
    }
  });

  it("finds every student-made object, telling roots from what they own", () => {
    const student = decisions.filter((d) => d.owner === "student");
    expect(names(student.filter((d) => !d.dependent).map((d) => d.ref)).sort()).toEqual([
      "ConfigMap/student-cm",
      "Deployment/student-dep",
      "Job/probe",
      "NetworkPolicy/deny-all",
      "PersistentVolumeClaim/data",
      "Pod/student-pod",
      "Secret/student-sa-token",
      "Secret/student-secret",
      "Service/student-svc",
      "ServiceAccount/student-sa",
    ]);
    expect(names(student.filter((d) => d.dependent).map((d) => d.ref)).sort()).toEqual([
      "Pod/probe-abcde",
      "Pod/student-dep-75c9dbf775-v7chp",
      "ReplicaSet/student-dep-75c9dbf775",
    ]);
    expect(owner("Pod", "student-dep-75c9dbf775-v7chp").reason).toBe("owned by Deployment/student-dep");
  });

  it("judges an object whose owner is not listed by itself", () => {
    const [d] = classifyObjects([obj("Pod", "orphan", ownedBy("Node", "compute1"))]);
    expect(d).toMatchObject({ owner: "student", dependent: false });
  });

  it("uses the lab objects it is given (a renamed lab)", () => {
    const d = classifyObjects([obj("Pod", "client-1"), obj("Pod", "client-9")], [{ kind: "Pod", name: "client-9" }]);
    expect(d.map((x) => [x.ref.name, x.owner])).toEqual([
      ["client-1", "student"],
      ["client-9", "lab"],
    ]);
  });
});

describe("classifyFiles", () => {
  it("keeps the lab's files and the account's dotfiles, removes the rest", () => {
    const d = classifyFiles(home);
    expect(d.filter((f) => f.keep).map((f) => f.entry.name)).toEqual([
      ".bashrc",
      ".kube",
      ".profile",
      ".ssh",
      "admin.conf",
      "k8s-network-lab-c1.yml",
      "k8s-network-lab-s1.yml",
    ]);
    expect(d.filter((f) => !f.keep).map((f) => [f.entry.name, f.reason])).toEqual([
      [".bash_history", "student trace (dotfile)"],
      ["capture-1.pcap", "student file"],
      ["k8s-net-question-1.txt", "student file"],
      ["lab.yml", "student file"],
      ["notes", "student file"],
    ]);
  });

  it("also keeps what the node's /etc/skel holds", () => {
    const d = classifyFiles(
      [
        { name: ".bash_history", type: "file" },
        { name: ".vimrc", type: "file" },
      ],
      [".vimrc"],
    );
    expect(d.map((f) => [f.entry.name, f.keep])).toEqual([
      [".bash_history", false],
      [".vimrc", true],
    ]);
  });

  it("never plans to remove '.', '..' or a path with a slash", () => {
    expect(
      classifyFiles([
        { name: ".", type: "dir" },
        { name: "..", type: "dir" },
        { name: "a/b", type: "file" },
        { name: "", type: "file" },
      ]),
    ).toEqual([]);
  });
});

describe("planReset", () => {
  it("workloads: archives student objects and files, deletes the roots, removes the files, recreates the lab pods", () => {
    const plan = planReset({ level: ResetLevel.Workloads, objects: listing, home });
    expect(plan.rebuild).toBe("none");
    expect(plan.archive.map((a) => a.path)).toContain("objects/pod-student-pod.yaml");
    expect(plan.archive.map((a) => a.path)).toContain("objects/replicaset-student-dep-75c9dbf775.yaml");
    expect(plan.archive.map((a) => a.path)).toContain("home/capture-1.pcap");
    expect(plan.archive.map((a) => a.path)).toContain("home/notes");
    expect(plan.archive.some((a) => /webserver|client|kubernetes|kube-root|admin\.conf|k8s-network-lab|\.kube$/.test(a.path))).toBe(false);
    // Controllers before what they control; storage last. Dependents are left to the garbage collector.
    expect(names(plan.deleteObjects)).toEqual([
      "Deployment/student-dep",
      "Job/probe",
      "Pod/student-pod",
      "Service/student-svc",
      "NetworkPolicy/deny-all",
      "ConfigMap/student-cm",
      "Secret/student-sa-token",
      "Secret/student-secret",
      "ServiceAccount/student-sa",
      "PersistentVolumeClaim/data",
    ]);
    expect(plan.removeFiles).toEqual([".bash_history", "capture-1.pcap", "k8s-net-question-1.txt", "lab.yml", "notes"]);
    expect(names(plan.recreatePods)).toEqual(["Pod/client-1", "Pod/client-2", "Pod/webserver-1-6c6d696d9f-gsgnn"]);
    expect(describePlan(plan)[0]).toBe("level workloads: archive 18 item(s), delete 10 object(s), remove 5 file(s)");
  });

  it("cluster and hosts: namespace default cleaned up as at workloads, its objects archived in the whole cluster's layout, then a rebuild", () => {
    const versions: Record<string, string> = {
      Deployment: "apps/v1",
      ReplicaSet: "apps/v1",
      Job: "batch/v1",
      NetworkPolicy: "networking.k8s.io/v1",
      EndpointSlice: "discovery.k8s.io/v1",
    };
    const cluster = { objects: listing.map((o) => ({ ...o, apiVersion: versions[o.kind] ?? "v1" })), unlistable: [] };
    const workloads = planReset({ level: ResetLevel.Workloads, objects: listing, home });
    for (const level of [ResetLevel.Cluster, ResetLevel.Hosts]) {
      const plan = planReset({ level, cluster, home });
      expect(plan.rebuild).toBe(level);
      expect(plan.recreatePods).toEqual([]);
      expect(plan.deleteObjects).toEqual(workloads.deleteObjects);
      expect(plan.removeFiles).toEqual(workloads.removeFiles);
      expect(plan.archive.length).toBe(workloads.archive.length);
      expect(plan.archive.map((a) => a.path)).toContain("cluster/default/Pod/student-pod.yaml");
      expect(plan.archive.map((a) => a.path)).toContain("cluster/default/ReplicaSet.apps/student-dep-75c9dbf775.yaml");
      expect(describePlan(plan).at(-1)).toMatch(/^rebuild the /);
    }
  });

  it("a fresh bench: nothing to archive, delete or remove", () => {
    const fresh = listing.filter((o) => !/student|probe|deny-all|^data$/.test(o.metadata.name));
    const labHome = home.filter((h) => [".kube", "admin.conf", "k8s-network-lab-s1.yml", "k8s-network-lab-c1.yml", ".bashrc"].includes(h.name));
    const plan = planReset({ level: ResetLevel.Workloads, objects: fresh, home: labHome });
    expect(plan.archive).toEqual([]);
    expect(plan.deleteObjects).toEqual([]);
    expect(plan.removeFiles).toEqual([]);
    expect(plan.recreatePods).toHaveLength(3);
  });
});

describe("helpers", () => {
  it("parses levels, defaulting to workloads, and rejects others clearly", () => {
    expect(parseResetLevel(undefined)).toBe("workloads");
    expect(parseResetLevel("Cluster")).toBe("cluster");
    expect(() => parseResetLevel("everything")).toThrow(/--level: "everything" is not a reset level; use one of workloads, cluster, hosts/);
  });

  it("parses find's NUL-separated listing, names with spaces and newlines included", () => {
    expect(parseHomeListing("f capture 1.pcap\0d notes\0l lab.yml\0f odd\nname\0p fifo\0")).toEqual([
      { name: "capture 1.pcap", type: "file" },
      { name: "notes", type: "dir" },
      { name: "lab.yml", type: "link" },
      { name: "odd\nname", type: "file" },
      { name: "fifo", type: "other" },
    ]);
    expect(parseHomeListing("")).toEqual([]);
  });

  it("time stamps sort and have no separators a file name dislikes", () => {
    expect(timestamp(new Date("2025-03-01T14:15:02.123Z"))).toBe("20250301T141502Z");
  });

  it("picks the kubeadm and cluster stages' URNs from the state", () => {
    const r = (type: string, name: string) => ({ type, urn: `urn:pulumi:s::k8s-netlab::x$${type}::${name}` });
    const resources = [
      r("netlab:hosts:BenchHost", "room1-bench1-compute1"),
      r("pulumi-nodejs:dynamic/netlab:SshStep", "room1-bench1-compute1-base-os"),
      r("netlab:cluster:KubeadmCluster", "room1-bench1-kubeadm"),
      r("pulumi-nodejs:dynamic/netlab:SshStep", "room1-bench1-kubeadm-init"),
      r("pulumi:providers:kubernetes", "room1-bench1-k8s"),
      r("kubernetes:core/v1:Pod", "room1-bench1-lab-c1-default/client-1"),
    ];
    const last = (urns: string[]) => urns.map((u) => u.split("::").pop());
    expect(last(clusterStageUrns(resources))).toEqual(["room1-bench1-kubeadm", "room1-bench1-kubeadm-init", "room1-bench1-lab-c1-default/client-1"]);
    expect(last(kubernetesObjectUrns(resources))).toEqual(["room1-bench1-lab-c1-default/client-1"]);
  });

  it("reads node-clean probes: clean and dirty, only what the node printed", () => {
    const probed = "file:/etc/cni/net.d/10-kuberouter.conflist=absent\nlink:kube-bridge=present\nroutes:proto-17=0\nipvs:virtual-servers=3\n";
    const checks = cleanCheckResults("compute1", probed);
    expect(checks.map((c) => [c.what, c.result])).toEqual([
      ["file:/etc/cni/net.d/10-kuberouter.conflist", "clean"],
      ["link:kube-bridge", "dirty"],
      ["routes:proto-17", "clean"],
      ["ipvs:virtual-servers", "dirty"],
    ]);
    const noIpvsadm = cleanCheckResults("compute1", "file:/var/lib/kube-router=present\nipvs:virtual-servers=no-ipvsadm\n");
    expect(noIpvsadm.map((c) => c.result)).toEqual(["dirty", "clean"]);
  });
});

describe("confirmReset", () => {
  const tty = () => Object.assign(new PassThrough(), { isTTY: true });

  it("needs no question with --yes or --dry-run", async () => {
    await expect(confirmReset(["a"], ResetLevel.Hosts, { yes: true, input: new PassThrough() })).resolves.toBe(true);
    await expect(confirmReset(["a"], ResetLevel.Hosts, { dryRun: true, input: new PassThrough() })).resolves.toBe(true);
  });

  it("refuses without a terminal and without --yes, saying how to go on", async () => {
    await expect(confirmReset(["room27-bench4", "room27-bench5"], ResetLevel.Cluster, { input: new PassThrough(), output: new PassThrough() })).rejects.toThrow(
      /refusing to reset 2 benches \(room27-bench4, room27-bench5\) without confirmation: standard input is not a terminal\. Pass --yes/,
    );
  });

  it("asks on a terminal; only y or yes goes ahead", async () => {
    for (const [answer, expected] of [
      ["y\n", true],
      ["YES\n", true],
      ["\n", false],
      ["n\n", false],
      ["maybe\n", false],
    ] as const) {
      const input = tty();
      const output = new PassThrough();
      const asked: string[] = [];
      output.on("data", (d: Buffer) => asked.push(d.toString()));
      const pending = confirmReset(["a", "b", "c"], ResetLevel.Workloads, { input, output });
      input.write(answer);
      await expect(pending, JSON.stringify(answer)).resolves.toBe(expected);
      expect(asked.join("")).toContain("Reset 3 benches at level workloads? Student work is archived first. [y/N] ");
    }
  });
});
