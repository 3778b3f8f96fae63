/**
 * `netlab reset` on a simulated bench (room 32 bench 6) with the real engine: student work planted over SSH and
 * kubectl, a dry run that changes nothing, a workloads reset (archive here and on the controller, student work
 * gone, lab pods back, nothing left for `up` to do), then a cluster reset through the CLI's fleet operation.
 * If the toolchain is missing this tier fails: it never passes by skipping.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionSim, removeSim, type ProvisionedSim } from "../helpers/sim-bench";
import { labRunning, waitFor } from "../helpers/wait";
import { benchFootprint } from "../../lib/concerns";
import { resetOp } from "../../lib/reset/op";
import { readClusterState, type ClusterState } from "../../lib/facts/cluster-state";
import { resetBench, type ResetResult } from "../../lib/reset/reset";

const ROOM = 32;
const BENCH = 6;
const MINUTE = 60_000;
let bench: ProvisionedSim | undefined;
let sim: ProvisionedSim["sim"];
let stack: ProvisionedSim["stack"];
let access: ProvisionedSim["access"];
let home: string;
/** Local archive copies this test made (removed afterwards; simDown removes the controller's). */
const archives: string[] = [];

const quiet = { onOutput: () => {} };
const kubectl = (...args: string[]) => bench!.kubectl(args);
const state = (): Promise<ClusterState> => readClusterState(access.kubeconfig);
const podExists = (name: string) => kubectl("-n", "default", "get", "pods", "-o", "name").split("\n").includes(`pod/${name}`);
const progress = (lines: string[]) => (line: string) => lines.push(line);

/** Writes a file on the controller over SSH, as a student would leave it. */
async function plant(name: string, content: string): Promise<void> {
  await access.ssh("controller", ["bash", "-c", 'cat >"$1"', "plant", `${home}/${name}`], { stdin: content });
}

/** Nothing left for `up` to do, Kubernetes and hosts alike. */
async function expectConverged(): Promise<void> {
  const preview = await stack.preview({ refresh: true, ...quiet });
  expect(
    Object.keys(preview.changeSummary).filter((k) => k !== "same"),
    JSON.stringify(preview.changeSummary),
  ).toEqual([]);
}

beforeAll(async () => {
  bench = await provisionSim(ROOM, BENCH);
  ({ sim, stack, access, home } = bench);
}, 10 * MINUTE);

afterAll(async () => {
  for (const a of archives) rmSync(a, { force: true });
  await removeSim(ROOM, BENCH, bench);
}, 5 * MINUTE);

