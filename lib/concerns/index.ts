/**
 * The bench: its concerns, in the order their parts come up. Everything that spans concerns is derived here
 * from the list: the clean-up footprint, what a node shows once the cluster runs, the checks in the handout's order.
 */
import { CHECK_NAMES, type CheckName } from "../check/checks";
import type { BenchSpec, NodeSpec } from "../spec/types";
import type { Check, Concern, NodeFootprint } from "./concern";
import { hostBase } from "./host-base";
import { kubeadm } from "./kubeadm";
import { kubeProxy } from "./kube-proxy";
import { kubeRouter } from "./kube-router";
import { lab } from "./lab";
import { network } from "./network";
import { nodeLocalDns } from "./nodelocaldns";
import { runtime } from "./runtime";

/** Swapping the CNI is replacing kubeRouter here by another concern (see the README's design section). */
export const BENCH_CONCERNS: readonly Concern[] = [hostBase, network, runtime, kubeadm, kubeRouter, nodeLocalDns, kubeProxy, lab];

/** Everything the concerns leave on a node, together: what a rebuild's clean-up removes and a reset's clean-check looks for. */
export function benchFootprint(concerns: readonly Concern[] = BENCH_CONCERNS): Required<NodeFootprint> {
  const all = concerns.map((c) => c.footprint ?? {});
  const union = <T>(pick: (f: NodeFootprint) => readonly T[] | undefined) => [...new Set(all.flatMap((f) => pick(f) ?? []))];
  return {
    paths: union((f) => f.paths),
    links: union((f) => f.links),
    routeProtocols: union((f) => f.routeProtocols),
    ipvs: all.some((f) => f.ipvs === true),
    iptables: union((f) => f.iptables),
  };
}

/** The footprint as scripts/node/kubeadm.sh's cluster_cleanup reads it (NETLAB_CLEAN_*). */
export function cleanupVars(f: Required<NodeFootprint> = benchFootprint()): Record<string, string> {
  return {
    NETLAB_CLEAN_PATHS: f.paths.join("\n"),
    NETLAB_CLEAN_LINKS: f.links.join(" "),
    NETLAB_CLEAN_ROUTE_PROTOCOLS: f.routeProtocols.join(" "),
    NETLAB_CLEAN_IPVS: f.ipvs ? "yes" : "no",
    NETLAB_CLEAN_IPTABLES: f.iptables.join(" "),
  };
}

/** The footprint as the reset's clean-check (lib/reset/scripts.ts CLEAN_CHECK) takes it, after the node root. */
export function cleanCheckArgs(f: Required<NodeFootprint> = benchFootprint()): string[] {
  const v = cleanupVars(f);
  return [v.NETLAB_CLEAN_PATHS!, v.NETLAB_CLEAN_LINKS!, v.NETLAB_CLEAN_ROUTE_PROTOCOLS!, v.NETLAB_CLEAN_IPVS!];
}

/** Every concern's view of one node, merged: expected keys, probes, their values and each key's container. */
export function nodeViews(spec: BenchSpec, node: NodeSpec, concerns: readonly Concern[] = BENCH_CONCERNS) {
  const views = concerns.flatMap((c) => (c.view ? [c.view(spec, node)] : []));
  return {
    expect: Object.assign({}, ...views.map((v) => v.expect)) as Record<string, string>,
    probes: views.map((v) => v.probe),
    vars: Object.assign({}, ...views.map((v) => v.vars ?? {})) as Record<string, string>,
    owners: views.flatMap((v) => Object.keys(v.expect).map((key) => `${key} ${v.container}`)),
  };
}

/** The concerns' checks in the handout's order (CHECK_NAMES); each name is owned by exactly one concern. */
export function benchChecks(concerns: readonly Concern[] = BENCH_CONCERNS): Check[] {
  const checks = concerns.flatMap((c) => c.checks ?? []);
  const index = (name: CheckName) => CHECK_NAMES.indexOf(name);
  return [...checks].sort((a, b) => index(a.name) - index(b.name));
}
