/**
 * kube-proxy in IPVS mode (configured by kubeadm, lib/render/kubeadm.ts): every node's IPVS virtual servers, the
 * kube-ipvs0 dummy link holding the ClusterIPs. Check: `ipvsadm -Ln` lists webserver-service-1 with webserver-1's pod.
 */
import { labPods, perItem, type CheckFacts, type CheckResult } from "../check/checks";
import { parseIpvs } from "../check/parse";
import { corednsServiceIp } from "../render/nodelocaldns";
import type { BenchSpec } from "../spec/types";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** IPVS virtual servers every node has once kube-proxy runs: the kubernetes Service, kube-dns and coredns (TCP 53). */
export function ipvsTargets(spec: BenchSpec): string[] {
  return [`${spec.network.kubernetesServiceIp}:443`, `${spec.network.corednsIp}:53`, `${corednsServiceIp(spec)}:53`];
}

/** 8. `ipvsadm -Ln` lists webserver-service-1's ClusterIP:port with webserver-1's pod behind it. */
export function checkIpvs(f: CheckFacts): CheckResult {
  const { webservers } = labPods(f.cluster);
  const vip = f.cluster.webserverClusterIp;
  const port = f.expected.servicePort;
  const podIps = webservers.map((p) => p.ip).filter(Boolean);
  return perItem(
    "ipvs-webserver-service",
    f.ipvs,
    f.expected.nodes.map((n) => n.name),
    (_node, text) => {
      if (vip === "") return "no ClusterIP to look for";
      const svc = parseIpvs(text).find((s) => s.protocol === "TCP" && s.address === vip && s.port === port);
      if (!svc) return `no virtual service TCP ${vip}:${port}`;
      const reals = svc.realServers.map((r) => `${r.address}:${r.port}`);
      const missing = podIps.filter((ip) => !reals.includes(`${ip}:${port}`));
      if (podIps.length === 0 || missing.length > 0) {
        return `TCP ${vip}:${port} -> [${reals.join(", ") || "none"}], expected ${podIps.map((i) => `${i}:${port}`).join(", ") || "webserver-1's pod"}`;
      }
      return undefined;
    },
    (keys) => `TCP ${vip}:${port} -> ${podIps.map((i) => `${i}:${port}`).join(", ")} on ${keys.join(", ")}`,
  );
}

export const kubeProxy: Concern = {
  name: ConcernName.KubeProxy,
  footprint: { links: ["kube-ipvs0"], ipvs: true, iptables: ["KUBE-"] },
  view: (spec) => ({
    probe: "observe_kube_proxy",
    vars: { NETLAB_EXPECTED_IPVS: ipvsTargets(spec).join(" ") },
    expect: { ...Object.fromEntries(ipvsTargets(spec).map((t) => [`ipvs:${t}`, "present"])), "kube-proxy-mode": "ipvs" },
    container: "kube-proxy",
  }),
  checks: [{ name: "ipvs-webserver-service", evaluate: checkIpvs }],
};
