/** `netlab sim up|down`: the simulated bench, and `pulumi up` of its stack. */
import { readClusterState, benchTable } from "../lib/facts/cluster-state";
import { openStack } from "../lib/engine/workspace";
import { simDown, simUp } from "../lib/sim/sim";
import { parseRoomBench } from "./select";

export interface SimOptions {
  readonly room?: string;
  readonly bench?: string;
  readonly provision?: boolean;
}

const say = (line: string) => process.stderr.write(`[sim] ${line}\n`);

export async function simUpCommand(opts: SimOptions): Promise<void> {
  const { room, bench } = parseRoomBench(opts);
  const sim = await simUp(room, bench, say);
  if (opts.provision === false) {
    say(`ready; provision it with: netlab up --stack ${sim.stackName}`);
    return;
  }
  say(`pulumi up --stack ${sim.stackName}`);
  const stack = await openStack(sim.stackName);
  const result = await stack.up({ onOutput: (out) => process.stdout.write(out) });
  say(`update ${result.summary.result}: ${JSON.stringify(result.summary.resourceChanges ?? {})}`);
  const kubeconfig = String(result.outputs.kubeconfig?.value ?? "");
  process.stdout.write(`\n${benchTable(sim.spec.id, await readClusterState(kubeconfig))}\n`);
}

export async function simDownCommand(opts: SimOptions): Promise<void> {
  const { room, bench } = parseRoomBench(opts);
  await simDown(room, bench, say);
}
