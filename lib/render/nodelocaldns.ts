/**
 * nodelocaldns objects for one bench, as Kubespray deploys them: a DNS cache on 169.254.25.10 in front of CoreDNS,
 * reached through a Service named `coredns` in kube-system (the handout's §3.1 looks for it).
 */
import { nthAddress } from "../spec/network";
import type { BenchSpec } from "../spec/types";
import { find, loadManifest, ProbeKind, stretchProbe, type K8sObject } from "./load";

/** Name of the Service nodelocaldns forwards cluster names to (Kubespray's `coredns_svc_name`). */
export const COREDNS_SERVICE = "coredns";
/** The health plugin's port in the Corefile; node-cache must be told it (-health-port) to exempt it from conntrack. */
export const NODELOCALDNS_HEALTH_PORT = 9254;
/** The prometheus plugin's port (Kubespray's nodelocaldns_prometheus_port). */
export const NODELOCALDNS_METRICS_PORT = 9253;
/** Where the DaemonSet mounts the ConfigMap's Corefile. */
export const NODELOCALDNS_COREFILE = "/etc/coredns/Corefile";

/**
 * ClusterIP of the `coredns` Service: the service subnet's 3rd address, where Kubespray puts it (`skydns_server`),
 * so the bench shows what the handout's Kubespray bench showed. Pinned (not left to the allocator) so the
 * Corefile can name it when it is rendered. It is in the low band of the range that the API server's allocator
 * keeps for static addresses (KEP-3070), so no dynamically allocated Service takes it first; it is neither
 * `kubernetes` (1st) nor kubeadm's kube-dns (10th).
 */
export function corednsServiceIp(spec: BenchSpec): string {
  return nthAddress(spec.network.serviceSubnet, 3);
}

interface ServerBlock {
  zone: string;
  forward: string;
  /** Cache directive lines. */
  cache: string[];
  health?: boolean;
}

/** The Corefile: cluster and reverse zones go to the `coredns` Service over TCP, everything else to the node's resolver. */
export function nodeLocalDnsCorefile(spec: BenchSpec): string {
  const { nodeLocalDnsIp: ip, clusterDomain } = spec.network;
  const toCoreDns = `${corednsServiceIp(spec)} {\n        force_tcp\n    }`;
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
        `prometheus :${NODELOCALDNS_METRICS_PORT}`,
        ...(b.health ? [`health ${ip}:${NODELOCALDNS_HEALTH_PORT}`] : []),
      ];
      return `${b.zone}:53 {\n${lines.map((l) => `    ${l}`).join("\n")}\n}`;
    })
    .join("\n");
}

/**
 * node-cache's flags. -health-port must be the Corefile's health port: node-cache adds NOTRACK rules for
 * localip:<health-port> (its default is 8080), so the kubelet's probes reach the health listener untracked.
 * -upstreamsvc names the `coredns` Service as Kubespray does; the Corefile already carries its ClusterIP.
 * -setupinterface and -setupiptables are on by default: node-cache creates the `nodelocaldns` dummy link.
 */
export function nodeLocalDnsArgs(spec: BenchSpec): string[] {
  return [
    "-localip",
    spec.network.nodeLocalDnsIp,
    "-conf",
    NODELOCALDNS_COREFILE,
    "-upstreamsvc",
    COREDNS_SERVICE,
    "-health-port",
    String(NODELOCALDNS_HEALTH_PORT),
  ];
}

export function nodeLocalDnsObjects(spec: BenchSpec): K8sObject[] {
  const ip = spec.network.nodeLocalDnsIp;
  const objects = loadManifest("nodelocaldns.yaml");
  find(objects, "Service", COREDNS_SERVICE).spec.clusterIP = corednsServiceIp(spec);
  find(objects, "ConfigMap", "nodelocaldns").data.Corefile = nodeLocalDnsCorefile(spec);
  const container = find(objects, "DaemonSet", "nodelocaldns").spec.template.spec.containers[0];
  container.image = spec.images.nodeLocalDns;
  container.args = nodeLocalDnsArgs(spec);
  for (const kind of [ProbeKind.Liveness, ProbeKind.Readiness]) {
    const probe = container[kind];
    probe.httpGet.host = ip;
    probe.httpGet.port = NODELOCALDNS_HEALTH_PORT;
    stretchProbe(probe, spec.timeouts.scale, kind);
  }
  return objects;
}
