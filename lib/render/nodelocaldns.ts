/** nodelocaldns objects for one bench: a DNS cache on 169.254.25.10 in front of CoreDNS. */
import type { BenchSpec } from "../spec/types";
import { find, loadManifest, type K8sObject } from "./load";

interface ServerBlock {
  zone: string;
  forward: string;
  /** Cache directive lines. */
  cache: string[];
  health?: boolean;
}

/** The Corefile: cluster and reverse zones go to CoreDNS over TCP, everything else to the node's resolver. */
export function nodeLocalDnsCorefile(spec: BenchSpec): string {
  const { nodeLocalDnsIp: ip, corednsIp, clusterDomain } = spec.network;
  const toCoreDns = `${corednsIp} {\n        force_tcp\n    }`;
  const blocks: ServerBlock[] = [
    { zone: clusterDomain, forward: toCoreDns, cache: ["cache {", "    success 9984 30", "    denial 9984 5", "}"], health: true },
    { zone: "in-addr.arpa", forward: toCoreDns, cache: ["cache 30"] },
    { zone: "ip6.arpa", forward: toCoreDns, cache: ["cache 30"] },
    { zone: ".", forward: "/etc/resolv.conf", cache: ["cache 30"] },
  ];
  return blocks
    .map((b) => {
      const lines = [
        "errors",
        ...b.cache,
        "reload",
        "loop",
        `bind ${ip}`,
        `forward . ${b.forward}`,
        "prometheus :9253",
        ...(b.health ? [`health ${ip}:9254`] : []),
      ];
      return `${b.zone}:53 {\n${lines.map((l) => `    ${l}`).join("\n")}\n}`;
    })
    .join("\n");
}

export function nodeLocalDnsObjects(spec: BenchSpec): K8sObject[] {
  const ip = spec.network.nodeLocalDnsIp;
  const objects = loadManifest("nodelocaldns.yaml");
  find(objects, "ConfigMap", "nodelocaldns").data.Corefile = nodeLocalDnsCorefile(spec);
  const container = find(objects, "DaemonSet", "nodelocaldns").spec.template.spec.containers[0];
  container.image = spec.images.nodeLocalDns;
  // -setupinterface (on by default) creates the `nodelocaldns` dummy link holding the address.
  container.args = ["-localip", ip, "-conf", "/etc/coredns/Corefile", "-upstreamsvc", "kube-dns"];
  container.livenessProbe.httpGet.host = ip;
  container.readinessProbe.httpGet.host = ip;
  return objects;
}
