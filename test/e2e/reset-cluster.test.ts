/**
 * What a `cluster` reset destroys, it archives first (room 31 bench 11, the real engine on a simulated bench):
 * students' objects in their own namespace (ConfigMap, Secret, CronJob, a custom resource), cluster-scoped ones
 * (Namespace, ClusterRole, CRD), and their files. It refuses, before any change, when a kind cannot be listed;
 * it refuses to destroy a student object made after its archive; files written after the archive stay.
 * If the toolchain is missing this tier fails: it never passes by skipping.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetOp } from "../../lib/reset/op";
import { NETLAB_DIR } from "../../lib/engine/workspace";
import { resetBench, type ResetResult } from "../../lib/reset/reset";
import { provisionSim, removeSim, type ProvisionedSim } from "../helpers/sim-bench";
import { labRunning, waitFor } from "../helpers/wait";

const ROOM = 31;
const BENCH = 11; // management 192.168.11.0/24: no other test's bench number
const MINUTE = 60_000;
let bench: ProvisionedSim | undefined;
let sim: ProvisionedSim["sim"];
let access: ProvisionedSim["access"];
let home: string;
const archivesDir = path.join(NETLAB_DIR, "archives", `room${ROOM}-bench${BENCH}`);

const kubectl = (args: string[], input?: string) => bench!.kubectl(args, input);
const exists = (...args: string[]) => kubectl(["get", ...args, "-o", "name", "--ignore-not-found"]).trim() !== "";
const tarList = (archive: string) =>
  execFileSync("tar", ["-tzf", archive], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((e) => e.replace(/^\.\//, ""));
const fromArchive = (archive: string, entry: string) => execFileSync("tar", ["-xzOf", archive, `./${entry}`], { encoding: "utf8" });

const WIDGETS_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.lab.example" },
  spec: {
    group: "lab.example",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
};
const BROKEN_API = {
  apiVersion: "apiregistration.k8s.io/v1",
  kind: "APIService",
  metadata: { name: "v1beta1.broken.example" },
  spec: {
    group: "broken.example",
    version: "v1beta1",
    groupPriorityMinimum: 1000,
    versionPriority: 15,
    insecureSkipTLSVerify: true,
    service: { name: "nowhere", namespace: "default" },
  },
};

/** What the students made, as the archive names it. */
const STUDENT_OBJECTS = [
  "cluster/_cluster/ClusterRole.rbac.authorization.k8s.io/student-reader.yaml",
  "cluster/_cluster/CustomResourceDefinition.apiextensions.k8s.io/widgets.lab.example.yaml",
  "cluster/_cluster/Namespace/student-ns.yaml",
  "cluster/student-ns/ConfigMap/student-cm.yaml",
  "cluster/student-ns/CronJob.batch/nightly.yaml",
  "cluster/student-ns/Secret/student-secret.yaml",
  "cluster/student-ns/Widget.lab.example/w1.yaml",
];

beforeAll(async () => {
  rmSync(archivesDir, { recursive: true, force: true });
  bench = await provisionSim(ROOM, BENCH);
  ({ sim, access, home } = bench);
}, 10 * MINUTE);

afterAll(async () => {
  rmSync(archivesDir, { recursive: true, force: true });
  await removeSim(ROOM, BENCH, bench);
}, 5 * MINUTE);

