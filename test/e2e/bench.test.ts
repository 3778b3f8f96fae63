/**
 * The real Pulumi engine (Automation API, the Go-built CLI and providers) against a simulated bench:
 * hosts are network namespaces with real sshd, the cluster a real apiserver/controller-manager/scheduler
 * with kwok nodes. If the toolchain is missing this tier fails: it never passes by skipping.
 */
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { labRunning, waitFor } from "../helpers/wait";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readClusterState, type ClusterState } from "../../lib/facts/cluster-state";
import { contains } from "../../lib/spec/network";
import { openStack, STATE_DIR } from "../../lib/engine/workspace";
import { stopComponent, controlPlaneUp } from "../../lib/sim/controlplane";
import { startSshd, stopSshd } from "../../lib/sim/hosts";
import { simDown, simUp, type SimBench } from "../../lib/sim/sim";
import { requireToolchain } from "../../lib/engine/toolchain";
import { previewOp, refreshUpOp, type PreviewData } from "../../lib/fleet/ops";
import { simKubeRouterEffects } from "../../lib/sim/kube-router-effects";
import { hostDrift } from "../../lib/remote/host-drift";
import { locateBundle, nodeBundle } from "../../lib/bundle/locate";

const ROOM = 29;
const BENCH = 3;
const MINUTE = 60_000;
let sim: SimBench;
let stack: Stack;
let kubeconfigFile: string;

const quiet = { onOutput: () => {} };
const changes = (r: UpResult) => r.summary.resourceChanges ?? {};
const kubectl = (...args: string[]) => execFileSync("kubectl", [`--kubeconfig=${kubeconfigFile}`, ...args], { encoding: "utf8" });
const state = (): Promise<ClusterState> => readClusterState(sim.controlPlane.kubeconfig);

/** An up, each step it did not leave alone ("op name [changed inputs]"), and the host drift that made steps re-run. */
async function upListing(): Promise<{ result: UpResult; updated: string[]; why: string }> {
  const updated: string[] = [];
  const drift: string[] = [];
  const result = await stack.up({
    ...quiet,
    onEvent: (e) => {
      const m = e.resourcePreEvent?.metadata;
      if (!m || m.op === "same") return;
      updated.push(`${m.op} ${m.urn.split("::").pop()} [${(m.diffs ?? []).join(",")}]`);
      const old = m.old?.outputs as { expect?: Record<string, string>; observed?: Record<string, string> } | undefined;
      if (old?.expect) drift.push(`${m.urn.split("::").pop()}: ${JSON.stringify(hostDrift(old.expect, old.observed))}`);
    },
  });
  return { result, updated, why: [...updated, ...drift].join("\n") };
}

/** After an up from empty: the next up changes nothing, and names the drift behind any step it would re-run. */
async function settles(): Promise<void> {
  const next = await upListing();
  expect(next.updated, next.why).toEqual([]);
}

beforeAll(async () => {
  requireToolchain(); // throws, naming what is missing and how to build it
  await simDown(ROOM, BENCH);
  sim = await simUp(ROOM, BENCH);
  stack = await openStack(sim.stackName);
  kubeconfigFile = path.join(mkdtempSync(path.join(os.tmpdir(), "e2e-kc-")), "config");
  writeFileSync(kubeconfigFile, sim.controlPlane.kubeconfig, { mode: 0o600 });
}, 5 * MINUTE);

afterAll(async () => {
  if (kubeconfigFile) rmSync(path.dirname(kubeconfigFile), { recursive: true, force: true });
  if (sim) await simDown(ROOM, BENCH);
  expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toMatch(new RegExp(`nl${ROOM}x${BENCH}-`));
}, 5 * MINUTE);

