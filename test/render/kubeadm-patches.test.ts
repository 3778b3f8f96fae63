/**
 * The control plane on slow (emulated) controllers: with timeouts.scale 10 the real kubeadm (Go-built toolchain)
 * writes static pod manifests whose probes and leader election are stretched tenfold; at scale 1 netlab adds
 * nothing and kubeadm's own values stand. The init step writes each patch file kubeadm reads.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { requireToolchain } from "../../lib/engine/toolchain";
import { corednsPatch, kubeadmInitDocs, kubeadmPatches, KUBEADM_PATCH_DIR } from "../../lib/render/kubeadm";
import { planBench } from "../../lib/render/plan";
import { StepKind } from "../../lib/render/steps";
import { specFor } from "../helpers/spec";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  // kubeadm made /etc/kubernetes/tmp for its dry runs; remove it when nothing else is in it.
  spawnSync("rmdir", ["--ignore-fail-on-non-empty", "/etc/kubernetes/tmp"]);
});

/** What these tests read of a static pod manifest (kubeadm writes it; parsed from YAML, not checked). */
interface Probe {
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly initialDelaySeconds?: number;
  readonly httpGet?: unknown;
}
interface StaticPod {
  readonly spec: { readonly containers: { readonly command: string[]; readonly livenessProbe: Probe; readonly readinessProbe?: Probe }[] };
}

/** `kubeadm init phase control-plane all --dry-run` on the init docs (patches read from a local copy): pod -> manifest. */
function controlPlaneManifests(scale: number): Record<string, StaticPod> {
  const kubeadm = requireToolchain().bin("kubeadm");
  const spec = specFor(27, 4, { timeouts: { scale } });
  const dir = mkdtempSync(path.join(os.tmpdir(), "kubeadm-patches-"));
  dirs.push(dir);
  const docs = kubeadmInitDocs(spec) as ({ patches?: { directory: string } } & Record<string, unknown>)[];
  if (docs[0]!.patches) docs[0]!.patches.directory = path.join(dir, "patches");
  mkdirSync(path.join(dir, "patches"));
  for (const [file, doc] of Object.entries(kubeadmPatches(spec))) writeFileSync(path.join(dir, "patches", path.basename(file)), stringify(doc));
  writeFileSync(path.join(dir, "kubeadm.yaml"), docs.map((d) => stringify(d)).join("---\n"));
  const phase = (args: string[], pods: string[]) => {
    const r = spawnSync(kubeadm, ["init", "phase", ...args, "--dry-run", "--config", path.join(dir, "kubeadm.yaml")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    // kubeadm's dry run writes the manifests into a fresh folder it names.
    const folder = /(?:Using manifest folder|static Pod manifest for local etcd in) "([^"]+)"/.exec(r.stdout)?.[1];
    expect(folder, r.stdout).toBeDefined();
    dirs.push(folder!);
    return pods.map((p) => [p, parse(readFileSync(path.join(folder!, `${p}.yaml`), "utf8"))] as const);
  };
  return Object.fromEntries([
    ...phase(["control-plane", "all"], ["kube-apiserver", "kube-controller-manager", "kube-scheduler"]),
    ...phase(["etcd", "local"], ["etcd"]),
  ]);
}

const container = (manifest: StaticPod | undefined) => manifest!.spec.containers[0]!;
const flag = (manifest: StaticPod | undefined, name: string) => container(manifest).command.find((a) => a.startsWith(`--${name}=`));

