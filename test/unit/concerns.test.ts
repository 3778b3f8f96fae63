/** The bench as a list of concerns: each check, step, object and footprint item comes from exactly one of them. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CHECK_NAMES } from "../../lib/check/checks";
import { BENCH_CONCERNS, benchChecks, benchFootprint, cleanCheckArgs, cleanupVars, nodeViews } from "../../lib/concerns";
import { ConcernName, type Concern } from "../../lib/concerns/concern";
import { manifestFiles, planBench } from "../../lib/render/plan";
import { CLEAN_CHECK, cleanCheckResults } from "../../lib/reset/scripts";
import { specFor } from "../helpers/spec";

const spec = specFor(27, 4);
const node = (name: string) => spec.nodes.find((n) => n.name === name)!;
const withoutKubeRouter = BENCH_CONCERNS.filter((c) => c.name !== ConcernName.KubeRouter);

describe("the bench's concerns", () => {
  it("own each handout check once, run in the handout's order", () => {
    expect(benchChecks().map((c) => c.name)).toEqual([...CHECK_NAMES]);
    const owners = BENCH_CONCERNS.flatMap((c) => (c.checks ?? []).map((k) => `${k.name} ${c.name}`));
    expect(owners).toContain("pod-prefix-routes kube-router");
    expect(owners).toContain("ipvs-webserver-service kube-proxy");
    expect(benchChecks(withoutKubeRouter).map((c) => c.name)).not.toContain("pod-prefix-routes");
  });

  it("have distinct names and wait only for concerns listed before them", () => {
    const names = BENCH_CONCERNS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [i, c] of BENCH_CONCERNS.entries()) {
      for (const after of c.component?.after ?? []) expect(names.indexOf(after), `${c.name} waits for ${after}`).toBeLessThan(i);
    }
  });

  it("give each node its steps in order: the controller's init, tokens, lab files, kubeconfig; a worker's join; the network view last", () => {
    const plan = planBench(spec);
    expect(plan.hosts.controller.steps.map((s) => s.file)).toEqual([
      "10-base-os.sh",
      "20-network.sh",
      "30-runtime.sh",
      "40-kubeadm-init.sh",
      "45-join-token-compute1.sh",
      "45-join-token-compute2.sh",
      "45-join-token-compute3.sh",
      "50-lab-files.sh",
      "60-kubeconfig.sh",
      "70-lab-network.sh",
    ]);
    expect(plan.hosts.compute2.steps.map((s) => s.file)).toEqual([
      "10-base-os.sh",
      "20-network.sh",
      "30-runtime.sh",
      "40-kubeadm-join.sh",
      "70-lab-network.sh",
    ]);
    expect(Object.keys(plan.manifests)).toEqual([ConcernName.KubeRouter, ConcernName.NodeLocalDns, ConcernName.Lab]);
    expect(manifestFiles(plan).map((m) => m.file)).toEqual(["kube-router.yaml", "nodelocaldns.yaml", "k8s-network-lab-s1.yml", "k8s-network-lab-c1.yml"]);
  });

  it("merge their views of a node: each expected key with the container that makes it", () => {
    const view = nodeViews(spec, node("compute1"));
    expect(view.probes).toEqual(["observe_kube_router", "observe_nodelocaldns", "observe_kube_proxy"]);
    expect(view.owners).toContain("route:10.233.64.0/24 kube-router");
    expect(view.owners).toContain("link:nodelocaldns node-cache");
    expect(view.owners).toContain("kube-proxy-mode kube-proxy");
    expect(Object.keys(view.expect)).toHaveLength(view.owners.length);
    const noCni = nodeViews(spec, node("compute1"), withoutKubeRouter);
    expect(Object.keys(noCni.expect).some((k) => k.startsWith("route:") || k.includes("kube-bridge"))).toBe(false);
  });

  it("add up to one footprint: what the clean-up removes is what the clean-check looks for", () => {
    const f = benchFootprint();
    expect(f.paths).toEqual(expect.arrayContaining(["/etc/cni/net.d/10-kuberouter.conflist", "/var/lib/kube-router", "/etc/kubernetes/kubelet-config.yaml"]));
    expect(f.links).toEqual(expect.arrayContaining(["kube-bridge", "kube-ipvs0", "nodelocaldns"]));
    expect(f).toMatchObject({ routeProtocols: [17], ipvs: true });
    for (const p of f.paths) expect(p, "a node's own absolute path").toMatch(/^\/[^\s]+$/);
    const vars = cleanupVars(f);
    expect(vars.NETLAB_CLEAN_PATHS!.split("\n")).toEqual(f.paths);
    expect(cleanCheckArgs(f)).toEqual([vars.NETLAB_CLEAN_PATHS, vars.NETLAB_CLEAN_LINKS, "17", "yes"]);
    const bare: Concern[] = BENCH_CONCERNS.filter((c) => c.name !== ConcernName.KubeRouter && c.name !== ConcernName.KubeProxy);
    expect(benchFootprint(bare)).toMatchObject({ routeProtocols: [], ipvs: false });
    expect(benchFootprint(bare).links).not.toContain("kube-bridge");
  });

  it("the clean-check script, run for real, reports a footprint path and a pod left behind, and every absent one", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "netlab-clean-"));
    try {
      const f = benchFootprint();
      mkdirSync(path.join(root, "var/lib/kube-router"), { recursive: true });
      // No route protocol and no IPVS: this host's routes and virtual servers are not the bench's to judge here.
      const args = [root, cleanCheckArgs(f)[0]!, "netlab-test-no-such-link", "", "no"];
      // A runtime that still holds one pod sandbox and does not answer for containers.
      mkdirSync(path.join(root, "bin"));
      writeFileSync(path.join(root, "bin", "crictl"), '#!/bin/sh\n[ "$1" = pods ] && { echo 0123abcd; exit 0; }\nexit 1\n', { mode: 0o755 });
      const env = { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH}` };
      const r = spawnSync("bash", ["-c", `set -euo pipefail\n${CLEAN_CHECK}`, "clean-check", ...args], { encoding: "utf8", env });
      expect(r.status, r.stderr).toBe(0);
      const results = cleanCheckResults("compute1", r.stdout).map((c) => `${c.what} ${c.found} ${c.result}`);
      expect(results).toEqual([
        ...f.paths.map((p) => `file:${p} ${p === "/var/lib/kube-router" ? "present dirty" : "absent clean"}`),
        "link:netlab-test-no-such-link absent clean",
        "cri:pods 1 dirty",
        "cri:ps unreachable dirty",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
