/**
 * Where the seconds of one engine run go, from the engine's own timestamped log (`--logtostderr -v=7 --logflow`):
 * CLI start and state, the language host up, the program's start-up (Stack registered to Bench registered: its
 * modules, config, plan and first registrations), the dynamic provider's and the Kubernetes provider's start, the
 * refresh's reads (SSH) and what follows to the end.
 *
 *   node --import tsx test/bench/profile.ts STACK [up|preview]     (preview: a refresh preview)
 */
import { spawnSync } from "node:child_process";
import { programDir } from "../../lib/engine/program";
import { engineEnv, REPO } from "../../lib/engine/workspace";

const [stack, what = "preview"] = process.argv.slice(2);
if (!stack) {
  process.stderr.write("usage: profile.ts STACK [up|preview]\n");
  process.exit(2);
}
programDir(); // compiled before the clock starts, as `netlab` does

const args = what === "up" ? ["up", "--yes", "--skip-preview"] : ["preview", "--refresh", "--parallel", "64"];
const start = Date.now();
const r = spawnSync("pulumi", [...args, "--stack", stack, "--non-interactive", "--suppress-outputs", "--logtostderr", "-v=7", "--logflow"], {
  cwd: REPO,
  env: { ...process.env, ...engineEnv() },
  encoding: "utf8",
  maxBuffer: 512 << 20,
});
const wall = (Date.now() - start) / 1000;

const events: [number, string][] = [];
for (const line of r.stderr.split("\n")) {
  if (!line.startsWith("{")) continue;
  try {
    const e = JSON.parse(line) as { time: string; msg: string };
    events.push([Date.parse(e.time) / 1000, e.msg]);
  } catch {
    // not one of the engine's JSON lines
  }
}
if (events.length === 0) throw new Error(`no engine log lines (exit ${r.status}): ${r.stderr.slice(-2000)}`);
const t0 = events[0]![0];
const first = (test: (m: string) => boolean) => events.find(([, m]) => test(m))?.[0];
const last = (test: (m: string) => boolean) => events.filter(([, m]) => test(m)).at(-1)?.[0];
const marks: [string, number | undefined][] = [
  ["language host asked to run the program", first((m) => m.includes("].Run(") && m.includes("executing"))],
  ["program: Stack registered (node + Pulumi SDK up)", first((m) => m.includes("RegisterResource received: t=pulumi:pulumi:Stack"))],
  ["program: Bench registered (its modules, config, plan)", first((m) => m.includes("RegisterResource received: t=netlab:bench:Bench"))],
  ["dynamic provider answering", first((m) => m.includes("Handshake: not supported") && m.includes("pulumi-resource-pulumi-nodejs"))],
  ["Kubernetes provider answering", first((m) => m.includes("Handshake: not supported") && m.includes("pulumi-resource-kubernetes"))],
  ["first dynamic read (refresh)", first((m) => m.includes("].Read(") && m.includes("dynamic/netlab") && m.includes("executing"))],
  ["last dynamic read done", last((m) => m.includes("].Read(") && m.includes("dynamic/netlab") && m.includes("success"))],
  ["program done", first((m) => m.includes("].Run(") && m.includes("success"))],
  ["last engine log line", events.at(-1)![0]],
];
process.stdout.write(`${what} of ${stack}: exit ${r.status}, ${wall.toFixed(1)} s wall\n`);
for (const [name, t] of marks.filter(([, t]) => t !== undefined).sort((a, b) => a[1]! - b[1]!)) {
  process.stdout.write(`${(t! - t0).toFixed(2).padStart(7)} s  ${name}\n`);
}
