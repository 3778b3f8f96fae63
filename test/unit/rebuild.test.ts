/**
 * lib/reset/rebuild.ts: the destroy of a `cluster` or `hosts` reset, the clean check that must pass on every node
 * before the bench comes back up, and the ARP flush in the recreated lab pods. The stack and the nodes are
 * stand-ins: the stack keeps a resource list that destroy shrinks, each node answers its probes with a given text.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import type { ClusterState, PodState } from "../../lib/facts/cluster-state";
import type { BenchAccess, NodeShellOptions } from "../../lib/remote/bench-access";
import { ResetLevel } from "../../lib/reset/plan";
import { clusterStageUrns, destroyAndCheck, flushArp, kubernetesObjectUrns, StepOutcome } from "../../lib/reset/rebuild";
import { specFor } from "../helpers/spec";

interface Resource {
  urn: string;
  type: string;
}
const res = (type: string, name: string): Resource => ({ type, urn: `urn:pulumi:room27-bench4::k8s-netlab::${type}::${name}` });
const STATE: Resource[] = [
  res("pulumi:pulumi:Stack", "k8s-netlab-room27-bench4"),
  res("netlab:hosts:BenchHost", "room27-bench4-compute1"),
  res("pulumi-nodejs:dynamic/netlab:SshStep", "room27-bench4-compute1-base-os"),
  res("netlab:cluster:KubeadmCluster", "room27-bench4-kubeadm"),
  res("pulumi-nodejs:dynamic/netlab:SshStep", "room27-bench4-kubeadm-init"),
  res("pulumi-nodejs:dynamic/netlab:JoinStep", "room27-bench4-kubeadm-join-compute1"),
  res("pulumi:providers:kubernetes", "room27-bench4-k8s"),
  res("netlab:cluster:KubeRouter", "room27-bench4-kube-router"),
  res("kubernetes:apps/v1:DaemonSet", "room27-bench4-kube-router-ds"),
  res("kubernetes:core/v1:Pod", "room27-bench4-lab-client-1"),
];
const K8S = STATE.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.urn);
const name = (urn: string) => urn.split("::").pop();

/** A stack whose destroy removes what it targets (all when untargeted) and reports the given change counts. */
function fakeStack(counts: Record<string, number>[], initial: readonly Resource[] = STATE) {
  let resources = [...initial];
  const destroys: { target?: string[]; targetDependents?: boolean; removed: string[] }[] = [];
  const stack = {
    exportStack: async () => ({ version: 3, deployment: { resources: [...resources] } }),
    destroy: async (opts: { target?: string[]; targetDependents?: boolean }) => {
      const gone = opts.target ? resources.filter((r) => opts.target!.includes(r.urn)) : resources;
      destroys.push({ target: opts.target, targetDependents: opts.targetDependents, removed: gone.map((r) => r.urn) });
      resources = resources.filter((r) => !gone.includes(r));
      return { summary: { resourceChanges: counts[destroys.length - 1] ?? {} } };
    },
  } as unknown as Stack;
  return { stack, destroys };
}

const CLEAN = "file:/etc/cni/net.d/10-kuberouter.conflist=absent\nlink:kube-bridge=absent\nroutes:proto-17=0\ncri:pods=0\ncri:ps=0\n";

/** A bench whose nodes answer every script with `answers[node]` (CLEAN by default), recording each call. */
function fakeAccess(answers: Record<string, string> = {}, nodeRoot = "/srv/nodes/r27") {
  const spec = specFor(27, 4, { nodeRoot });
  const calls: { node: string; argv: readonly string[]; opts?: NodeShellOptions }[] = [];
  const access = {
    spec,
    ssh: async (node: string, argv: readonly string[], opts?: NodeShellOptions) => {
      calls.push({ node, argv, opts });
      return answers[node] ?? CLEAN;
    },
  } as unknown as BenchAccess;
  return { access, calls };
}

function recorder() {
  const notes: [string, string, string][] = [];
  return { notes, note: (step: string, outcome: StepOutcome, detail: string) => void notes.push([step, outcome, detail]) };
}

describe("the URN selections", () => {
  it("kubernetesObjectUrns takes only what the Kubernetes provider made", () => {
    expect(kubernetesObjectUrns(STATE)).toEqual(K8S);
  });

  it("clusterStageUrns adds the kubeadm component and every -kubeadm- step, never the hosts stage", () => {
    expect(clusterStageUrns(STATE).map(name)).toEqual([
      "room27-bench4-kubeadm",
      "room27-bench4-kubeadm-init",
      "room27-bench4-kubeadm-join-compute1",
      "room27-bench4-kube-router",
      "room27-bench4-kube-router-ds",
      "room27-bench4-lab-client-1",
    ]);
    expect(clusterStageUrns(STATE).some((u) => u.includes("base-os") || u.includes("BenchHost"))).toBe(false);
  });
});

