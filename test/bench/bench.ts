/**
 * `npm run bench`: the real engine on simulated benches, every figure of issue 11's target table measured in this
 * one run, side by side, and printed with its target and PASS or MISS (a missed target is printed, never hidden):
 * - cluster stage: `pulumi up` of the Kubernetes objects from empty vs the floor, `kubectl apply --server-side` of
 *   the same rendered objects plus waiting for the same readiness, in turn (ratio of the medians, target <= 1.5x);
 * - no-op `up` and refresh preview of a bench, as `netlab up` / `netlab preview` run them (targets 3 s and 4 s);
 * - `netlab preview` of N benches at --parallel N vs one bench, in turn (target <= 2.5x), and at --parallel 1;
 * - `netlab reset --level workloads` of one bench (target 20 s), and of N benches at --parallel N and 1;
 * - the VM bench: the figures the VM tier wrote (.netlab/vm-tier/), or that they are missing.
 * Absolute seconds on a shared 2-core machine are inflated: compare the ratios, measured in the same run.
 *
 * NETLAB_BENCH_ROOM (36), NETLAB_BENCH_FIRST (21) and NETLAB_BENCH_BENCHES (8): benches FIRST..FIRST+N-1 of that
 * room (a sim bench's management subnet is 192.168.<bench>.0/24: these numbers stay clear of the e2e tier's benches);
 * NETLAB_BENCH_RUNS (3 per figure); NETLAB_VM_TIER_DIR (this checkout's .netlab/vm-tier).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { table } from "../../lib/facts/cluster-state";
import { openStack, NETLAB_DIR } from "../../lib/engine/workspace";
import { previewOp, upOp } from "../../lib/fleet/ops";
import { Outcome, runFleet, type BenchOp } from "../../lib/fleet/run";
import { manifestFiles, planBench } from "../../lib/render/plan";
import { ResetLevel } from "../../lib/reset/plan";
import { resetOp } from "../../lib/reset/op";
import { simDown, simUp, type SimBench } from "../../lib/sim/sim";

const ROOM = Number(process.env.NETLAB_BENCH_ROOM ?? 36);
const FIRST = Number(process.env.NETLAB_BENCH_FIRST ?? 21);
const BENCHES = Number(process.env.NETLAB_BENCH_BENCHES ?? 8);
const RUNS = Number(process.env.NETLAB_BENCH_RUNS ?? 3);
const VM_TIER_DIR = process.env.NETLAB_VM_TIER_DIR ?? path.join(NETLAB_DIR, "vm-tier");
const quiet = { onOutput: () => {} };
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One operation over benches through the fleet runner, as the CLI runs it; fails when any bench did not succeed. */
async function fleet(stacks: readonly string[], op: BenchOp, parallel: number): Promise<void> {
  const results = await runFleet(stacks, op, { parallel });
  const bad = results.filter((r) => r.outcome !== Outcome.Ok);
  if (bad.length > 0) throw new Error(bad.map((r) => `${r.stack}: ${r.outcome}: ${r.detail}`).join("\n"));
}

/** Figures measured in turn (a b c a b c ...), so a drift of the machine's speed reaches each alike. */
async function inTurn(runs: number, figures: Record<string, () => Promise<unknown>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(figures).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(figures)) {
      const s = await timed(fn);
      out[name]!.push(s);
      say(`${name}: ${s.toFixed(1)} s`);
    }
  }
  return out;
}