describe("the control plane at timeouts.scale 10, as kubeadm writes it", () => {
  const slow = controlPlaneManifests(10);
  const real = controlPlaneManifests(1);

  it("kubeadm's own probes at scale 1; each wait ten times longer at scale 10, failure counts kept", () => {
    for (const pod of Object.keys(slow)) {
      const [was, now] = [container(real[pod]).livenessProbe, container(slow[pod]).livenessProbe];
      expect([was.periodSeconds, was.timeoutSeconds, was.failureThreshold], pod).toEqual([10, 15, 8]);
      expect([now.periodSeconds, now.timeoutSeconds, now.failureThreshold, now.initialDelaySeconds], pod).toEqual([100, 150, 8, 100]);
      expect(now.httpGet, `${pod} keeps its health endpoint`).toEqual(was.httpGet);
    }
    expect(container(slow["kube-apiserver"]).readinessProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 150, failureThreshold: 3 });
    expect(container(slow["kube-controller-manager"]).readinessProbe, "no probe is added where kubeadm has none").toBeUndefined();
  });

  it("leader election stretched for the controller-manager and the scheduler, upstream's at scale 1", () => {
    for (const pod of ["kube-controller-manager", "kube-scheduler"]) {
      expect(flag(slow[pod], "leader-elect-lease-duration"), pod).toBe("--leader-elect-lease-duration=150s");
      expect(flag(slow[pod], "leader-elect-renew-deadline"), pod).toBe("--leader-elect-renew-deadline=100s");
      expect(flag(slow[pod], "leader-elect-retry-period"), pod).toBe("--leader-elect-retry-period=20s");
      expect(flag(real[pod], "leader-elect-lease-duration"), pod).toBeUndefined();
    }
  });

  it("the controller-manager waits ten times longer for a silent node at scale 10, upstream's wait at scale 1", () => {
    expect(flag(slow["kube-controller-manager"], "node-monitor-grace-period")).toBe("--node-monitor-grace-period=500s");
    expect(flag(real["kube-controller-manager"], "node-monitor-grace-period")).toBeUndefined();
  });

  it("etcd's heartbeat and election timeout ten times upstream's at scale 10 (its request limit with them), upstream's at scale 1", () => {
    expect(flag(slow.etcd, "heartbeat-interval")).toBe("--heartbeat-interval=1000");
    expect(flag(slow.etcd, "election-timeout")).toBe("--election-timeout=10000");
    expect(flag(real.etcd, "heartbeat-interval")).toBeUndefined();
    expect(flag(real.etcd, "election-timeout")).toBeUndefined();
  });

  it("the init step writes every patch file the kubeadm config points at, and none at scale 1", () => {
    const slowSpec = specFor(27, 4, { timeouts: { scale: 10 } });
    const init = planBench(slowSpec).hosts.controller.steps.find((s) => s.kind === StepKind.KubeadmInit)!;
    const files = Object.keys(kubeadmPatches(slowSpec));
    expect(files.map((f) => path.basename(f)).sort()).toEqual(
      ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((t) => `${t}+strategic.yaml`),
    );
    for (const f of files) expect(init.expect[`file:${f}`], f).toBeDefined();
    expect(init.script).toContain(`NETLAB_KUBEADM_PATCH_FILES=`);
    expect(stringify(kubeadmInitDocs(slowSpec)[0])).toContain(`directory: ${KUBEADM_PATCH_DIR}`);
    expect(kubeadmPatches(specFor(27, 4))).toEqual({});
    expect(kubeadmInitDocs(specFor(27, 4))[0]).not.toHaveProperty("patches");
  });

  it("CoreDNS on a slow bench: kubeadm's own Deployment patched by kubectl waits ten times longer, off the webserver's node", () => {
    const toolchain = requireToolchain();
    const dir = mkdtempSync(path.join(os.tmpdir(), "coredns-patch-"));
    dirs.push(dir);
    const config = path.join(dir, "kubeadm.yaml");
    writeFileSync(
      config,
      kubeadmInitDocs(specFor(27, 4))
        .map((d) => stringify(d))
        .join("---\n"),
    );
    const printed = spawnSync(toolchain.bin("kubeadm"), ["init", "phase", "addon", "coredns", "--print-manifest", "--config", config], { encoding: "utf8" });
    expect(printed.status, printed.stderr).toBe(0);
    const deployment = printed.stdout.split(/^---$/m).find((d) => /^kind: Deployment$/m.test(d));
    expect(deployment, printed.stdout).toBeDefined();
    writeFileSync(path.join(dir, "coredns.yaml"), deployment!);
    const patch = corednsPatch(specFor(27, 4, { timeouts: { scale: 10 } }));
    const r = spawnSync(
      path.join(path.dirname(toolchain.bin("kubeadm")), "kubectl"),
      ["patch", "--local", "-f", path.join(dir, "coredns.yaml"), "--type", "strategic", "-p", JSON.stringify(patch), "-o", "json"],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    const [before, after] = [parse(deployment!), JSON.parse(r.stdout)].map((d) => d.spec.template.spec.containers[0]);
    expect(before.readinessProbe.timeoutSeconds, "kubeadm leaves readiness on Kubernetes' 1 s").toBeUndefined();
    // Readiness: only the timeout scales (every 10 s, as Kubernetes' default, so a started CoreDNS is soon Ready).
    expect(after.readinessProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3, httpGet: before.readinessProbe.httpGet });
    expect(after.livenessProbe).toMatchObject({
      initialDelaySeconds: before.livenessProbe.initialDelaySeconds * 10,
      timeoutSeconds: before.livenessProbe.timeoutSeconds * 10,
      failureThreshold: before.livenessProbe.failureThreshold,
      httpGet: before.livenessProbe.httpGet,
    });
    const [podBefore, podAfter] = [parse(deployment!), JSON.parse(r.stdout)].map((d) => d.spec.template.spec);
    expect(podAfter.affinity.podAntiAffinity, "kubeadm's spreading of the replicas is kept").toEqual(podBefore.affinity.podAntiAffinity);
    expect(podAfter.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "NotIn", values: ["compute1"] }] },
    ]);
    expect(corednsPatch(specFor(27, 4))).toBeUndefined();
    const init = (scale: number) => planBench(specFor(27, 4, { timeouts: { scale } })).hosts.controller.steps.find((s) => s.kind === StepKind.KubeadmInit)!;
    expect(init(10).script).toContain('NETLAB_COREDNS_PATCH=\'{"spec"');
    expect(init(1).script).toContain("NETLAB_COREDNS_PATCH=''");
  });
});