describe("destroyAndCheck", () => {
  it('hosts: Kubernetes objects first (provider kept), then the whole stack; counts summed without "same"', async () => {
    const { stack, destroys } = fakeStack([
      { delete: 2, same: 8 },
      { delete: 8, same: 0, update: 1 },
    ]);
    const { access } = fakeAccess();
    const { notes, note } = recorder();
    const out = await destroyAndCheck(stack, access, ResetLevel.Hosts, () => undefined, note);
    expect(destroys.map((d) => [d.target, d.targetDependents])).toEqual([
      [K8S, true],
      [undefined, undefined],
    ]);
    expect(destroys[0]!.removed.map(name)).not.toContain("room27-bench4-k8s");
    expect(out.destroy).toEqual({ delete: 10, update: 1 });
    expect(notes[0]).toEqual(["destroy", "done", "Kubernetes objects (2), then every stage"]);
  });

  it("cluster: the second destroy targets the kubeadm stage as it stands after the first", async () => {
    const { stack, destroys } = fakeStack([{ delete: 2 }, { delete: 4 }]);
    const { notes, note } = recorder();
    await destroyAndCheck(stack, fakeAccess().access, ResetLevel.Cluster, () => undefined, note);
    expect(destroys).toHaveLength(2);
    expect(destroys[1]!.targetDependents).toBe(true);
    expect(destroys[1]!.target!.map(name)).toEqual([
      "room27-bench4-kubeadm",
      "room27-bench4-kubeadm-init",
      "room27-bench4-kubeadm-join-compute1",
      "room27-bench4-kube-router",
    ]);
    expect(notes[0]).toEqual(["destroy", "done", "Kubernetes objects (2), then the kubeadm stage (4 targeted resources and their dependents)"]);
  });

  it("cluster: no kubeadm stage left means no second destroy (an empty target list would destroy every stage)", async () => {
    const hostsOnly = STATE.filter((r) => !clusterStageUrns(STATE).includes(r.urn));
    const { stack, destroys } = fakeStack([{ delete: 2 }], hostsOnly);
    await destroyAndCheck(stack, fakeAccess().access, ResetLevel.Cluster, () => undefined, recorder().note);
    // Nothing of the cluster stage, its objects included, is left: no destroy runs, and the hosts stage stays.
    expect(destroys).toEqual([]);
  });

  it("skips the object destroy when the stack holds no Kubernetes object", async () => {
    const { stack, destroys } = fakeStack(
      [{ delete: 8 }],
      STATE.filter((r) => !K8S.includes(r.urn)),
    );
    const { note, notes } = recorder();
    const out = await destroyAndCheck(stack, fakeAccess().access, ResetLevel.Hosts, () => undefined, note);
    expect(destroys.map((d) => d.target)).toEqual([undefined]);
    expect(out.destroy).toEqual({ delete: 8 });
    expect(notes[0]).toEqual(["destroy", "done", "Kubernetes objects (0), then every stage"]);
  });

  it("probes every node once, as root, under the node's own root, and returns what each found", async () => {
    const { access, calls } = fakeAccess();
    const { note, notes } = recorder();
    const out = await destroyAndCheck(fakeStack([]).stack, access, ResetLevel.Hosts, () => undefined, note);
    expect(calls.map((c) => [c.node, c.argv[0], c.argv[1], c.argv[3], c.argv[4], c.opts?.root])).toEqual(
      ["controller", "compute1", "compute2", "compute3"].map((n) => [n, "bash", "-c", "netlab-reset-clean-check", `/srv/nodes/r27/${n}`, true]),
    );
    expect(out.cleanChecks).toHaveLength(4 * 5);
    expect(out.cleanChecks.every((c) => c.result === "clean")).toBe(true);
    expect(notes[1]).toEqual(["clean-check", "done", "20 check(s) clean on 4 nodes"]);
  });

  it("refuses to bring the bench up on a dirty node, naming each leftover", async () => {
    const dirty = "link:kube-bridge=present\nroutes:proto-17=3\ncri:pods=0\n";
    const { access } = fakeAccess({ compute2: dirty, compute3: "file:/var/lib/kube-router=present\n" });
    const { note, notes } = recorder();
    await expect(destroyAndCheck(fakeStack([]).stack, access, ResetLevel.Hosts, () => undefined, note)).rejects.toThrow(
      "after the destroy, nodes are not clean: compute2 link:kube-bridge=present; compute2 routes:proto-17=3; " +
        "compute3 file:/var/lib/kube-router=present; not bringing the bench up on dirty nodes",
    );
    expect(notes.map((n) => n[0])).toEqual(["destroy"]);
  });
});

describe("flushArp", () => {
  const pod = (name: string, node: string): PodState => ({ name, node, ip: "10.233.65.2", phase: "Running" });
  const state = (pods: PodState[]): ClusterState => ({ nodes: [], pods, webserverClusterIp: "10.233.0.100", webserverEndpoints: [] });

  it("flushes each node's lab pods in one call there, and no call on a node without one", async () => {
    const { access, calls } = fakeAccess({ compute1: "webserver-1-abc=flushed\nclient-1=flushed\n", compute2: "client-2=no-sandbox\n" });
    const { note, notes } = recorder();
    await flushArp(access, state([pod("webserver-1-abc", "compute1"), pod("client-2", "compute2"), pod("client-1", "compute1")]), note);
    expect(calls.map((c) => [c.node, c.argv[3], c.argv.slice(4), c.opts?.root])).toEqual([
      ["compute1", "netlab-reset-arp", ["webserver-1-abc", "client-1"], true],
      ["compute2", "netlab-reset-arp", ["client-2"], true],
    ]);
    expect(notes).toEqual([["arp-flush", "done", "webserver-1-abc flushed, client-1 flushed, client-2 no-sandbox"]]);
  });

  it("says so when no lab pod is found, without touching any node", async () => {
    const { access, calls } = fakeAccess();
    const { note, notes } = recorder();
    await flushArp(access, state([pod("client-1", "elsewhere")]), note);
    expect(calls).toEqual([]);
    expect(notes).toEqual([["arp-flush", "done", "no lab pod found"]]);
  });
});
