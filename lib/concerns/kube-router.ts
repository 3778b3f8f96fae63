/**
 * Kube Router, the CNI: kube-bridge and one pod prefix per node, BGP routes between the nodes (full mesh), no
 * proxy and no firewall (lib/render/kube-router.ts says why). Its objects come from manifests/kube-router.yaml.
 * Check: every node routes each other node's pod prefix via that node's provider address.
 */
import { perItem, type CheckFacts, type CheckResult } from "../check/checks";
import { parseRoutes } from "../check/parse";
import { KUBE_ROUTER_CNI_CONF_FILE, kubeRouterObjects } from "../render/kube-router";
import type { BenchSpec, NodeSpec } from "../spec/types";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** The protocol number kube-router's BGP speaker installs its routes with (`ip route show proto 17`). */
export const KUBE_ROUTER_ROUTE_PROTOCOL = 17;

function otherNodes(spec: BenchSpec, node: NodeSpec): NodeSpec[] {
  return spec.nodes.filter((n) => n.name !== node.name);
}

/** 2. Each node routes every other node's pod prefix via that node's provider address (Kube Router's BGP routes). */
export function checkPodPrefixRoutes(f: CheckFacts): CheckResult {
  const prefixOf = new Map(f.cluster.nodes.map((n) => [n.name, n.podCidr]));
  const nodes = f.expected.nodes.map((n) => n.name);
  return perItem(
    "pod-prefix-routes",
    f.routes,
    nodes,
    (node, text) => {
      const routes = parseRoutes(text);
      const wrong: string[] = [];
      for (const other of f.expected.nodes.filter((n) => n.name !== node)) {
        const prefix = prefixOf.get(other.name) ?? "";
        if (prefix === "") {
          wrong.push(`${other.name} has no pod prefix in the cluster`);
          continue;
        }
        const r = routes.find((x) => x.prefix === prefix);
        if (!r) wrong.push(`no route to ${prefix} (${other.name})`);
        else if (r.via !== other.providerIp) wrong.push(`${prefix} (${other.name}) via ${r.via || `dev ${r.dev}`}, expected via ${other.providerIp}`);
      }
      return wrong.length > 0 ? wrong.join(", ") : undefined;
    },
    (keys) => {
      const expected = f.expected.nodes.map((n) => `${prefixOf.get(n.name)} via ${n.providerIp}`).join(", ");
      return `each of ${keys.join(", ")} routes the ${keys.length - 1} other pod prefixes via their provider addresses (${expected})`;
    },
  );
}

export const kubeRouter: Concern = {
  name: ConcernName.KubeRouter,
  manifests: (spec) => [{ file: "kube-router.yaml", applyAs: "objects", objects: kubeRouterObjects(spec) }],
  component: { type: "netlab:cni:KubeRouter", suffix: "kube-router", after: [] },
  footprint: {
    paths: [KUBE_ROUTER_CNI_CONF_FILE, "/var/lib/kube-router"],
    links: ["kube-bridge", "dummy0", "kube-dummy-if", "tunl0"],
    routeProtocols: [KUBE_ROUTER_ROUTE_PROTOCOL],
    iptables: ["KUBE-ROUTER"],
  },
  view: (spec, node) => ({
    probe: "observe_kube_router",
    vars: {
      NETLAB_EXPECTED_ROUTES: otherNodes(spec, node)
        .map((n) => `${n.podCidr} via ${n.provider.address}`)
        .join("\n"),
    },
    expect: {
      ...Object.fromEntries(otherNodes(spec, node).map((n) => [`route:${n.podCidr}`, `via ${n.provider.address}`])),
      // kube-bridge gets its address with the node's first pod: only the lab pods' nodes are sure to have one.
      "link:kube-bridge": "present",
      ...([spec.placement.webserverNode, spec.placement.client2Node].includes(node.name)
        ? { "kube-bridge": `${node.podGateway}/${spec.network.nodePrefixLength}` }
        : {}),
    },
    container: "kube-router",
  }),
  checks: [{ name: "pod-prefix-routes", evaluate: checkPodPrefixRoutes }],
};
