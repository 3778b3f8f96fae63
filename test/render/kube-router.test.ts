/**
 * Kube Router's rendered DaemonSet against the pinned version: every flag is one kube-router v2.1.0 accepts
 * (an unknown flag makes the binary exit at start), and the install-cni init container leaves an existing CNI
 * configuration alone (kube-router writes the node's pod prefix into it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { KUBE_ROUTER_CNI_CONF_FILE, kubeRouterArgs, kubeRouterObjects, kubeRouterVersion } from "../../lib/render/kube-router";
import { REPO } from "../../lib/repo";
import { specFor } from "../helpers/spec";

const spec = specFor(27, 4);
const objects = kubeRouterObjects(spec);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const pod = find("DaemonSet", "kube-router").spec.template.spec;
/** A container env entry: a value, or one taken from a field of the pod. */
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

/** bundle/kube-router-<version>.flags: one long flag per line (`--name [type]`), `#` comments. */
function flagsOf(version: string): Set<string> {
  const file = path.join(REPO, "bundle", `kube-router-${version}.flags`);
  expect(existsSync(file), `${file} lists the flags of the kube-router the bench runs`).toBe(true);
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return new Set(lines.map((l) => l.split(/\s+/)[0]!));
}

describe("kube-router flags", () => {
  const version = kubeRouterVersion(spec.images.kubeRouter);
  const known = flagsOf(version);

  it("pins the version whose flag list is checked", () => {
    expect(version).toBe("v2.1.0");
    expect(pod.containers[0].image).toBe(spec.images.kubeRouter);
    expect(pod.initContainers[0].image).toBe(spec.images.kubeRouter);
    // The list is v2.1.0's: --cluster-cidr went away in v1.1.0, --service-cluster-ip-range is there.
    expect(known.has("--run-router")).toBe(true);
    expect(known.has("--service-cluster-ip-range")).toBe(true);
    expect(known.has("--cluster-cidr")).toBe(false);
    expect(known.size).toBeGreaterThan(60);
  });

  it("passes only flags kube-router v2.1.0 accepts", () => {
    const args: string[] = pod.containers[0].args;
    expect(args).toEqual(kubeRouterArgs(spec));
    for (const arg of args) {
      expect(arg, "flags in --name=value form").toMatch(/^--[a-z0-9-]+=\S+$/);
      expect(known.has(arg.split("=")[0]!), `${arg} is a kube-router ${version} flag`).toBe(true);
    }
  });

  it("routes; no firewall (its ipset restore would revert kube-proxy's sets) and no service proxy; the bench's service range", () => {
    expect(kubeRouterArgs(spec)).toEqual([
      "--run-router=true",
      "--run-firewall=false",
      "--run-service-proxy=false",
      "--nodes-full-mesh=true",
      "--advertise-pod-cidr=true",
      "--bgp-graceful-restart=true",
      "--service-cluster-ip-range=10.233.0.0/18",
      "--kubeconfig=/var/lib/kube-router/kubeconfig",
    ]);
    const other = specFor(30, 7, { network: { serviceSubnet: "10.96.0.0/16" } });
    expect(kubeRouterArgs(other)).toContain("--service-cluster-ip-range=10.96.0.0/16");
    expect(kubeRouterArgs(other).some((a) => a.startsWith("--cluster-cidr"))).toBe(false);
  });

  it("names the node through NODE_NAME (no --hostname-override needed) and finds the CNI file where install-cni puts it", () => {
    const env = Object.fromEntries(pod.containers[0].env.map((e: EnvVar) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({ NODE_NAME: "spec.nodeName", KUBE_ROUTER_CNI_CONF_FILE });
  });
});

describe("install-cni init container", () => {
  const init = pod.initContainers[0];
  const cniConf: string = find("ConfigMap", "kube-router-cfg").data["cni-conf.json"];

  /** Runs the init container's command with /etc/cni/net.d and /etc/kube-router under a temporary root. */
  function runInit(root: string): void {
    const script = (init.args as string[]).join(" ").replaceAll("/etc/cni/net.d", `${root}/net.d`).replaceAll("/etc/kube-router", `${root}/cfg`);
    const r = spawnSync(init.command[0], [...init.command.slice(1), script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  }

  function freshRoot(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), "install-cni-"));
    for (const d of ["net.d", "cfg"]) spawnSync("mkdir", ["-p", path.join(root, d)]);
    writeFileSync(path.join(root, "cfg", "cni-conf.json"), cniConf);
    return root;
  }

  it("installs the configuration on a node that has none", () => {
    const root = freshRoot();
    runInit(root);
    expect(readFileSync(path.join(root, "net.d", path.basename(KUBE_ROUTER_CNI_CONF_FILE)), "utf8")).toBe(cniConf);
    expect(readdirSync(path.join(root, "net.d"))).toEqual([path.basename(KUBE_ROUTER_CNI_CONF_FILE)]);
  });

  it("keeps the file kube-router filled with the node's pod prefix when the pod restarts", () => {
    const root = freshRoot();
    runInit(root);
    const file = path.join(root, "net.d", path.basename(KUBE_ROUTER_CNI_CONF_FILE));
    const filled = JSON.parse(cniConf);
    filled.plugins[0].ipam = { type: "host-local", subnet: "10.233.65.0/24" };
    writeFileSync(file, JSON.stringify(filled));
    runInit(root);
    expect(JSON.parse(readFileSync(file, "utf8")).plugins[0].ipam.subnet).toBe("10.233.65.0/24");
    expect(readdirSync(path.join(root, "net.d"))).toEqual([path.basename(KUBE_ROUTER_CNI_CONF_FILE)]);
  });

  it("does not depend on upstream's cni-install (the bench's plugins come from Debian)", () => {
    expect((init.args as string[]).join(" ")).not.toContain("cni-install");
  });
});