describe("netlab reset on the simulated bench", () => {
  it(
    "dry run: plans the planted file and pod, changes nothing",
    async () => {
      await plant("capture-1.pcap", "\u00d4\u00c3\u00b2\u00a1 not really a pcap\n");
      await plant("k8s-net-question-1.txt", "Why does client-2 reach the webserver through kube-bridge?\n");
      kubectl("-n", "default", "run", "student-pod", "--image=busybox:1.37.0", "--", "sleep", "3600");
      await waitFor("student-pod running", async () =>
        kubectl("-n", "default", "get", "pod", "student-pod", "-o", "jsonpath={.status.phase}") === "Running" ? true : undefined,
      );

      const lines: string[] = [];
      const r = await resetBench(sim.stackName, { level: "workloads", dryRun: true, progress: progress(lines) });
      expect(r.dryRun).toBe(true);
      expect(r.plan.archive.map((a) => a.path)).toEqual(
        expect.arrayContaining(["home/capture-1.pcap", "home/k8s-net-question-1.txt", "objects/pod-student-pod.yaml"]),
      );
      expect(r.plan.deleteObjects).toEqual([{ kind: "Pod", name: "student-pod", namespace: "default" }]);
      expect(r.plan.removeFiles).toEqual(["capture-1.pcap", "k8s-net-question-1.txt"]);
      expect(r.plan.recreatePods.map((p) => p.name).sort()).toEqual(["client-1", "client-2", expect.stringMatching(/^webserver-1-/)]);
      expect(lines).toEqual(
        expect.arrayContaining(["would archive home/capture-1.pcap", "would delete default/pod/student-pod", "would remove ~/k8s-net-question-1.txt"]),
      );
      // Nothing changed, not even on this machine.
      expect(r.deletedObjects).toEqual([]);
      expect(r.removedFiles).toEqual([]);
      expect(existsSync(r.archive.local)).toBe(false);
      expect(existsSync(r.archive.remote)).toBe(false);
      expect(existsSync(`${home}/capture-1.pcap`)).toBe(true);
      expect(existsSync(`${home}/k8s-net-question-1.txt`)).toBe(true);
      expect(podExists("student-pod")).toBe(true);
    },
    10 * MINUTE,
  );

  let workloads: ResetResult;
  it(
    "workloads: archives, removes the student's pod and files, recreates the lab pods, converges",
    async () => {
      const before = (await state()).pods;
      workloads = await resetBench(sim.stackName, { level: "workloads" });
      archives.push(workloads.archive.local);

      // The archive, on the controller and here, lists the planted file and the pod's YAML.
      expect(workloads.archive.remote.startsWith(`${sim.spec.nodeRoot}/controller/var/backups/netlab/reset-`)).toBe(true);
      expect(existsSync(workloads.archive.remote)).toBe(true);
      expect(workloads.archive.local).toMatch(/\.netlab\/archives\/room32-bench6\/\d{8}T\d{6}Z\.tar\.gz$/);
      expect(existsSync(workloads.archive.local)).toBe(true);
      const listed = execFileSync("tar", ["-tzf", workloads.archive.local], { encoding: "utf8" }).split("\n");
      expect(listed).toEqual(
        expect.arrayContaining(["./home/capture-1.pcap", "./home/k8s-net-question-1.txt", "./objects/pod-student-pod.yaml", "./reset-plan.json"]),
      );
      const podYaml = execFileSync("tar", ["-xzOf", workloads.archive.local, "./objects/pod-student-pod.yaml"], { encoding: "utf8" });
      expect(podYaml).toMatch(/^kind: Pod$/m);
      expect(podYaml).toMatch(/^ {2}name: student-pod$/m);
      expect(podYaml).toContain("busybox:1.37.0");
      expect(execFileSync("tar", ["-xzOf", workloads.archive.local, "./home/capture-1.pcap"], { encoding: "utf8" })).toContain("not really a pcap");
      expect(listed.some((e) => /webserver|client-|admin\.conf|k8s-network-lab/.test(e))).toBe(false);

      // Student work gone, the lab's files kept.
      expect(workloads.deletedObjects).toEqual([{ kind: "Pod", name: "student-pod", namespace: "default" }]);
      expect(workloads.removedFiles).toEqual(["capture-1.pcap", "k8s-net-question-1.txt"]);
      expect(podExists("student-pod")).toBe(false);
      expect(existsSync(`${home}/capture-1.pcap`)).toBe(false);
      expect(existsSync(`${home}/k8s-net-question-1.txt`)).toBe(false);
      for (const f of ["k8s-network-lab-s1.yml", "k8s-network-lab-c1.yml", "admin.conf", ".kube/config"]) expect(existsSync(`${home}/${f}`), f).toBe(true);

      // The lab pods are new ones, and running.
      const after = await labRunning(access.kubeconfig);
      expect(workloads.recreatedPods.map((p) => p.name).sort()).toEqual(before.map((p) => p.name).sort());
      const webserverBefore = before.find((p) => p.name.startsWith("webserver-1-"))!.name;
      expect(after.pods.map((p) => p.name)).not.toContain(webserverBefore);
      // The ARP flush runs on each lab pod's node as on a bench, and finds no sandbox there: kwok's pods have none.
      const arp = workloads.notes.find((n) => n.step === "arp-flush")!;
      expect(arp.outcome).toBe("done");
      expect(arp.detail.split(", ").sort()).toEqual(after.pods.map((p) => `${p.name} no-sandbox`).sort());
      expect(workloads.engine.up?.create, JSON.stringify(workloads.engine.up)).toBe(2); // client-1 and client-2

      await expectConverged();
    },
    10 * MINUTE,
  );

  it(
    "cluster: archives, rebuilds the kubeadm and cluster stages on clean nodes, converges",
    async () => {
      await plant("capture-2.pcap", "second group\n");
      const lines: string[] = [];
      const out = await resetOp("cluster")(sim.stackName, progress(lines));
      const r = out.data as ResetResult;
      archives.push(r.archive.local);
      expect(r.level).toBe("cluster");
      expect(out.detail).toMatch(/^cluster: archived to .*\.netlab\/archives\/room32-bench6\/.*\.tar\.gz; deleted 0 object\(s\), removed 1 file\(s\)$/);
      expect(r.archive.local).not.toBe(workloads.archive.local);
      expect(execFileSync("tar", ["-tzf", r.archive.local], { encoding: "utf8" }).split("\n")).toContain("./home/capture-2.pcap");
      expect(existsSync(`${home}/capture-2.pcap`)).toBe(false);

      // The destroy really ran: every kubeadm step (init, three joins, lab files, kubeconfig: 6) and Kubernetes
      // object (14, with the provider) went, then came back.
      expect(r.engine.destroy?.delete ?? 0).toBeGreaterThanOrEqual(20);
      expect(r.engine.up?.create ?? 0).toBe(r.engine.destroy?.delete);
      // Each node was checked clean after the destroy, as a bench is: every concern's footprint (files, Kube Router's
      // and nodelocaldns's links, protocol 17 routes, IPVS virtual servers), the node no longer a cluster node.
      const f = benchFootprint();
      expect(f.paths).toContain("/etc/cni/net.d/10-kuberouter.conflist");
      expect(f.links).toEqual(expect.arrayContaining(["kube-bridge", "kube-ipvs0", "nodelocaldns"]));
      for (const node of ["controller", "compute1", "compute2", "compute3"]) {
        expect(r.cleanChecks.filter((c) => c.node === node).map((c) => [c.what, c.found, c.result])).toEqual([
          ...f.paths.map((p) => [`file:${p}`, "absent", "clean"]),
          ...f.links.map((l) => [`link:${l}`, "absent", "clean"]),
          ["routes:proto-17", "0", "clean"],
          ["cri:pods", "0", "clean"],
          ["cri:ps", "0", "clean"],
          ["ipvs:virtual-servers", "0", "clean"],
        ]);
      }
      expect(r.notes.map((n) => n.step)).toEqual([
        "archive",
        "archive-copy",
        "student-objects",
        "student-files",
        "cluster-recheck",
        "destroy",
        "clean-check",
        "up",
        "lab-running",
        "arp-flush",
      ]);
      expect(lines.some((l) => l.startsWith("clean-check: "))).toBe(true);

      await labRunning(access.kubeconfig);
      expect(existsSync(`${home}/k8s-network-lab-s1.yml`)).toBe(true);
      await expectConverged();
    },
    10 * MINUTE,
  );
});
