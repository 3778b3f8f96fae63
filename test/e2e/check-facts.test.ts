/**
 * `netlab check` and `netlab facts` against a simulated bench provisioned by the real engine (room 31 bench 5),
 * gathered as on any bench: what the simulated bench has passes (its nodes' routes and IPVS included); the two
 * checks run inside pods fail, as its pods have no containers; breaking anything else fails the bench naming the
 * check; the answer key matches what the cluster says, its MACs and veths not found on the nodes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { provisionSim, removeSim, type ProvisionedSim } from "../helpers/sim-bench";
import { labRunning as labRunningOn, waitFor } from "../helpers/wait";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSummary, makeCheckOp, runChecks, type CheckData } from "../../lib/check/op";
import { factsOp, makeFactsOp } from "../../lib/facts/op";
import { CHECK_NAMES } from "../../lib/check/checks";
import type { AnswerKey } from "../../lib/facts/answer-key";
import type { K8sObject } from "../../lib/render/load";
import { runFleet } from "../../lib/fleet/run";
import { nthAddress } from "../../lib/spec/network";

const ROOM = 31;
const BENCH = 5;
const MINUTE = 60_000;
let bench: ProvisionedSim | undefined;
let sim: ProvisionedSim["sim"];
let dir: string;

const kubectl = (...args: string[]) => bench!.kubectl(args);
const kubectlJson = (...args: string[]) => JSON.parse(kubectl(...args, "-o", "json"));
const noProgress = () => {};

const labRunning = () => labRunningOn(sim.controlPlane.kubeconfig);

/**
 * The checks that run inside the lab pods (`kubectl exec`): the API server reaches the pod's kubelet on its node,
 * where none listens (kwok plays the kubelets on the control plane). They fail on the simulated bench, always.
 */
const IN_POD_CHECKS = ["curl-service-from-client-2", "pod-resolv-conf"];
/** The names of the failed checks of one run. */
const failing = (data: CheckData) => data.results.filter((r) => r.status === "fail").map((r) => r.name);

/** Runs the check op through the fleet runner, as `netlab check` does; returns the outcome and the results. */
async function check() {
  let data: CheckData | undefined;
  const [r] = await runFleet(
    [sim.stackName],
    makeCheckOp((d) => (data = d)),
  );
  return { result: r!, data: data! };
}

/** Replaces a pod by one built from `edit(its JSON)`. */
async function recreatePod(name: string, edit: (pod: K8sObject) => void): Promise<void> {
  const pod = kubectlJson("-n", "default", "get", "pod", name);
  for (const k of ["uid", "resourceVersion", "creationTimestamp", "managedFields"]) delete pod.metadata[k];
  delete pod.status;
  delete pod.spec.nodeName;
  edit(pod);
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(pod));
  kubectl("-n", "default", "delete", "pod", name, "--wait=true");
  kubectl("create", "-f", file);
}

const pinTo = (node: string) => (pod: K8sObject) => {
  pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values = [node];
};

beforeAll(async () => {
  bench = await provisionSim(ROOM, BENCH);
  ({ sim } = bench);
  dir = mkdtempSync(path.join(os.tmpdir(), "e2e-check-"));
}, 10 * MINUTE);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await removeSim(ROOM, BENCH, bench);
}, 5 * MINUTE);

