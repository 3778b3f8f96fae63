/** `netlab vm up|down|status`: a bench of four real VMs (QEMU, TCG) on this machine, and its stack. */
import { knownHostsPath, vmDown, vmStatus, vmUp, type VmNodeStatus } from "../lib/vm/bench";
import { vmStackName } from "../lib/vm/names";
import { parseRoomBench } from "./select";

export interface VmOptions {
  readonly room?: string;
  readonly bench?: string;
  readonly provision?: boolean;
}

const say = (line: string) => process.stderr.write(`[vm] ${line}\n`);

function table(rows: readonly VmNodeStatus[]): string {
  const lines = [["NODE", "MANAGEMENT-IP", "SSH", "PID"], ...rows.map((r) => [r.node, r.managementIp, r.ssh ?? "-", r.pid === undefined ? "-" : String(r.pid)])];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export async function vmUpCommand(opts: VmOptions): Promise<void> {
  const b = parseRoomBench(opts);
  const started = Date.now();
  const nodes = await vmUp(b, say);
  say(`all four answer SSH (${Math.round((Date.now() - started) / 1000)} s in all)`);
  process.stdout.write(`bench vm room${b.room}-bench${b.bench} (stack ${vmStackName(b)}, known_hosts ${knownHostsPath(b)})\n${table(nodes)}\n`);
  say(`provision it with: netlab up --stack ${vmStackName(b)}`);
}

export async function vmStatusCommand(opts: VmOptions): Promise<void> {
  const b = parseRoomBench(opts);
  const s = await vmStatus(b);
  const running = s.nodes.filter((n) => n.pid !== undefined).length;
  process.stdout.write(`bench vm room${b.room}-bench${b.bench}: ${running}/4 VMs running; stack ${vmStackName(b)} ${s.stack ? "configured" : "absent"}\n`);
  process.stdout.write(`${table(s.nodes.map((n) => ({ ...n, ssh: n.hostKey ? "host key pinned" : "-" })))}\n`);
  process.stdout.write(`links: ${s.links.length > 0 ? s.links.join(" ") : "none"}\n`);
}

export async function vmDownCommand(opts: VmOptions): Promise<void> {
  await vmDown(parseRoomBench(opts), say);
}