describe("pulumi up on the simulated bench", () => {
  it(
    "converges from empty to the handout's state",
    async () => {
      const result = await stack.up(quiet);
      expect(result.summary.result).toBe("succeeded");
      expect(changes(result).create).toBeGreaterThan(30);
      expect(result.outputs.kubeconfig?.secret).toBe(true);

      const s = await labRunning(sim.controlPlane.kubeconfig);
      expect(s.nodes.map((n) => [n.name, n.ready, n.internalIp])).toEqual([
        ["compute1", true, "10.29.3.22"],
        ["compute2", true, "10.29.3.32"],
        ["compute3", true, "10.29.3.42"],
        ["controller", true, "10.29.3.12"],
      ]);
      const nodeOf = (prefix: string) => s.pods.find((p) => p.name.startsWith(prefix))!;
      expect(nodeOf("client-1").node).toBe(nodeOf("webserver-1-").node);
      expect(nodeOf("client-2").node).not.toBe(nodeOf("webserver-1-").node);
      for (const pod of s.pods) {
        const prefix = s.nodes.find((n) => n.name === pod.node)!.podCidr;
        expect(contains(prefix, pod.ip), `${pod.name} ${pod.ip} in ${prefix}`).toBe(true);
      }
      expect(s.webserverEndpoints).toEqual([nodeOf("webserver-1-").ip]);
      expect(contains("10.233.0.0/18", s.webserverClusterIp)).toBe(true);
      expect(result.outputs.serviceIps?.value.webserverService1).toBe(s.webserverClusterIp);

      for (const ds of ["kube-router", "nodelocaldns"]) {
        const status = JSON.parse(kubectl("-n", "kube-system", "get", "daemonset", ds, "-o", "json")).status;
        expect(status, ds).toMatchObject({ desiredNumberScheduled: 4, numberReady: 4 });
      }
      // The hosts stage really ran over SSH on every node.
      for (const node of ["controller", "compute1", "compute2", "compute3"]) {
        expect(existsSync(path.join(sim.spec.nodeRoot, node, "etc", "netplan", "60-netlab.yaml")), node).toBe(true);
      }
      expect(existsSync(path.join(sim.spec.nodeRoot, "controller", "home", "user", "k8s-network-lab-c1.yml"))).toBe(true);
      // The stand-in bundle was pushed over SSH as a bench's is, into each node's root, and the steps installed from it.
      const located = locateBundle(sim.bundleDir);
      for (const node of ["controller", "compute1", "compute2", "compute3"]) {
        const pushed = nodeBundle(located, node === "controller");
        const bundle = path.join(sim.spec.nodeRoot, node, "var", "lib", "netlab", "bundle");
        expect(readFileSync(path.join(bundle, ".digest"), "utf8"), node).toBe(`${pushed.digest}\n`);
        expect(readFileSync(path.join(bundle, ".sums"), "utf8"), node).toBe(pushed.sums);
        expect(readFileSync(path.join(sim.spec.nodeRoot, node, "usr", "bin", "kubeadm"), "utf8"), node).toMatch(/exec kubeadm "\$@"/);
      }
      // Secrets stay secret in the stack's state file: no SSH key, no admin credentials, no join token in clear.
      // (Booleans, so a failure never prints the state.)
      const stateFile = path.join(STATE_DIR, ".pulumi", "stacks", "k8s-netlab", `${sim.stackName}.json`);
      const raw = readFileSync(stateFile, "utf8");
      expect(raw.length).toBeGreaterThan(10_000);
      expect(raw.includes(sim.hosts.clientPrivateKey.split("\n")[1]!), "private key in clear").toBe(false);
      expect(raw.includes("client-key-data"), "admin credentials in clear").toBe(false);
      expect(/token: [a-z0-9]{6}\.[a-z0-9]{16}/.test(raw), "bootstrap token in clear").toBe(false);
      expect(raw.includes("ciphertext"), "secrets are encrypted").toBe(true);
    },
    10 * MINUTE,
  );

  it(
    "a second up changes nothing: no host step recorded a view taken before the cluster stage existed",
    async () => {
      const resources = ((await stack.exportStack()).deployment?.resources ?? []) as { urn: string; outputs?: Record<string, unknown> }[];
      const steps = resources.filter((r) => r.outputs && "observed" in r.outputs);
      expect(steps.map((r) => r.urn.split("::").pop()!).filter((n) => n.endsWith("-lab-network"))).toHaveLength(4);
      for (const r of steps) {
        const outputs = r.outputs as { expect: Record<string, string>; observed: Record<string, string> };
        expect(hostDrift(outputs.expect, outputs.observed), r.urn).toEqual([]);
      }
      const second = await upListing();
      expect(second.updated, second.why).toEqual([]);
    },
    5 * MINUTE,
  );

  it(
    "sees host and Kubernetes drift in a refresh preview, and netlab up --refresh repairs what it owns",
    async () => {
      kubectl("-n", "default", "delete", "pod", "client-2", "--wait=true");
      const cm = JSON.parse(kubectl("-n", "kube-system", "get", "configmap", "nodelocaldns", "-o", "json"));
      cm.data.Corefile = cm.data.Corefile.replace("cache 30", "cache 5");
      const edited = path.join(path.dirname(kubeconfigFile), "cm.json");
      writeFileSync(edited, JSON.stringify(cm));
      kubectl("replace", "-f", edited);
      // Host drift: a student removed a sysctl file on compute2, a route vanished on compute3.
      rmSync(path.join(sim.spec.nodeRoot, "compute2", "etc", "sysctl.d", "90-netlab.conf"));
      execFileSync("ip", ["-n", sim.hosts.nodes.compute3.namespace, "route", "del", "10.233.64.0/24"]);

      const out = await previewOp(sim.stackName, () => {});
      const data = out.data as PreviewData;
      expect(data.hostDrift.map((d) => [d.node, d.what, d.found])).toEqual([
        ["compute2", "file:/etc/sysctl.d/90-netlab.conf", "missing"],
        ["compute3", "route:10.233.64.0/24", "missing"],
      ]);
      expect(data.hostDrift[1]!.expected).toBe("via 10.29.3.12");
      // client-2 comes back; the provider replaces a ConfigMap whose data changed; base-os and compute3's lab-network step re-run.
      const summary = data.changeSummary;
      expect(summary.create, JSON.stringify(summary)).toBe(1);
      expect((summary.update ?? 0) + (summary.replace ?? 0), JSON.stringify(summary)).toBe(3);

      // The route is kube-router's to restore, not the provisioner's: compute3's lab-network step waits for it while
      // the sim's stand-in for kube-router puts it back a few seconds into the up.
      const restored = new Promise((r) => setTimeout(r, 5_000)).then(() => simKubeRouterEffects(sim.spec));
      // As an instructor repairs it: `netlab up --refresh` (a plain up plans from the recorded state and repairs nothing).
      const repaired = await refreshUpOp(sim.stackName, () => {});
      await restored;
      // client-2, the ConfigMap and compute2's base-os; compute3's lab-network step too when its route was not yet back.
      expect(repaired.changes, repaired.detail).toBeGreaterThanOrEqual(3);
      expect(JSON.parse(kubectl("-n", "kube-system", "get", "configmap", "nodelocaldns", "-o", "json")).data.Corefile).toContain("cache 30");
      expect(existsSync(path.join(sim.spec.nodeRoot, "compute2", "etc", "sysctl.d", "90-netlab.conf"))).toBe(true);
      await waitFor("client-2 back", async () => ((await state()).pods.some((p) => p.name === "client-2" && p.phase === "Running") ? true : undefined));
      const clean = (await previewOp(sim.stackName, () => {})).data as PreviewData;
      expect(clean.hostDrift).toEqual([]);
    },
    10 * MINUTE,
  );

  it(
    "fails clearly when a node's sshd is down, and converges once it is back",
    async () => {
      await stack.destroy(quiet);
      await stopSshd(sim.spec, path.join(sim.stateDir, "hosts"), "compute3");
      const failed = await stack.up(quiet).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(failed, "up must fail while compute3 is unreachable").toBeInstanceOf(Error);
      expect(String(failed?.message)).toMatch(/compute3/);
      expect(String(failed?.message)).toMatch(/10\.29\.3\.42|192\.168\.3\.42/);
      await startSshd(sim.spec, path.join(sim.stateDir, "hosts"), "compute3");
      const result = await stack.up(quiet);
      expect(result.summary.result).toBe("succeeded");
      await settles();
    },
    15 * MINUTE,
  );

  it(
    "converges on re-run after the apiserver restarts during up",
    async () => {
      await stack.destroy(quiet);
      const running = stack.up(quiet).then(
        () => undefined,
        (e: Error) => e,
      );
      await new Promise((r) => setTimeout(r, 8_000));
      await stopComponent(sim.stateDir, "kube-apiserver");
      await controlPlaneUp(sim.spec, sim.stateDir, requireToolchain(), sim.hosts.nodes.controller.namespace);
      await running; // may or may not have failed, depending on what it was doing
      const result = await stack.up(quiet);
      expect(result.summary.result).toBe("succeeded");
      await settles();
    },
    15 * MINUTE,
  );
});
