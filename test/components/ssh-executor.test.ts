/** The SSH executor and the bundle: what SshStep, JoinStep and BundlePush are given, under mocks. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bench as BenchType } from "../../components/bench";
import { locateBundle } from "../../lib/bundle/locate";
import { planBench } from "../../lib/render/plan";
import { HOST_KEY, specFor } from "../helpers/spec";
import { installMocks, secretOf, settle, valueOf, type Recorded } from "../helpers/mocks";

let recorded: Recorded[];
let bench: BenchType;
let dir: string;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

beforeAll(async () => {
  recorded = await installMocks();
  const pulumi = await import("@pulumi/pulumi");
  const { Bench } = await import("../../components/bench");
  dir = mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  // etcd shares its base layer with coredns: a worker gets that blob, not etcd's own.
  const imageFiles = {
    etcd: ["images/refs/etcd.json", "images/blobs/sha256/base", "images/blobs/sha256/etcd"],
    coredns: ["images/refs/coredns.json", "images/blobs/sha256/base", "images/blobs/sha256/coredns"],
  };
  const files = Object.fromEntries(["bin/kubeadm", ...new Set(Object.values(imageFiles).flat())].map((f, i) => [f, String(i).repeat(64)]));
  writeFileSync(path.join(dir, "bundle.json"), JSON.stringify({ versions: {}, images: {}, imageFiles, files }));
  const spec = specFor(27, 4, { ssh: { user: "root" } });
  bench = new Bench("room27-bench4", { plan: planBench(spec), privateKey: pulumi.secret("PRIVATE-KEY-TEXT"), bundle: locateBundle(dir) });
  await valueOf(bench.webserverClusterIp);
  await settle();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ofType = (t: string) => recorded.filter((r) => r.type === `pulumi-nodejs:dynamic/netlab:${t}`);

describe("ssh executor under mocks", () => {
  it("registers one SshStep per single-node step and one JoinStep per worker, none of @pulumi/command", () => {
    expect(ofType("SshStep")).toHaveLength(19);
    expect(
      ofType("JoinStep")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["compute1", "compute2", "compute3"].map((n) => `room27-bench4-kubeadm-join-${n}`));
    expect(recorded.filter((r) => r.type.startsWith("command:"))).toHaveLength(0);
  });

  it("keeps the connection (with the private key) secret and pins the host key", async () => {
    const base = recorded.find((r) => r.name === "room27-bench4-compute1-base-os")!;
    expect(base.inputs.connection[SECRET_SIG]).toBeDefined();
    expect(base.inputs.connection.value).toMatchObject({ node: "compute1", host: "192.168.4.22", port: 22, user: "root", hostKey: HOST_KEY });
    expect(base.inputs.create).toMatch(/^bash -c /);
    expect(base.inputs.triggers[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(await secretOf(bench.cluster.kubeconfig)).toBe(true);
  });

  it("pushes the bundle to every node before its first step, with the manifest's sums; workers get no control-plane image", () => {
    const pushes = ofType("BundlePush");
    expect(pushes.map((r) => r.inputs.node).sort()).toEqual(["compute1", "compute2", "compute3", "controller"]);
    for (const push of pushes) {
      expect(push.inputs.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(push.inputs.connection[SECRET_SIG]).toBeDefined();
      // This bench keeps its nodes' files at their own /: the bundle goes where the steps read it.
      expect(push.inputs.remoteDir).toBe("/var/lib/netlab/bundle");
    }
    const of = (node: string) => pushes.find((r) => r.inputs.node === node)!.inputs;
    const all = [
      "bin/kubeadm",
      "images/blobs/sha256/base",
      "images/blobs/sha256/coredns",
      "images/blobs/sha256/etcd",
      "images/refs/coredns.json",
      "images/refs/etcd.json",
    ];
    expect(of("controller").files).toEqual(all);
    const sum = (digit: number, file: string) => `${String(digit).repeat(64)}  ${file}\n`;
    expect(of("controller").sums).toBe(
      sum(0, "bin/kubeadm") +
        sum(2, "images/blobs/sha256/base") +
        sum(5, "images/blobs/sha256/coredns") +
        sum(3, "images/blobs/sha256/etcd") +
        sum(4, "images/refs/coredns.json") +
        sum(1, "images/refs/etcd.json"),
    );
    expect(of("compute2").files).toEqual(all.filter((f) => !f.includes("etcd")));
    expect(of("compute2").digest).not.toBe(of("controller").digest);
    expect(of("compute2").digest).toBe(of("compute3").digest);
  });

  it("refuses the removed command executor, naming the fix", () => {
    expect(specFor(27, 4).remoteExecutor).toBe("ssh");
    expect(() => specFor(27, 4, { remoteExecutor: "command" })).toThrow(/remoteExecutor: .*remove the key/);
  });
});

describe("bundle push sends only what a node lacks", () => {
  it("compares by sum and path", async () => {
    const { missingFiles } = await import("../../components/bundle-push");
    const wanted = `${"a".repeat(64)}  bin/kubeadm\n${"b".repeat(64)}  images/pause.tar\n`;
    expect(missingFiles(["bin/kubeadm", "images/pause.tar"], wanted, "")).toEqual(["bin/kubeadm", "images/pause.tar"]);
    expect(missingFiles(["bin/kubeadm", "images/pause.tar"], wanted, `${"a".repeat(64)}  bin/kubeadm\n`)).toEqual(["images/pause.tar"]);
    // Same path, another version: sent again.
    const held = `${"f".repeat(64)}  bin/kubeadm\n${"b".repeat(64)}  images/pause.tar\n`;
    expect(missingFiles(["bin/kubeadm", "images/pause.tar"], wanted, held)).toEqual(["bin/kubeadm"]);
  });
});
