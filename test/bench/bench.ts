/**
 * `npm run bench`: the real engine on a simulated bench, measured side by side in one run.
 * - cluster stage: `pulumi up` of the Kubernetes objects from empty vs the floor, `kubectl apply --server-side`
 *   of the same rendered objects plus waiting for the same readiness;
 * - no-op `up` and refresh preview of the whole bench.
 * Targets: cluster-stage up within 1.5x of the floor; no-op up and refresh preview each under 10 s here.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { table } from "../../lib/facts/cluster-state";
import { openStack } from "../../lib/engine/workspace";
import { planBench } from "../../lib/render/plan";
import { simDown, simUp } from "../../lib/sim/sim";

const ROOM = 28;
const BENCH = 2;
const quiet = { onOutput: () => {} };

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e9, value];
}

async function main(): Promise<void> {
  await simDown(ROOM, BENCH);
  const sim = await simUp(ROOM, BENCH, (l) => process.stderr.write(`[sim] ${l}\n`));
  try {
    const stack = await openStack(sim.stackName);
    const [fullUp] = await timed(() => stack.up(quiet));
    const [noopUp] = await timed(() => stack.up(quiet));
    const [refreshPreview] = await timed(() => stack.preview({ refresh: true }));

    // Cluster stage: the Kubernetes objects and the components that hold them, by URN.
    const deployment = (await stack.exportStack()).deployment as { resources: { urn: string; type: string }[] };
    const k8sUrns = deployment.resources.filter((r) => r.type.startsWith("kubernetes:") || /^netlab:(cni|dns|lab):/.test(r.type)).map((r) => r.urn);
    await stack.destroy({ target: k8sUrns, targetDependents: true, onOutput: () => {} });
    const [pulumiCluster] = await timed(() => stack.up({ target: k8sUrns, onOutput: () => {} }));
    await stack.destroy({ target: k8sUrns, targetDependents: true, onOutput: () => {} });

    const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-bench-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, sim.controlPlane.kubeconfig, { mode: 0o600 });
    const k = (...args: string[]) => execFileSync("kubectl", [`--kubeconfig=${kubeconfig}`, ...args], { stdio: "pipe" });
    const plan = planBench(sim.spec);
    const files = Object.values(plan.manifests).map((m) => {
      const file = path.join(dir, m.file.replace(/\.yml$/, ".yaml"));
      writeFileSync(file, m.objects.map((o) => stringify(o)).join("---\n"));
      return file;
    });
    const [floor] = await timed(async () => {
      for (const f of files) k("apply", "--server-side", "--field-manager=bench-floor", "-f", f);
      k("-n", "kube-system", "rollout", "status", "daemonset/kube-router", "--timeout=300s");
      k("-n", "kube-system", "rollout", "status", "daemonset/nodelocaldns", "--timeout=300s");
      k("-n", "default", "rollout", "status", "deployment/webserver-1", "--timeout=300s");
      k("-n", "default", "wait", "--for=condition=Ready", "pod/client-1", "pod/client-2", "--timeout=300s");
    });
    for (const f of [...files].reverse()) k("delete", "--wait=true", "-f", f);
    await stack.up(quiet); // leave the stack as it was

    const rows = [
      ["full up from empty (hosts + cluster)", fullUp.toFixed(1), ""],
      ["cluster stage: pulumi up", pulumiCluster.toFixed(1), `${(pulumiCluster / floor).toFixed(2)}x floor (target <= 1.5x)`],
      ["cluster stage: kubectl apply --server-side + wait (floor)", floor.toFixed(1), "1.00x"],
      ["no-op up", noopUp.toFixed(1), noopUp < 10 ? "under 10 s" : "OVER 10 s target"],
      ["refresh preview", refreshPreview.toFixed(1), refreshPreview < 10 ? "under 10 s" : "OVER 10 s target"],
    ];
    process.stdout.write(`\n${table(["MEASURE", "SECONDS", "RATIO / TARGET"], rows)}\n`);
    process.stdout.write(`${JSON.stringify({ fullUp, pulumiCluster, floor, ratio: pulumiCluster / floor, noopUp, refreshPreview })}\n`);
  } finally {
    await simDown(ROOM, BENCH);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
