/**
 * nodelocaldns: the per-node DNS cache on 169.254.25.10 that the kubelet hands every pod as its resolver, in front
 * of CoreDNS through the `coredns` Service (manifests/nodelocaldns.yaml, lib/render/nodelocaldns.ts). Checks: the
 * kubelets' clusterDNS, the lab pods' resolv.conf and the cache's Corefile.
 */
import * as path from "node:path";
import { perItem, type CheckFacts, type CheckResult } from "../check/checks";
import { parseCorefile, parseKubeletClusterDns, parseResolvConf } from "../check/parse";
import { KUBELET_CONFIG_LINK } from "../render/kubeadm";
import { nodeLocalDnsObjects } from "../render/nodelocaldns";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

const KUBELET_CONFIG_NAME = path.posix.basename(KUBELET_CONFIG_LINK);

/** 6a. Every kubelet hands pods nodelocaldns as their resolver (clusterDNS in /etc/kubernetes/kubelet-config.yaml). */
export function checkKubeletClusterDns(f: CheckFacts): CheckResult {
  const ip = f.expected.nodeLocalDnsIp;
  return perItem(
    "kubelet-cluster-dns",
    f.kubeletConfigs,
    f.expected.nodes.map((n) => n.name),
    (_node, text) => {
      let dns: string[];
      try {
        dns = parseKubeletClusterDns(text);
      } catch (e) {
        return `${KUBELET_CONFIG_NAME} ${(e as Error).message}`;
      }
      return dns[0] === ip ? undefined : `clusterDNS [${dns.join(", ")}], expected ${ip} first`;
    },
    (keys) => `clusterDNS ${ip} in ${KUBELET_CONFIG_NAME} on ${keys.join(", ")}`,
  );
}

/** 6b. The lab pods' /etc/resolv.conf names nodelocaldns as the first nameserver. */
export function checkPodResolvConf(f: CheckFacts): CheckResult {
  const ip = f.expected.nodeLocalDnsIp;
  const pods = Object.keys(f.resolvConfs).sort();
  return perItem(
    "pod-resolv-conf",
    f.resolvConfs,
    pods,
    (_pod, text) => {
      const ns = parseResolvConf(text);
      return ns[0] === ip ? undefined : `first nameserver ${ns[0] ?? "(none)"}, expected ${ip}`;
    },
    (keys) => `nameserver ${ip} first in /etc/resolv.conf of ${keys.join(", ")}`,
  );
}

/**
 * 7. The nodelocaldns ConfigMap binds the link-local address and forwards the cluster domain to the ClusterIP of
 * the Service named `coredns` in kube-system, as the handout's §3.1 has students verify.
 */
export function checkNodeLocalDnsConfig(f: CheckFacts): CheckResult {
  const { nodeLocalDnsIp: ip, clusterDomain: domain } = f.expected;
  const coredns = f.corednsClusterIp;
  return perItem(
    "nodelocaldns-config",
    { nodelocaldns: f.nodeLocalDnsCorefile },
    ["nodelocaldns"],
    (_k, corefile) => {
      const block = parseCorefile(corefile).find((b) => b.zone === domain);
      if (!block) return `Corefile has no ${domain} server block`;
      const problems: string[] = [];
      const binds = block.directives.filter((d) => d[0] === "bind").flatMap((d) => d.slice(1));
      if (!binds.includes(ip)) problems.push(`${block.key} binds [${binds.join(", ") || "nothing"}], expected ${ip}`);
      const forward = block.directives.find((d) => d[0] === "forward")?.slice(2) ?? [];
      if (coredns === "") problems.push("kube-system has no coredns Service to compare with (the handout looks for its ClusterIP)");
      else if (!forward.includes(coredns)) {
        problems.push(`${block.key} forwards to [${forward.join(", ") || "nothing"}], but the coredns Service's ClusterIP is ${coredns}`);
      }
      return problems.length > 0 ? problems.join(", ") : undefined;
    },
    () => `${domain}:53 binds ${ip} and forwards to ${coredns}, the coredns Service's ClusterIP`,
  );
}

export const nodeLocalDns: Concern = {
  name: ConcernName.NodeLocalDns,
  manifests: (spec) => [{ file: "nodelocaldns.yaml", applyAs: "objects", objects: nodeLocalDnsObjects(spec) }],
  component: { type: "netlab:dns:NodeLocalDns", suffix: "nodelocaldns", after: [] },
  footprint: { links: ["nodelocaldns"] },
  view: (spec) => ({
    probe: "observe_nodelocaldns",
    expect: { "link:nodelocaldns": `${spec.network.nodeLocalDnsIp}/32` },
    container: "node-cache",
  }),
  checks: [
    { name: "kubelet-cluster-dns", evaluate: checkKubeletClusterDns },
    { name: "pod-resolv-conf", evaluate: checkPodResolvConf },
    { name: "nodelocaldns-config", evaluate: checkNodeLocalDnsConfig },
  ],
};
