/**
 * What Kube Router does to a node's network, which the simulation has no Kube Router to do: kube-bridge holding
 * the first address of the node's pod prefix, and the routes its BGP speaker installs (protocol 17) to every
 * other node's prefix via that node's provider address. kwok plays the kubelets; this plays kube-router's
 * effect on the host, so host probes see a bench shaped like a real one.
 */
import type { BenchSpec } from "../spec/types";
import { probe, run } from "./exec";
import { simNames } from "./netns";

export async function simKubeRouterEffects(spec: BenchSpec): Promise<void> {
  const names = simNames(spec);
  for (const node of spec.nodes) {
    const ns = names.namespace(node.name);
    const inNs = (args: string[]) => run(`sim ${spec.id} node ${node.name}: kube-router effects`, "ip", ["-n", ns, ...args]);
    if (!(await probe("ip", ["-n", ns, "link", "show", "kube-bridge"])).ok) await inNs(["link", "add", "kube-bridge", "type", "bridge"]);
    await inNs(["addr", "replace", `${node.podGateway}/${spec.network.nodePrefixLength}`, "dev", "kube-bridge"]);
    await inNs(["link", "set", "kube-bridge", "up"]);
    for (const other of spec.nodes.filter((n) => n.name !== node.name)) {
      await inNs(["route", "replace", other.podCidr, "via", other.provider.address, "proto", "17"]);
    }
  }
}