interface Row {
  measure: string;
  seconds: string;
  value: string;
  target: string;
  result: string;
}
const rows: Row[] = [];
const secs = (xs: readonly number[]) =>
  xs.length === 1 ? xs[0]!.toFixed(1) : `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
function row(measure: string, xs: readonly number[] | undefined, value: string, target: string, pass?: boolean): void {
  rows.push({ measure, seconds: xs ? secs(xs) : "", value, target, result: pass === undefined ? "" : pass ? "PASS" : "MISS" });
}

/** Cluster stage: pulumi up of the Kubernetes objects from empty, and the kubectl floor, in turn. */
async function clusterStage(sim: SimBench): Promise<{ pulumi: number[]; floor: number[] }> {
  const stack = await openStack(sim.stackName, false);
  const deployment = (await stack.exportStack()).deployment as { resources: { urn: string; type: string }[] };
  const k8sUrns = deployment.resources.filter((r) => r.type.startsWith("kubernetes:") || /^netlab:(cni|dns|lab):/.test(r.type)).map((r) => r.urn);
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-bench-"));
  try {
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, sim.controlPlane.kubeconfig, { mode: 0o600 });
    const k = (...args: string[]) => execFileSync("kubectl", [`--kubeconfig=${kubeconfig}`, ...args], { stdio: "pipe" });
    const files = manifestFiles(planBench(sim.spec)).map((m) => {
      const file = path.join(dir, m.file.replace(/\.yml$/, ".yaml"));
      writeFileSync(file, m.objects.map((o) => stringify(o)).join("---\n"));
      return file;
    });
    const pulumiEmpty = () => stack.destroy({ target: k8sUrns, targetDependents: true, ...quiet });
    const floorEmpty = async () => {
      for (const f of [...files].reverse()) k("delete", "--wait=true", "--ignore-not-found", "-f", f);
    };
    const out = { pulumi: [] as number[], floor: [] as number[] };
    await pulumiEmpty();
    for (let i = 0; i < RUNS; i++) {
      out.pulumi.push(await timed(() => stack.up({ target: k8sUrns, ...quiet })));
      say(`cluster stage, pulumi up: ${out.pulumi.at(-1)!.toFixed(1)} s`);
      await pulumiEmpty();
      out.floor.push(
        await timed(async () => {
          for (const f of files) k("apply", "--server-side", "--field-manager=bench-floor", "-f", f);
          k("-n", "kube-system", "rollout", "status", "daemonset/kube-router", "--timeout=300s");
          k("-n", "kube-system", "rollout", "status", "daemonset/nodelocaldns", "--timeout=300s");
          k("-n", "default", "rollout", "status", "deployment/webserver-1", "--timeout=300s");
          k("-n", "default", "wait", "--for=condition=Ready", "pod/client-1", "pod/client-2", "--timeout=300s");
        }),
      );
      say(`cluster stage, kubectl floor: ${out.floor.at(-1)!.toFixed(1)} s`);
      await floorEmpty();
    }
    await stack.up(quiet); // leave the stack as it was
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The VM tier's figures: the seconds of each command's fleet result in its logs (NN-<command>.log: the first `up`
 * from bare VMs, the second `up`, `preview`, `reset`, the first `check`), with its timings.json (test/vm writes it)
 * for what the logs do not give (the VMs' boot).
 */
function vmTier(): Record<string, number> | string {
  if (!existsSync(VM_TIER_DIR)) return `missing: no ${VM_TIER_DIR} (run the VM tier, npm run test:vm)`;
  const json = path.join(VM_TIER_DIR, "timings.json");
  const timings = existsSync(json) ? (JSON.parse(readFileSync(json, "utf8")) as Record<string, number>) : {};
  const found: Record<string, number> = {};
  const ups: number[] = [];
  for (const file of readdirSync(VM_TIER_DIR)
    .filter((f) => /^\d+-.*\.log$/.test(f))
    .sort()) {
    const text = readFileSync(path.join(VM_TIER_DIR, file), "utf8");
    const start = text.indexOf('\n{\n  "command"');
    if (start < 0) continue;
    let parsed: { command: string; results: { outcome: string; seconds: number }[] };
    try {
      parsed = JSON.parse(text.slice(start)) as typeof parsed;
    } catch {
      continue;
    }
    const r = parsed.results[0];
    if (!r) continue;
    const ok = r.outcome === Outcome.Ok ? "" : ` (${r.outcome})`;
    if (parsed.command === "up") ups.push(r.seconds);
    if (parsed.command === "up" && ups.length === 1) found[`up from bare VMs${ok}`] = r.seconds;
    if (parsed.command === "up" && ups.length === 2) found[`second up${ok}`] = r.seconds;
    if (parsed.command === "preview" && found["refresh preview"] === undefined) found[`refresh preview${ok}`] = r.seconds;
    if (parsed.command === "reset" && found["workloads reset"] === undefined) found[`workloads reset${ok}`] = r.seconds;
    if (parsed.command === "check" && ups.length === 1 && found["first check"] === undefined) {
      found[`first check${ok}`] = r.seconds;
      found["bare VMs to all checks passing"] = ups[0]! + r.seconds;
    }
  }
  const all = { ...timings, ...found };
  return Object.keys(all).length > 0 ? all : `missing: no timings.json nor fleet results in ${VM_TIER_DIR}`;
}

async function main(): Promise<void> {
  const numbers = Array.from({ length: BENCHES }, (_, i) => FIRST + i);
  const sims: SimBench[] = [];
  try {
    for (const b of numbers) {
      await simDown(ROOM, b);
      sims.push(await simUp(ROOM, b, (l) => say(`sim ${ROOM}/${b}: ${l}`)));
    }
    const stacks = sims.map((s) => s.stackName);
    const one = [stacks[0]!];
    say(`up of ${stacks.length} bench(es) from empty`);
    const fullUp = await timed(() => fleet(one, upOp, 1));
    if (stacks.length > 1) await fleet(stacks.slice(1), upOp, 2);

    const bench = await inTurn(RUNS, { noopUp: () => fleet(one, upOp, 1), refreshPreview: () => fleet(one, previewOp, 1) });
    const cluster = await clusterStage(sims[0]!);
    const room = await inTurn(RUNS, {
      previewOne: () => fleet(one, previewOp, 1),
      previewRoomParallel: () => fleet(stacks, previewOp, stacks.length),
      previewRoomSerial: () => fleet(stacks, previewOp, 1),
    });
    const reset = resetOp(ResetLevel.Workloads);
    const resets = await inTurn(1, {
      resetOne: () => fleet(one, reset, 1),
      resetRoomParallel: () => fleet(stacks, reset, stacks.length),
      resetRoomSerial: () => fleet(stacks, reset, 1),
    });

    const n = stacks.length;
    const clusterRatio = median(cluster.pulumi) / median(cluster.floor);
    const previewRatio = median(room.previewRoomParallel!) / median(room.previewOne!);
    row("full up from empty (hosts + cluster), one bench", [fullUp], "", "");
    row("cluster stage: pulumi up from empty", cluster.pulumi, `${clusterRatio.toFixed(2)}x floor`, "<= 1.5x floor", clusterRatio <= 1.5);
    row("cluster stage: kubectl apply --server-side + same waits (floor)", cluster.floor, "1.00x", "");
    row("no-op up of a bench", bench.noopUp, "", "<= 3 s", median(bench.noopUp!) <= 3);
    row("refresh preview of a bench", bench.refreshPreview, "", "<= 4 s", median(bench.refreshPreview!) <= 4);
    row("preview, 1 bench", room.previewOne, "1.00x", "");
    row(
      `preview, ${n} benches at --parallel ${n}`,
      room.previewRoomParallel,
      `${previewRatio.toFixed(2)}x one bench`,
      "<= 2.5x one bench",
      n < 8 ? undefined : previewRatio <= 2.5,
    );
    row(
      `preview, ${n} benches at --parallel 1`,
      room.previewRoomSerial,
      `${(median(room.previewRoomSerial!) / median(room.previewOne!)).toFixed(2)}x one bench`,
      "",
    );
    row("workloads reset of a bench", resets.resetOne, "", "<= 20 s", median(resets.resetOne!) <= 20);
    row(
      `workloads reset, ${n} benches at --parallel ${n}`,
      resets.resetRoomParallel,
      `${(median(resets.resetRoomParallel!) / median(resets.resetOne!)).toFixed(2)}x one bench`,
      "",
    );
    row(
      `workloads reset, ${n} benches at --parallel 1`,
      resets.resetRoomSerial,
      `${(median(resets.resetRoomSerial!) / median(resets.resetOne!)).toFixed(2)}x one bench`,
      "",
    );
    const vm = vmTier();
    if (typeof vm === "string") {
      row("VM bench (up from bare VMs, second up, refresh preview, workloads reset)", undefined, vm, "report; bare VMs to checks <= 15 min");
    } else {
      for (const [what, s] of Object.entries(vm)) {
        const target = what.startsWith("bare VMs to all checks") ? "<= 15 min (aim)" : "report";
        row(`VM bench: ${what}`, [s], "", target, what.startsWith("bare VMs to all checks") ? s <= 900 : undefined);
      }
    }
    const header = ["MEASURE", "SECONDS median (min-max)", "RATIO", "TARGET", "RESULT"];
    process.stdout.write(
      `\n${table(
        header,
        rows.map((r) => [r.measure, r.seconds, r.value, r.target, r.result]),
      )}\n`,
    );
    if (n < 8) process.stdout.write(`(the room figure's target is for 8 benches; this run had ${n}: not judged)\n`);
    const figures = { room: ROOM, benches: n, runs: RUNS, fullUp, bench, cluster, clusterRatio, preview: room, previewRatio, resets, vm };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    for (const b of numbers) await simDown(ROOM, b).catch((e: Error) => say(`sim down ${ROOM}/${b}: ${e.message}`));
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
