/** What the cluster itself says about the lab: nodes and their prefixes, the lab pods, the service. */
import { withKubectl, type Kubectl } from "../remote/kubectl";
import { LAB_NAMESPACE } from "../render/lab";

export interface NodeState { name: string; ready: boolean; internalIp: string; podCidr: string }
export interface PodState { name: string; node: string; ip: string; phase: string }
export interface ClusterState {
  nodes: NodeState[];
  /** webserver-1-*, client-1, client-2 (namespace default). */
  pods: PodState[];
  webserverClusterIp: string;
  /** Ready endpoint addresses of webserver-service-1. */
  webserverEndpoints: string[];
}

// The fields read from kubectl's JSON (the rest is ignored); a field the API server may omit is optional.
interface List<T> { items: T[] }
interface NodeJson {
  metadata: { name: string };
  spec: { podCIDR?: string };
  status: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] };
}
interface PodJson { metadata: { name: string }; spec: { nodeName?: string }; status: { podIP?: string; phase?: string } }
interface ServiceJson { spec?: { clusterIP?: string } }
interface EndpointSliceJson { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }

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

/** Plain-text table: one row per line, columns padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function benchTable(benchId: string, s: ClusterState): string {
  return [
    `bench ${benchId}`,
    table(["NODE", "READY", "INTERNAL-IP", "POD-PREFIX"], s.nodes.map((n) => [n.name, String(n.ready), n.internalIp, n.podCidr])),
    "",
    table(["POD", "NODE", "IP", "PHASE"], s.pods.map((p) => [p.name, p.node, p.ip, p.phase])),
    "",
    `webserver-service-1 ClusterIP ${s.webserverClusterIp} -> ${s.webserverEndpoints.join(", ") || "(no ready endpoint)"}`,
  ].join("\n");
}
