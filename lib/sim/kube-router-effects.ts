/**
 * What Kube Router and nodelocaldns do to a node's network, which the simulation has no such processes to do:
 * kube-bridge holding the first address of the node's pod prefix, the routes Kube Router's BGP speaker installs
 * (protocol 17) to every other node's prefix via that node's provider address, the nodelocaldns link with its
 * address. A simulated node's kubeadm plants them once the node joined (lib/sim/node/effects.sh); this plants them
 * again from outside, as the real daemons would restore what a student removed.
 */
import type { BenchSpec } from "../spec/types";
import { run } from "./exec";
import { simNames } from "./netns";
import { effectsEnv, SIM_EFFECTS_SCRIPT } from "./node-env";

export async function simKubeRouterEffects(spec: BenchSpec): Promise<void> {
  const names = simNames(spec);
  for (const node of spec.nodes) {
    const env = Object.entries(effectsEnv(spec, node)).map(([k, v]) => `${k}=${v}`);
    const argv = ["netns", "exec", names.namespace(node.name), "env", ...env, "bash", SIM_EFFECTS_SCRIPT];
    await run(`sim ${spec.id} node ${node.name}: kube-router effects`, "ip", argv);
  }
}
