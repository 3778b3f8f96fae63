/**
 * The lab handout's observations as named checks, in the handout's order: the facts they read and how a check
 * judges them. Each check is a pure function of the facts gathered from one bench (gather.ts), owned by the
 * concern it checks (lib/concerns) and run in order by evaluate.ts, so it is unit-testable without a cluster. A
 * check is "not-observable" when a fact it needs was gathered as one that cannot be seen there: never a pass or a
 * fail. (gather.ts gathers none so: what a probe cannot get is its error, and the check fails.)
 */
import type { ClusterState } from "../facts/cluster-state";
import type { Observation } from "./observation";

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

export const result = (name: CheckName, status: CheckStatus, evidence: string): CheckResult => ({ name, status, evidence });

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
export function perItem<T>(
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

export function failedChecks(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === CheckStatus.Fail);
}
