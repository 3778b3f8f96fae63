/** `netlab vm up|down|status`: a bench of four real VMs (QEMU, TCG) on this machine, and its stack. */
import { buildBundle } from "../lib/bundle/command";
import { failedChecks } from "../lib/check/checks";
import { printChecks, runChecks } from "../lib/check/op";
import { openStack } from "../lib/engine/workspace";
import { benchTable, readClusterState } from "../lib/facts/cluster-state";
import { knownHostsPath, vmDown, vmStatus, vmUp, type VmNodeStatus } from "../lib/vm/bench";
import { vmStackName } from "../lib/vm/names";
import { ContainerRuntime } from "../lib/spec/types";
import { parseRoomBench } from "./select";

export interface VmOptions {
  readonly room?: string;
  readonly bench?: string;
  readonly provision?: boolean;
  readonly runtime?: string;
}

/** --runtime, checked before anything starts. */
function runtimeOption(value: string | undefined): ContainerRuntime | undefined {
  if (value === undefined) return undefined;
  const known = Object.values(ContainerRuntime) as string[];
  if (!known.includes(value)) throw new Error(`--runtime: "${value}" is not a container runtime netlab installs; use ${known.join(" or ")}`);
  return value as ContainerRuntime;
}

const say = (line: string) => process.stderr.write(`[vm] ${line}\n`);

function table(rows: readonly VmNodeStatus[]): string {
  const lines = [
    ["NODE", "MANAGEMENT-IP", "SSH", "PID"],
    ...rows.map((r) => [r.node, r.managementIp, r.ssh ?? "-", r.pid === undefined ? "-" : String(r.pid)]),
  ];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const since = (start: number) => `${Math.round((Date.now() - start) / 1000)} s`;

/**
 * The main job on the embedded bench: the bundle (built or cached), four VMs booted, then the ordinary bench
 * program's `pulumi up` on them, the bench table and every `netlab check` check. --no-provision stops after boot.
 */
export async function vmUpCommand(opts: VmOptions): Promise<void> {
  const b = parseRoomBench(opts);
  const runtime = runtimeOption(opts.runtime);
  const started = Date.now();
  if (opts.provision !== false) {
    say("bundle: everything the nodes install, built here (cached after the first build)");
    buildBundle();
  }
  const nodes = await vmUp(b, say, { runtime });
  say(`all four answer SSH (${since(started)} in all)`);
  const stackName = vmStackName(b);
  process.stdout.write(`bench vm room${b.room}-bench${b.bench} (stack ${stackName}, known_hosts ${knownHostsPath(b)})\n${table(nodes)}\n`);
  if (opts.provision === false) {
    say(`provision it with: netlab up --stack ${stackName}`);
    return;
  }
  const upStart = Date.now();
  say(`pulumi up --stack ${stackName}: the bench program from bare OS (about 20 min on emulated VMs)`);
  const stack = await openStack(stackName);
  const result = await stack.up({ onOutput: (out) => process.stdout.write(out) });
  say(`update ${result.summary.result} in ${since(upStart)}: ${JSON.stringify(result.summary.resourceChanges ?? {})}`);
  const kubeconfig = String(result.outputs.kubeconfig?.value ?? "");
  process.stdout.write(`\n${benchTable(`room${b.room}-bench${b.bench}`, await readClusterState(kubeconfig))}\n`);
  const checks = await runChecks(stackName, (line) => say(`check: ${line}`));
  printChecks(stackName, checks.results);
  say(`done in ${since(started)}`);
  if (failedChecks(checks.results).length > 0) process.exitCode = 1;
}

export async function vmStatusCommand(opts: VmOptions): Promise<void> {
  const b = parseRoomBench(opts);
  const s = await vmStatus(b);
  const running = s.nodes.filter((n) => n.pid !== undefined).length;
  process.stdout.write(`bench vm room${b.room}-bench${b.bench}: ${running}/4 VMs running; stack ${vmStackName(b)} ${s.stack ? "configured" : "absent"}\n`);
  process.stdout.write(`${table(s.nodes.map((n) => ({ ...n, ssh: n.hostKey ? "host key pinned" : "-" })))}\n`);
  process.stdout.write(`links: ${s.links.length > 0 ? s.links.join(" ") : "none"}\n`);
  process.stdout.write(`site resolver: ${s.resolver !== undefined ? `dnsmasq ${s.resolver}` : "not running"}\n`);
}

export async function vmDownCommand(opts: VmOptions): Promise<void> {
  await vmDown(parseRoomBench(opts), say);
}
