/** What the cluster itself says about the lab: nodes and their prefixes, the lab pods, the service. */
import { withKubectl, type Kubectl } from "../remote/kubectl";
import { LAB_NAMESPACE } from "../render/lab";

export interface NodeState {
  name: string;
  ready: boolean;
  internalIp: string;
  podCidr: string;
}
export interface PodState {
  name: string;
  node: string;
  ip: string;
  phase: string;
}
export interface ClusterState {
  nodes: NodeState[];
  /** webserver-1-*, client-1, client-2 (namespace default). */
  pods: PodState[];
  webserverClusterIp: string;
  /** Ready endpoint addresses of webserver-service-1. */
  webserverEndpoints: string[];
}

// The fields read from kubectl's JSON (the rest is ignored); a field the API server may omit is optional.
interface List<T> {
  items: T[];
}
interface NodeJson {
  metadata: { name: string };
  spec: { podCIDR?: string };
  status: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] };
}
interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { podIP?: string; phase?: string };
}
interface ServiceJson {
  spec?: { clusterIP?: string };
}
interface EndpointSliceJson {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
}

/** Reads the state with a kubeconfig given as text (kept in a private temporary file while it runs). */
export function readClusterState(kubeconfig: string): Promise<ClusterState> {
  return withKubectl(kubeconfig, clusterStateOf);
}

/** Reads the state through a bench's kubectl. */
export async function clusterStateOf(kubectl: Kubectl): Promise<ClusterState> {
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-o", "json"])) as T;
  const [nodes, pods, svc, slices] = await Promise.all([
    json<List<NodeJson>>(["get", "nodes"]),
    json<List<PodJson>>(["-n", LAB_NAMESPACE, "get", "pods"]),
    json<ServiceJson>(["-n", LAB_NAMESPACE, "get", "service", "webserver-service-1"]).catch(() => undefined),
    json<List<EndpointSliceJson>>(["-n", LAB_NAMESPACE, "get", "endpointslices", "-l", "kubernetes.io/service-name=webserver-service-1"]),
  ]);
  return {
    nodes: nodes.items.map((n) => ({
      name: n.metadata.name,
      ready: (n.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      internalIp: (n.status.addresses ?? []).find((a) => a.type === "InternalIP")?.address ?? "",
      podCidr: n.spec.podCIDR ?? "",
    })),
    pods: pods.items
      .filter((p) => /^(webserver-1-|client-[12]$)/.test(p.metadata.name))
      .map((p) => ({ name: p.metadata.name, node: p.spec.nodeName ?? "", ip: p.status.podIP ?? "", phase: p.status.phase ?? "" })),
    webserverClusterIp: svc?.spec?.clusterIP ?? "",
    webserverEndpoints: slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)),
  };
}

/**
 * Why the lab is not running, or undefined when it is: exactly client-1, client-2 and one webserver-1 pod, each
 * Running with an IP, and webserver-service-1 with its one ready endpoint.
 */
export function labNotRunning(s: ClusterState): string | undefined {
  const names = s.pods.map((p) => p.name);
  const running = s.pods.every((p) => p.phase === "Running" && p.ip);
  const lab = names.includes("client-1") && names.includes("client-2") && names.filter((n) => n.startsWith("webserver-1-")).length === 1;
  if (lab && s.pods.length === 3 && running && s.webserverEndpoints.length === 1) return undefined;
  const endpoints = s.webserverEndpoints.length === 1 ? "" : `; webserver-service-1 has ${s.webserverEndpoints.length} ready endpoints`;
  return `${s.pods.map((p) => `${p.name} ${p.phase || "?"}`).join(", ") || "no lab pods"}${endpoints}`;
}

/** Polls the cluster until the lab runs (`labNotRunning`); fails after `timeoutMs` saying what it saw last. */
export async function waitForLab(kubeconfig: string, timeoutMs: number): Promise<ClusterState> {
  const start = Date.now();
  let last = "no answer";
  for (;;) {
    try {
      const s = await readClusterState(kubeconfig);
      const why = labNotRunning(s);
      if (why === undefined) return s;
      last = why;
    } catch (e) {
      last = (e as Error).message.split("\n")[0]!;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`the lab pods did not run again within ${Math.round(timeoutMs / 1000)} s: ${last}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Plain-text table: one row per line, columns padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function benchTable(benchId: string, s: ClusterState): string {
  return [
    `bench ${benchId}`,
    table(
      ["NODE", "READY", "INTERNAL-IP", "POD-PREFIX"],
      s.nodes.map((n) => [n.name, String(n.ready), n.internalIp, n.podCidr]),
    ),
    "",
    table(
      ["POD", "NODE", "IP", "PHASE"],
      s.pods.map((p) => [p.name, p.node, p.ip, p.phase]),
    ),
    "",
    `webserver-service-1 ClusterIP ${s.webserverClusterIp} -> ${s.webserverEndpoints.join(", ") || "(no ready endpoint)"}`,
  ].join("\n");
}