describe("a cluster reset archives what it destroys", () => {
  it(
    "plans to archive exactly the students' objects, in every namespace and cluster-scoped, and their files",
    async () => {
      kubectl(["create", "namespace", "student-ns"]);
      kubectl(["-n", "student-ns", "create", "configmap", "student-cm", "--from-literal=answer=42"]);
      kubectl(["-n", "student-ns", "create", "secret", "generic", "student-secret", "--from-literal=token=s3cret"]);
      // February 31st: never runs, so no Job appears while the test runs.
      kubectl(["-n", "student-ns", "create", "cronjob", "nightly", "--image=busybox:1.37.0", "--schedule=0 0 31 2 *", "--", "true"]);
      kubectl(["create", "clusterrole", "student-reader", "--verb=get,list", "--resource=pods"]);
      kubectl(["apply", "-f", "-"], JSON.stringify(WIDGETS_CRD));
      kubectl(["wait", "--for=condition=Established", "crd/widgets.lab.example", "--timeout=60s"]);
      await waitFor("widgets served", async () => (kubectl(["api-resources", "--api-group=lab.example", "-o", "name"]).includes("widgets") ? true : undefined));
      kubectl(
        ["apply", "-f", "-"],
        JSON.stringify({ apiVersion: "lab.example/v1", kind: "Widget", metadata: { name: "w1", namespace: "student-ns" }, spec: { colour: "teal" } }),
      );
      mkdirSync(`${home}/notes/week1`, { recursive: true });
      writeFileSync(`${home}/notes/a.txt`, "archived\n");
      writeFileSync(`${home}/capture.pcap`, "first capture\n");

      const r = await resetBench(sim.stackName, { level: "cluster", dryRun: true });
      expect(r.plan.archive.map((a) => a.path)).toEqual([...STUDENT_OBJECTS, "home/capture.pcap", "home/notes"]);
      // Everything else listed is the system's: kubeadm's add-ons, the API server's defaults, netlab's, the lab's.
      expect(r.plan.cluster?.unlistable).toEqual([]);
      expect(r.plan.cluster?.notArchived.provisioner).toBeGreaterThanOrEqual(10);
      expect(r.plan.cluster?.notArchived.lab).toBeGreaterThanOrEqual(4);
      expect(r.plan.cluster!.objects.find((d) => d.ref.kind === "Deployment" && d.ref.name === "coredns")).toMatchObject({
        owner: "kubernetes",
        reason: "written only by kubeadm, kube-controller-manager",
      });
      expect(existsSync(archivesDir)).toBe(false);
    },
    5 * MINUTE,
  );

  it(
    "refuses, before any change, when a kind cannot be listed (an unavailable aggregated API), naming it",
    async () => {
      kubectl(["apply", "-f", "-"], JSON.stringify(BROKEN_API));
      try {
        await expect(resetBench(sim.stackName, { level: "cluster" })).rejects.toThrow(
          new RegExp(
            /^refusing to destroy the cluster: 1 kind\(s\) or API group\(s\) could not be listed, so what they hold cannot be archived: /.source +
              /broken\.example\/v1beta1 \(APIService v1beta1\.broken\.example is not available.*\)\. Nothing was changed\..*--discard-unarchived/.source,
          ),
        );
      } finally {
        kubectl(["delete", "apiservice", "v1beta1.broken.example"]);
      }
      expect(existsSync(archivesDir)).toBe(false);
      expect(existsSync(`${home}/notes/a.txt`)).toBe(true);
      expect(exists("-n", "student-ns", "configmap", "student-cm")).toBe(true);
    },
    5 * MINUTE,
  );

  it(
    "refuses to destroy a student object made after the archive; files written after it stay",
    async () => {
      const late = (line: string) => {
        if (!line.startsWith("archive-copy:")) return;
        // Between the archive and the removal, students go on working.
        writeFileSync(`${home}/notes/late.txt`, "written after the archive\n");
        appendFileSync(`${home}/capture.pcap`, "second capture, after the archive\n");
        kubectl(["-n", "student-ns", "create", "configmap", "late-cm", "--from-literal=late=yes"]);
      };
      await expect(resetBench(sim.stackName, { level: "cluster", progress: late })).rejects.toThrow(
        new RegExp(
          /^refusing to destroy the cluster: 1 student object\(s\) appeared after the archive was made and are not in it: /.source +
            /cluster\/student-ns\/ConfigMap\/late-cm\.yaml\. Nothing was destroyed/.source,
        ),
      );
      const [first] = readdirSync(archivesDir).map((f) => path.join(archivesDir, f));
      expect(tarList(first!)).toEqual(expect.arrayContaining([...STUDENT_OBJECTS, "home/notes/a.txt", "home/capture.pcap"]));
      expect(tarList(first!)).not.toContain("home/notes/late.txt");
      // The archived file went; what was written after the archive is still there.
      expect(existsSync(`${home}/notes/a.txt`)).toBe(false);
      expect(existsSync(`${home}/notes/late.txt`)).toBe(true);
      expect(execFileSync("cat", [`${home}/capture.pcap`], { encoding: "utf8" })).toBe("first capture\nsecond capture, after the archive\n");
    },
    5 * MINUTE,
  );

  let result: ResetResult;
  it(
    "archives every student object and file, privately, then destroys and rebuilds the cluster",
    async () => {
      const out = await resetOp("cluster")(sim.stackName, () => {});
      result = out.data as ResetResult;
      const { local, remote } = result.archive;
      const entries = tarList(local);
      expect(entries).toEqual(
        expect.arrayContaining([
          ...STUDENT_OBJECTS,
          "cluster/student-ns/ConfigMap/late-cm.yaml",
          "home/notes/late.txt",
          "home/capture.pcap",
          "reset-plan.json",
        ]),
      );
      const systemEntries = entries.filter(
        (e) => e.startsWith("cluster/kube-system/") || e.startsWith("cluster/kube-public/") || /kube-router|webserver|client-|coredns/.test(e),
      );
      expect(systemEntries).toEqual([]);
      // The objects as they were: another namespace's ConfigMap, CronJob and Secret, a ClusterRole, a custom resource.
      expect(parse(fromArchive(local, "cluster/student-ns/ConfigMap/student-cm.yaml"))).toMatchObject({
        kind: "ConfigMap",
        metadata: { name: "student-cm", namespace: "student-ns" },
        data: { answer: "42" },
      });
      expect(parse(fromArchive(local, "cluster/student-ns/CronJob.batch/nightly.yaml"))).toMatchObject({
        apiVersion: "batch/v1",
        kind: "CronJob",
        spec: { schedule: "0 0 31 2 *" },
      });
      expect(parse(fromArchive(local, "cluster/_cluster/ClusterRole.rbac.authorization.k8s.io/student-reader.yaml"))).toMatchObject({
        rules: [{ verbs: ["get", "list"], resources: ["pods"] }],
      });
      expect(parse(fromArchive(local, "cluster/student-ns/Widget.lab.example/w1.yaml"))).toMatchObject({ spec: { colour: "teal" } });
      expect(parse(fromArchive(local, "cluster/student-ns/Secret/student-secret.yaml")).data.token).toBe(Buffer.from("s3cret").toString("base64"));
      expect(fromArchive(local, "cluster/student-ns/ConfigMap/student-cm.yaml")).not.toContain("managedFields");
      // It holds a student's Secret: private here and on the controller.
      expect(statSync(local).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(local)).mode & 0o777).toBe(0o700);
      expect(statSync(remote).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(remote)).mode & 0o777).toBe(0o700);

      expect(result.removedFiles).toEqual(["capture.pcap", "notes"]);
      expect(result.keptFiles).toEqual([]);
      expect(existsSync(`${home}/notes`)).toBe(false);
      expect(result.notes.map((n) => n.step)).toEqual([
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
      expect(result.engine.destroy?.delete ?? 0).toBeGreaterThanOrEqual(20);
      expect(result.engine.up?.create ?? 0).toBe(result.engine.destroy?.delete);
      await labRunning(access.kubeconfig);
    },
    15 * MINUTE,
  );
});
