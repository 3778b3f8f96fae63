/** What the cluster itself says about the lab: nodes and their prefixes, the lab pods, the service. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { safeKubeconfig } from "../remote/kubeconfig";

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

function kubectlJson<T>(kubeconfig: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile("kubectl", [`--kubeconfig=${kubeconfig}`, ...args, "-o", "json"], { maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(JSON.parse(String(stdout)) as T);
    });
  });
}

/** Reads the state with a kubeconfig given as text (kept in a private temporary file while it runs). */
export async function readClusterState(kubeconfig: string): Promise<ClusterState> {
  // Rebuilt: an output written before kubeconfigs were checked may still carry a planted credential plugin.
  const safe = safeKubeconfig(kubeconfig);
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-kc-"));
  const file = path.join(dir, "config");
  writeFileSync(file, safe, { mode: 0o600 });
  try {
    const [nodes, pods, svc, slices] = await Promise.all([
      kubectlJson<List<NodeJson>>(file, ["get", "nodes"]),
      kubectlJson<List<PodJson>>(file, ["-n", "default", "get", "pods"]),
      kubectlJson<ServiceJson>(file, ["-n", "default", "get", "service", "webserver-service-1"]).catch(() => undefined),
      kubectlJson<List<EndpointSliceJson>>(file, ["-n", "default", "get", "endpointslices", "-l", "kubernetes.io/service-name=webserver-service-1"]),
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
