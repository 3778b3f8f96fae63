/**
 * The lab handout's observations as named checks, in the handout's order. Each is a pure function of the facts
 * gathered from one bench (gather.ts), so it is unit-testable without a cluster. A check is "not-observable"
 * when a fact it needs was gathered as one that cannot be seen there: never a pass or a fail. (gather.ts gathers
 * none so: what a probe cannot get is its error, and the check fails.)
 */
import * as path from "node:path";
import type { ClusterState } from "../facts/cluster-state";
import { KUBELET_CONFIG_LINK } from "../render/kubeadm";
import { contains, isIpv4 } from "../spec/network";
import { NODE_NAMES } from "../spec/types";
import type { Observation } from "./observation";
import { parseCorefile, parseIpvs, parseKubeletClusterDns, parseResolvConf, parseRoutes } from "./parse";

export const CheckStatus = {
  Pass: "pass",
  Fail: "fail",
  /** The facts cannot exist where they were gathered (never a failure). */
  NotObservable: "not-observable",
} as const;
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus];

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly evidence: string;
}

export const CHECK_NAMES = [
  "nodes-ready",
  "pod-prefix-routes",
  "client-placement",
  "webserver-service-endpoint",
  "curl-service-from-client-2",
  "kubelet-cluster-dns",
  "pod-resolv-conf",
  "nodelocaldns-config",
  "ipvs-webserver-service",
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface ExpectedBench {
  /** Each node's provider address (the next hop of the routes to its pod prefix), from the stack. */
  readonly nodes: readonly { readonly name: string; readonly providerIp: string }[];
  readonly serviceSubnet: string;
  readonly nodeLocalDnsIp: string;
  readonly clusterDomain: string;
  /** webserver-service-1's port. @default 8000 */
  readonly servicePort: number;
}

/** Everything the checks read: the cluster through kubectl, the nodes through SSH. Per-node maps are keyed by node name. */
export interface CheckFacts {
  readonly expected: ExpectedBench;
  readonly cluster: ClusterState;
  /**
   * ClusterIP of kube-system/coredns ("" when the Service is missing): the Service the handout's §3.1 finds the
   * nodelocaldns forward address on (kubeadm's own kube-dns Service is another address for the same pods).
   */
  readonly corednsClusterIp: string;
  /** data.Corefile of kube-system/nodelocaldns. */
  readonly nodeLocalDnsCorefile: Observation<string>;
  /** `ip -4 route show proto 17` on each node. */
  readonly routes: Readonly<Record<string, Observation<string>>>;
  /** /etc/kubernetes/kubelet-config.yaml on each node. */
  readonly kubeletConfigs: Readonly<Record<string, Observation<string>>>;
  /** `curl webserver-service-1:8000` in client-2 (stdout). */
  readonly curlFromClient2: Observation<string>;
  /** /etc/resolv.conf of lab pods, keyed by pod name. */
  readonly resolvConfs: Readonly<Record<string, Observation<string>>>;
  /** `ipvsadm -Ln` on each node. */
  readonly ipvs: Readonly<Record<string, Observation<string>>>;
}

const result = (name: CheckName, status: CheckStatus, evidence: string): CheckResult => ({ name, status, evidence });

/** Lab pods by role, from the cluster's default-namespace pods. */
export function labPods(s: ClusterState) {
  return {
    webservers: s.pods.filter((p) => p.name.startsWith("webserver-1-")),
    client1: s.pods.find((p) => p.name === "client-1"),
    client2: s.pods.find((p) => p.name === "client-2"),
  };
}

/**
 * Combines per-node (or per-pod) observations: any error or failed judgement fails, any unobservable one makes
 * the whole not-observable, otherwise pass. `judge` returns undefined when the value is right, else why not.
 */
function perItem<T>(
  name: CheckName,
  items: Readonly<Record<string, Observation<T>>>,
  order: readonly string[],
  judge: (key: string, v: T) => string | undefined,
  passText: (keys: string[]) => string,
): CheckResult {
  const problems: string[] = [];
  const hidden: string[] = [];
  for (const key of order) {
    const o = items[key];
    if (o === undefined) problems.push(`${key}: not gathered`);
    else if ("error" in o) problems.push(`${key}: ${o.error}`);
    else if ("unobservable" in o) hidden.push(`${key}: ${o.unobservable}`);
    else {
      const why = judge(key, o.value);
      if (why !== undefined) problems.push(`${key}: ${why}`);
    }
  }
  if (order.length === 0) return result(name, CheckStatus.Fail, "nothing to look at");
  if (problems.length > 0) return result(name, CheckStatus.Fail, problems.join("; "));
  if (hidden.length > 0) {
    const reasons = [...new Set(hidden.map((h) => h.slice(h.indexOf(": ") + 2)))];
    return result(name, CheckStatus.NotObservable, reasons.length === 1 ? `${reasons[0]} [${order.join(", ")}]` : hidden.join("; "));
  }
  return result(name, CheckStatus.Pass, passText([...order]));
}

/** 1. The four nodes exist and are Ready. */
export function checkNodesReady(f: CheckFacts): CheckResult {
  const byName = new Map(f.cluster.nodes.map((n) => [n.name, n]));
  const missing = NODE_NAMES.filter((n) => !byName.has(n));
  const notReady = NODE_NAMES.filter((n) => byName.get(n)?.ready === false);
  const extra = f.cluster.nodes.map((n) => n.name).filter((n) => !(NODE_NAMES as readonly string[]).includes(n));
  const problems = [
    ...(missing.length > 0 ? [`missing: ${missing.join(", ")}`] : []),
    ...(notReady.length > 0 ? [`not Ready: ${notReady.join(", ")}`] : []),
    ...(extra.length > 0 ? [`unexpected nodes: ${extra.join(", ")}`] : []),
  ];
  if (problems.length > 0) return result("nodes-ready", CheckStatus.Fail, problems.join("; "));
  return result("nodes-ready", CheckStatus.Pass, `${NODE_NAMES.join(", ")} Ready`);
}

/** 2. Each node routes every other node's pod prefix via that node's provider address (Kube Router's BGP routes). */
export function checkPodPrefixRoutes(f: CheckFacts): CheckResult {
  const prefixOf = new Map(f.cluster.nodes.map((n) => [n.name, n.podCidr]));
  const nodes = f.expected.nodes.map((n) => n.name);
  return perItem("pod-prefix-routes", f.routes, nodes, (node, text) => {
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
  }, (keys) => {
    const expected = f.expected.nodes.map((n) => `${prefixOf.get(n.name)} via ${n.providerIp}`).join(", ");
    return `each of ${keys.join(", ")} routes the ${keys.length - 1} other pod prefixes via their provider addresses (${expected})`;
  });
}

/** 3. client-1 runs on webserver-1's node, client-2 on another node; all three Running. */
export function checkClientPlacement(f: CheckFacts): CheckResult {
  const { webservers, client1, client2 } = labPods(f.cluster);
  const problems: string[] = [];
  if (webservers.length !== 1) problems.push(`${webservers.length} webserver-1 pods (${webservers.map((p) => p.name).join(", ") || "none"}), expected 1`);
  if (!client1) problems.push("no pod client-1");
  if (!client2) problems.push("no pod client-2");
  for (const p of [...webservers, client1, client2]) {
    if (p && p.phase !== "Running") problems.push(`${p.name} is ${p.phase || "in no phase"}${p.node ? ` on ${p.node}` : " (not scheduled)"}`);
  }
  const web = webservers[0];
  if (problems.length === 0 && web && client1 && client2) {
    if (client1.node !== web.node) problems.push(`client-1 on ${client1.node}, webserver-1 on ${web.node}: must be the same node`);
    if (client2.node === web.node) problems.push(`client-2 on ${client2.node}, the webserver's node: must be another node`);
  }
  const where = [web, client1, client2].filter((p) => p !== undefined).map((p) => `${p!.name} on ${p!.node || "(none)"}`).join(", ");
  if (problems.length > 0) return result("client-placement", CheckStatus.Fail, `${problems.join("; ")}${where ? ` [${where}]` : ""}`);
  return result("client-placement", CheckStatus.Pass, `${where}: client-1 shares webserver-1's node, client-2 does not`);
}

/** 4. webserver-service-1 has webserver-1's pod as its only ready endpoint; its ClusterIP is in the service subnet. */
export function checkServiceEndpoint(f: CheckFacts): CheckResult {
  const { webservers } = labPods(f.cluster);
  const ip = f.cluster.webserverClusterIp;
  const subnet = f.expected.serviceSubnet;
  const problems: string[] = [];
  if (ip === "") problems.push("no Service webserver-service-1 (or it has no ClusterIP)");
  else if (!isIpv4(ip) || !contains(subnet, ip)) problems.push(`ClusterIP ${ip} is not in the service subnet ${subnet}`);
  const podIps = webservers.map((p) => p.ip).filter(Boolean);
  const endpoints = [...f.cluster.webserverEndpoints].sort();
  if (podIps.length === 0) problems.push("webserver-1 has no pod IP");
  else if (endpoints.join(",") !== [...podIps].sort().join(",")) {
    problems.push(`ready endpoints [${endpoints.join(", ") || "none"}], expected webserver-1's pod IP [${podIps.join(", ")}]`);
  }
  if (problems.length > 0) return result("webserver-service-endpoint", CheckStatus.Fail, problems.join("; "));
  const evidence = `ClusterIP ${ip} (in ${subnet}) -> ready endpoint ${endpoints.join(", ")} = ${webservers[0]!.name}`;
  return result("webserver-service-endpoint", CheckStatus.Pass, evidence);
}

/** 5. `curl webserver-service-1:8000` from client-2 downloads webserver-1's page. */
export function checkCurl(f: CheckFacts): CheckResult {
  const port = f.expected.servicePort;
  return perItem("curl-service-from-client-2", { "client-2": f.curlFromClient2 }, ["client-2"], (_k, body) =>
    /webserver-1/.test(body) ? undefined : `curl webserver-service-1:${port} answered without webserver-1's page: ${JSON.stringify(body.slice(0, 120))}`,
  () => `curl webserver-service-1:${port} from client-2 got webserver-1's page`);
}

const KUBELET_CONFIG_NAME = path.posix.basename(KUBELET_CONFIG_LINK);

/** 6a. Every kubelet hands pods nodelocaldns as their resolver (clusterDNS in /etc/kubernetes/kubelet-config.yaml). */
export function checkKubeletClusterDns(f: CheckFacts): CheckResult {
  const ip = f.expected.nodeLocalDnsIp;
  return perItem("kubelet-cluster-dns", f.kubeletConfigs, f.expected.nodes.map((n) => n.name), (_node, text) => {
    let dns: string[];
    try {
      dns = parseKubeletClusterDns(text);
    } catch (e) {
      return `${KUBELET_CONFIG_NAME} ${(e as Error).message}`;
    }
    return dns[0] === ip ? undefined : `clusterDNS [${dns.join(", ")}], expected ${ip} first`;
  }, (keys) => `clusterDNS ${ip} in ${KUBELET_CONFIG_NAME} on ${keys.join(", ")}`);
}

/** 6b. The lab pods' /etc/resolv.conf names nodelocaldns as the first nameserver. */
export function checkPodResolvConf(f: CheckFacts): CheckResult {
  const ip = f.expected.nodeLocalDnsIp;
  const pods = Object.keys(f.resolvConfs).sort();
  return perItem("pod-resolv-conf", f.resolvConfs, pods, (_pod, text) => {
    const ns = parseResolvConf(text);
    return ns[0] === ip ? undefined : `first nameserver ${ns[0] ?? "(none)"}, expected ${ip}`;
  }, (keys) => `nameserver ${ip} first in /etc/resolv.conf of ${keys.join(", ")}`);
}

/**
 * 7. The nodelocaldns ConfigMap binds the link-local address and forwards the cluster domain to the ClusterIP of
 * the Service named `coredns` in kube-system, as the handout's §3.1 has students verify.
 */
export function checkNodeLocalDnsConfig(f: CheckFacts): CheckResult {
  const { nodeLocalDnsIp: ip, clusterDomain: domain } = f.expected;
  const coredns = f.corednsClusterIp;
  return perItem("nodelocaldns-config", { nodelocaldns: f.nodeLocalDnsCorefile }, ["nodelocaldns"], (_k, corefile) => {
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
  }, () => `${domain}:53 binds ${ip} and forwards to ${coredns}, the coredns Service's ClusterIP`);
}

/** 8. `ipvsadm -Ln` lists webserver-service-1's ClusterIP:port with webserver-1's pod behind it. */
export function checkIpvs(f: CheckFacts): CheckResult {
  const { webservers } = labPods(f.cluster);
  const vip = f.cluster.webserverClusterIp;
  const port = f.expected.servicePort;
  const podIps = webservers.map((p) => p.ip).filter(Boolean);
  return perItem("ipvs-webserver-service", f.ipvs, f.expected.nodes.map((n) => n.name), (_node, text) => {
    if (vip === "") return "no ClusterIP to look for";
    const svc = parseIpvs(text).find((s) => s.protocol === "TCP" && s.address === vip && s.port === port);
    if (!svc) return `no virtual service TCP ${vip}:${port}`;
    const reals = svc.realServers.map((r) => `${r.address}:${r.port}`);
    const missing = podIps.filter((ip) => !reals.includes(`${ip}:${port}`));
    if (podIps.length === 0 || missing.length > 0) {
      return `TCP ${vip}:${port} -> [${reals.join(", ") || "none"}], expected ${podIps.map((i) => `${i}:${port}`).join(", ") || "webserver-1's pod"}`;
    }
    return undefined;
  }, (keys) => `TCP ${vip}:${port} -> ${podIps.map((i) => `${i}:${port}`).join(", ")} on ${keys.join(", ")}`);
}

/** Every check, in the handout's order. */
export function evaluateChecks(f: CheckFacts): CheckResult[] {
  return [
    checkNodesReady(f),
    checkPodPrefixRoutes(f),
    checkClientPlacement(f),
    checkServiceEndpoint(f),
    checkCurl(f),
    checkKubeletClusterDns(f),
    checkPodResolvConf(f),
    checkNodeLocalDnsConfig(f),
    checkIpvs(f),
  ];
}

export function failedChecks(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === CheckStatus.Fail);
}