describe("netlab check on the simulated bench", () => {
  it(
    "passes what the simulated bench has; the checks run inside pods fail, naming the kubelet it could not reach",
    async () => {
      const lines: string[] = [];
      const data = await runChecks(sim.stackName, (l) => lines.push(l));
      expect(Object.fromEntries(data.results.map((r) => [r.name, r.status]))).toEqual({
        "nodes-ready": "pass",
        "pod-prefix-routes": "pass",
        "client-placement": "pass",
        "webserver-service-endpoint": "pass",
        "curl-service-from-client-2": "fail",
        "kubelet-cluster-dns": "pass",
        "pod-resolv-conf": "fail",
        "nodelocaldns-config": "pass",
        "ipvs-webserver-service": "pass",
      });
      expect(data.results.map((r) => r.name)).toEqual([...CHECK_NAMES]);
      for (const name of IN_POD_CHECKS) {
        // The pod's kubelet, at its node's address: none listens there. A long error keeps its start and its end (the cause).
        const evidence = data.results.find((r) => r.name === name)!.evidence;
        expect(evidence, name).toMatch(/^client-[12]: kubectl -n default exec client-[12] -- .*: error: Internal error occur/);
        expect(evidence, name).toMatch(/dial tcp 10\.31\.5\.(22|32):10250: connect: connection refused$/);
      }
      expect(checkSummary(data.results)).toBe("7 pass, 2 fail, 0 not observable");
      // Kube Router's routes and kube-proxy's IPVS table, read over SSH on every node as on a bench.
      expect(data.results.find((r) => r.name === "pod-prefix-routes")!.evidence).toMatch(
        /^each of controller, compute1, compute2, compute3 routes the 3 other pod prefixes via their provider addresses \(10\.233\.64\.0\/24 via /,
      );
      const web = kubectlJson("-n", "default", "get", "pods").items.find((p: K8sObject) => p.metadata.name.startsWith("webserver-1-"));
      const vip = kubectlJson("-n", "default", "get", "svc", "webserver-service-1").spec.clusterIP;
      expect(data.results.find((r) => r.name === "ipvs-webserver-service")!.evidence).toBe(
        `TCP ${vip}:8000 -> ${web.status.podIP}:8000 on controller, compute1, compute2, compute3`,
      );
      // The kubelet configs really came over SSH from every node.
      expect(data.results.find((r) => r.name === "kubelet-cluster-dns")!.evidence).toBe(
        "clusterDNS 169.254.25.10 in kubelet-config.yaml on controller, compute1, compute2, compute3",
      );
      expect(data.results.find((r) => r.name === "nodelocaldns-config")!.evidence).toBe(
        "cluster.local:53 binds 169.254.25.10 and forwards to 10.233.0.3, the coredns Service's ClusterIP",
      );
      expect(lines.some((l) => l.startsWith("ssh:"))).toBe(true);
    },
    10 * MINUTE,
  );

  it(
    "fails the bench, naming client-placement, when client-2 moves to the webserver's node",
    async () => {
      await recreatePod("client-2", pinTo("compute1"));
      await waitFor("client-2 on compute1", async () => {
        const p = kubectlJson("-n", "default", "get", "pod", "client-2");
        return p.spec.nodeName === "compute1" && p.status.phase === "Running" ? true : undefined;
      });
      const { result, data } = await check();
      expect(result.outcome).toBe("failed");
      expect(result.detail).toMatch(
        new RegExp(
          /^3 checks failed: client-placement, curl-service-from-client-2, pod-resolv-conf /.source +
            /\(client-placement: client-2 on compute1, the webserver's node: must be another node/.source,
        ),
      );
      expect(failing(data)).toEqual(["client-placement", ...IN_POD_CHECKS]);
      // Put it back where the handout wants it.
      await recreatePod("client-2", pinTo("compute2"));
      await labRunning();
      expect(failing((await check()).data)).toEqual(IN_POD_CHECKS);
    },
    10 * MINUTE,
  );

  it(
    "fails naming nodelocaldns-config and kubelet-cluster-dns when DNS is pointed elsewhere",
    async () => {
      const cm = kubectlJson("-n", "kube-system", "get", "configmap", "nodelocaldns");
      const original = JSON.stringify(cm);
      // kube-dns's address reaches the same CoreDNS pods, but the handout compares with the coredns Service.
      cm.data.Corefile = cm.data.Corefile.replace("forward . 10.233.0.3 {", "forward . 10.233.0.10 {");
      const edited = path.join(dir, "cm.json");
      writeFileSync(edited, JSON.stringify(cm));
      kubectl("replace", "-f", edited);
      const kubelet = path.join(sim.spec.nodeRoot, "compute3", "etc", "kubernetes", "kubelet-config.yaml");
      const kubeletText = readFileSync(kubelet, "utf8");
      writeFileSync(kubelet, kubeletText.replace("169.254.25.10", "10.233.0.10"));
      try {
        const { result, data } = await check();
        expect(result.outcome).toBe("failed");
        expect(failing(data)).toEqual(["curl-service-from-client-2", "kubelet-cluster-dns", "pod-resolv-conf", "nodelocaldns-config"]);
        expect(data.results.find((r) => r.name === "kubelet-cluster-dns")!.evidence).toBe("compute3: clusterDNS [10.233.0.10], expected 169.254.25.10 first");
        expect(data.results.find((r) => r.name === "nodelocaldns-config")!.evidence).toBe(
          "nodelocaldns: cluster.local:53 forwards to [10.233.0.10], but the coredns Service's ClusterIP is 10.233.0.3",
        );
      } finally {
        writeFileSync(kubelet, kubeletText);
        const restore = path.join(dir, "cm-original.json");
        const back = JSON.parse(original);
        delete back.metadata.resourceVersion;
        writeFileSync(restore, JSON.stringify(back));
        kubectl("replace", "-f", restore);
      }
      expect(failing((await check()).data)).toEqual(IN_POD_CHECKS);
    },
    10 * MINUTE,
  );
});

describe("netlab facts on the simulated bench", () => {
  it(
    "writes an answer key whose values match the cluster",
    async () => {
      const out = await factsOp(sim.stackName, noProgress);
      const key = out.data as AnswerKey;
      const nodes = kubectlJson("get", "nodes").items;
      const pods = kubectlJson("-n", "default", "get", "pods").items;
      const podCidr = (node: string) => nodes.find((n: K8sObject) => n.metadata.name === node).spec.podCIDR as string;

      expect(key.benchId).toBe("room31-bench5");
      expect(key.nodes.map((n) => [n.name, n.providerIp, n.managementIp, n.podCidr, n.kubeBridgeIp])).toEqual(
        ["controller", "compute1", "compute2", "compute3"].map((name, i) => [
          name,
          `10.31.5.${12 + 10 * i}`,
          `192.168.5.${12 + 10 * i}`,
          podCidr(name),
          nthAddress(podCidr(name), 1),
        ]),
      );
      for (const p of key.pods) {
        const live = pods.find((x: K8sObject) => x.metadata.name === p.name);
        expect(live, p.role).toBeDefined();
        expect([p.ip, p.node], p.name).toEqual([live.status.podIP, live.spec.nodeName]);
        expect(p.defaultGateway, p.name).toBe(nthAddress(podCidr(p.node), 1));
        // On the pod's node, no network namespace holds the pod's address: kwok's pods have none.
        expect(p.mac, p.name).toEqual({ error: expect.stringContaining(`no network namespace on this node has ${p.ip} on eth0`) });
        expect(p.veth, p.name).toEqual(p.mac);
      }
      expect(key.pods.map((p) => p.role)).toEqual(["webserver-1", "client-1", "client-2"]);
      expect(key.pods[0]!.name).toMatch(/^webserver-1-/);
      expect(key.clusterIps).toEqual({
        webserverService1: kubectlJson("-n", "default", "get", "svc", "webserver-service-1").spec.clusterIP,
        kubeDns: kubectlJson("-n", "kube-system", "get", "svc", "kube-dns").spec.clusterIP,
        coredns: kubectlJson("-n", "kube-system", "get", "svc", "coredns").spec.clusterIP,
      });
      expect(key.clusterIps.kubeDns).toBe("10.233.0.10");
      expect(key.clusterIps.coredns).toBe("10.233.0.3");
      expect(key.ttls.map((t) => t.ttl)).toEqual([64, 62, 62, 64]);

      const outDir = path.join(dir, "keys");
      const written = await makeFactsOp(outDir)(sim.stackName, noProgress);
      expect(written.detail).toContain(path.join(outDir, `${sim.stackName}.md`));
      const md = readFileSync(path.join(outDir, `${sim.stackName}.md`), "utf8");
      expect(md).toContain(`| client-1 | client-1 | ${key.pods[1]!.node} | ${key.pods[1]!.ip} |`);
      expect(md).toContain(`| default/webserver-service-1 | ${key.clusterIps.webserverService1} |`);
      expect(JSON.parse(readFileSync(path.join(outDir, `${sim.stackName}.json`), "utf8"))).toEqual(JSON.parse(JSON.stringify(key)));
      expect(existsSync(path.join(outDir, `${sim.stackName}.json`))).toBe(true);
    },
    10 * MINUTE,
  );
});

describe("netlab ssh on the simulated bench", () => {
  const netlab = (...args: string[]) =>
    spawnSync(path.join(__dirname, "..", "..", "bin", "netlab"), ["ssh", "--stack", sim.stackName, ...args], { encoding: "utf8", timeout: 2 * MINUTE });

  it(
    "runs one command on the named node through its pinned host key, and refuses a node that is not the bench's",
    () => {
      const ok = netlab("compute2", "--", "ip", "-4", "-o", "addr", "show");
      expect(ok.status, ok.stderr).toBe(0);
      const compute2 = sim.spec.nodes.find((n) => n.name === "compute2")!;
      expect(ok.stdout).toContain(`${compute2.ssh.host}/`);
      const bad = netlab("compute9", "--", "true");
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('<node>: "compute9" is not a bench node; use one of controller, compute1, compute2, compute3');
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    },
    5 * MINUTE,
  );
});
