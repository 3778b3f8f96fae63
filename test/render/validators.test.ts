/**
 * The rendered artefacts, checked by the real tools that will consume them: netplan generate, shellcheck,
 * kubeadm config validate (from the Go-built toolchain). 802.1Q and a real `netplan apply` cannot run on this
 * kernel, so netplan's own generator is the validator for both port modes.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DISCOVERY_FILE } from "../../lib/render/kubeadm";
import { planBench } from "../../lib/render/plan";
import { writePlan } from "../../lib/render/write";
import { specFor } from "../helpers/spec";
import { requireToolchain } from "../../lib/engine/toolchain";
import { SIM_EFFECTS_SCRIPT, SIM_NODE_BIN } from "../../lib/sim/node-env";
import { REPO, requireTool } from "../helpers/tools";

const benches = {
  access: planBench(specFor(30, 7)),
  tagged: planBench(specFor(27, 12, { network: { providerPortMode: "tagged", managementPortMode: "tagged" } })),
};

describe("netplan generate accepts every node's file", () => {
  for (const [mode, plan] of Object.entries(benches)) {
    it(`${mode} ports`, () => {
      const netplan = requireTool("netplan");
      for (const host of Object.values(plan.hosts)) {
        const root = mkdtempSync(path.join(os.tmpdir(), "netplan-"));
        mkdirSync(path.join(root, "etc", "netplan"), { recursive: true });
        const file = path.join(root, "etc", "netplan", "60-netlab.yaml");
        writeFileSync(file, host.netplan);
        chmodSync(file, 0o600);
        execFileSync(netplan, ["generate", "--root-dir", root], { stdio: "pipe" });
        const units = readdirSync(path.join(root, "run", "systemd", "network"));
        const provider = host.node.provider;
        const unit = readFileSync(path.join(root, "run", "systemd", "network", `10-netplan-${provider.device}.network`), "utf8");
        expect(unit).toContain(`Address=${provider.address}/24`);
        if (mode === "tagged") expect(units).toContain(`10-netplan-${provider.device}.netdev`);
      }
    });
  }

  it("rejects a broken file (the validator can fail)", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "netplan-bad-"));
    mkdirSync(path.join(root, "etc", "netplan"), { recursive: true });
    writeFileSync(path.join(root, "etc", "netplan", "60-netlab.yaml"), "network:\n  version: 2\n  vlans:\n    x.3:\n      id: 3\n", { mode: 0o600 });
    const r = spawnSync(requireTool("netplan"), ["generate", "--root-dir", root], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
  });
});

describe("shellcheck passes every node script", () => {
  it("all steps on all nodes, with and without a node root", () => {
    const shellcheck = requireTool("shellcheck");
    const dir = mkdtempSync(path.join(os.tmpdir(), "render-"));
    writePlan(benches.access, path.join(dir, "bench"));
    writePlan(planBench(specFor(27, 4, { nodeRoot: "/tmp/netlab-sim/x" })), path.join(dir, "sim"));
    const scripts = ["bench", "sim"].flatMap((t) =>
      readdirSync(path.join(dir, t, "hosts")).flatMap((node) =>
        readdirSync(path.join(dir, t, "hosts", node))
          .filter((f) => f.endsWith(".sh"))
          .map((f) => path.join(dir, t, "hosts", node, f)),
      ),
    );
    expect(scripts).toHaveLength(2 * (10 + 3 * 5));
    const r = spawnSync(shellcheck, ["--severity=style", "--shell=bash", ...scripts], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const bad = path.join(dir, "bad.sh");
    writeFileSync(bad, "#!/bin/bash\nrm -rf $1/*\n");
    expect(spawnSync(shellcheck, [bad]).status).not.toBe(0);
  }, 120_000); // 50 scripts: about 30 s alone on 2 cores, longer beside other work

  it("and the simulated node's commands (lib/sim/node)", () => {
    const shellcheck = requireTool("shellcheck");
    const bin = readdirSync(SIM_NODE_BIN).map((f) => path.join(SIM_NODE_BIN, f));
    expect(bin.length).toBeGreaterThan(15);
    const files = [...bin, SIM_EFFECTS_SCRIPT, path.join(SIM_NODE_BIN, "..", "lib.sh")];
    const r = spawnSync(shellcheck, ["--severity=style", "--shell=bash", "-x", "-P", "SCRIPTDIR", ...files], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);
});

describe("kubeadm config validate accepts init and join configs", () => {
  it("controller and workers", () => {
    // Fails (naming what to build) rather than skips when the toolchain is missing.
    const kubeadm = requireToolchain().bin("kubeadm");
    const dir = mkdtempSync(path.join(os.tmpdir(), "kubeadm-"));
    // kubeadm requires the join's discovery file to exist; on a node the join step writes it first.
    const discovery = path.join(dir, "discovery.conf");
    writeFileSync(discovery, "apiVersion: v1\nkind: Config\n");
    for (const host of Object.values(benches.access.hosts)) {
      const file = path.join(dir, `${host.node.name}.yaml`);
      writeFileSync(file, host.kubeadm.replace(DISCOVERY_FILE, discovery));
      const r = spawnSync(kubeadm, ["config", "validate", "--config", file], { encoding: "utf8" });
      expect(r.status, `${host.node.name}: ${r.stderr}`).toBe(0);
    }
    const broken = path.join(dir, "broken.yaml");
    writeFileSync(broken, benches.access.hosts.controller.kubeadm.replace("podSubnet: 10.233.64.0/18", "podSubnet: not-a-cidr"));
    expect(spawnSync(kubeadm, ["config", "validate", "--config", broken]).status).not.toBe(0);
  });
});

describe("netlab render (the command)", () => {
  const netlab = path.join(REPO, "bin", "netlab");
  it("writes the bench's files with its addresses", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "render-cli-"));
    const r = spawnSync(netlab, ["render", "--room", "30", "--bench", "7", "--out", out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    for (const node of ["controller", "compute1", "compute2", "compute3"]) {
      expect(readdirSync(path.join(out, "hosts", node))).toEqual(expect.arrayContaining(["netplan.yaml", "kubeadm.yaml", "10-base-os.sh"]));
    }
    expect(readdirSync(path.join(out, "manifests")).sort()).toEqual([
      "k8s-network-lab-c1.yaml",
      "k8s-network-lab-s1.yaml",
      "kube-router.yaml",
      "nodelocaldns.yaml",
    ]);
    expect(readFileSync(path.join(out, "hosts", "compute3", "netplan.yaml"), "utf8")).toContain("10.30.7.42/24");
  });

  it("refuses a bad bench before writing anything", () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "render-bad-")), "out");
    const r = spawnSync(netlab, ["render", "--room", "30", "--bench", "300", "--out", out], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ - bench: "300" is not a valid bench number/);
    expect(() => readdirSync(out)).toThrow(/ENOENT/);
  });

  it("renders every selected bench into DIR/<stack>/ and refuses a bench list naming a missing stack", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "render-all-"));
    const r = spawnSync(netlab, ["render", "--room", "27", "--bench", "4-4", "--out", out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(out, "room27-bench4", "hosts", "compute1", "netplan.yaml"), "utf8")).toContain("10.27.4.22/24");
    const bad = spawnSync(netlab, ["render", "--room", "27", "--bench", "4-5", "--out", path.join(out, "x")], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/"room27-bench5" has no stacks\/Pulumi\.room27-bench5\.yaml/);
    expect(() => readdirSync(path.join(out, "x"))).toThrow(/ENOENT/);
  }, 120_000); // one netlab process per bench list: about 10 s alone, far longer beside VMs

  it("reads a stack file and refuses an unknown stack", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "render-stack-"));
    const ok = spawnSync(netlab, ["render", "--stack", "room27-bench4", "--out", out], { encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(path.join(out, "hosts", "controller", "kubeadm.yaml"), "utf8")).toContain("advertiseAddress: 10.27.4.12");
    const bad = spawnSync(netlab, ["render", "--stack", "room99-bench99", "--out", out], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/stack: ".*Pulumi\.room99-bench99\.yaml" does not exist/);
  });
});
