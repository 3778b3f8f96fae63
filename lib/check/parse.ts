/**
 * Parsers for what the handout's commands print: `ip route`, `ipvsadm -Ln`, a Corefile, resolv.conf, the
 * kubelet config, `ip -o link` inside a pod's namespace. Pure functions over text.
 */
import { parse } from "yaml";

export interface RouteLine {
  readonly prefix: string;
  /** Next hop, "" for a directly connected route. */
  readonly via: string;
  readonly dev: string;
}

/** `ip -4 route show proto 17` (or any `ip route` listing) -> one entry per line. */
export function parseRoutes(text: string): RouteLine[] {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] !== undefined && w[0] !== "")
    .map((w) => {
      const after = (key: string) => {
        const i = w.indexOf(key);
        return i >= 0 ? (w[i + 1] ?? "") : "";
      };
      return { prefix: w[0]!, via: after("via"), dev: after("dev") };
    });
}

export interface IpvsRealServer {
  readonly address: string;
  readonly port: number;
}
export interface IpvsService {
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
  readonly scheduler: string;
  readonly realServers: IpvsRealServer[];
}

/** `ipvsadm -Ln`: virtual services ("TCP  10.233.0.1:443 rr") and their real servers ("  -> 10.31.5.12:6443 Masq 1 0 0"). */
export function parseIpvs(text: string): IpvsService[] {
  const out: { protocol: string; address: string; port: number; scheduler: string; realServers: IpvsRealServer[] }[] = [];
  for (const line of text.split("\n")) {
    const service = /^(TCP|UDP|SCTP)\s+(\d{1,3}(?:\.\d{1,3}){3}):(\d+)\s+(\S+)/.exec(line);
    if (service) {
      out.push({ protocol: service[1]!, address: service[2]!, port: Number(service[3]), scheduler: service[4]!, realServers: [] });
      continue;
    }
    const real = /^\s+->\s+(\d{1,3}(?:\.\d{1,3}){3}):(\d+)\s/.exec(line);
    if (real && out.length > 0) out[out.length - 1]!.realServers.push({ address: real[1]!, port: Number(real[2]) });
  }
  return out;
}

export interface CorefileBlock {
  /** "cluster.local:53" as written. */
  readonly key: string;
  readonly zone: string;
  readonly port: string;
  /** Top-level directives of the block, each as its words ("forward", ".", "10.233.0.10"); nested blocks dropped. */
  readonly directives: string[][];
}

/** A Corefile's server blocks (CoreDNS / node-cache syntax); comments removed. */
export function parseCorefile(text: string): CorefileBlock[] {
  const blocks: { key: string; zone: string; port: string; directives: string[][] }[] = [];
  let depth = 0;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const opens = line.endsWith("{");
    const words = line.replace(/\{$/, "").trim().split(/\s+/).filter(Boolean);
    if (line === "}") {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth === 0) {
      if (opens && words.length > 0) {
        const key = words[0]!;
        const m = /^(?:dns:\/\/)?(.*?)(?::(\d+))?$/.exec(key)!;
        blocks.push({ key, zone: m[1]!.replace(/\.$/, "") || ".", port: m[2] ?? "53", directives: [] });
        depth = 1;
      }
      continue;
    }
    if (depth === 1 && words.length > 0) blocks[blocks.length - 1]?.directives.push(words);
    if (opens) depth++;
    if (line.endsWith("}") && !opens && line !== "}") depth = Math.max(0, depth - 1);
  }
  return blocks;
}

/** The `nameserver` lines of a resolv.conf, in order. */
export function parseResolvConf(text: string): string[] {
  return text
    .split("\n")
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}

/** clusterDNS of a KubeletConfiguration; throws with a readable message when the YAML is not one. */
export function parseKubeletClusterDns(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object") throw new Error("not a KubeletConfiguration (empty or not a mapping)");
  const dns = (doc as { clusterDNS?: unknown }).clusterDNS;
  if (dns === undefined) return [];
  if (!Array.isArray(dns)) throw new Error(`clusterDNS is ${JSON.stringify(dns)}, not a list`);
  return dns.map(String);
}

export interface PodLink {
  /** MAC address of the pod's eth0. */
  readonly mac: string;
  /** The host-side interface index the pod's eth0 is paired with (eth0@ifNN). */
  readonly peerIndex: number;
  /** Host-side veth name, without "@ifN". */
  readonly veth: string;
}

/**
 * The output of the pod-link probe (see gather.ts): `eth0=<ip -o link show dev eth0 in the pod's namespace>`
 * and `host=<ip -o link show on the node>` lines. Returns undefined when the pod's namespace was not found.
 */
export function parsePodLink(text: string): PodLink | undefined {
  const lines = text.split("\n");
  const eth0 = lines.find((l) => l.startsWith("eth0="))?.slice(5) ?? "";
  const m = /^\d+:\s+eth0@if(\d+):.*link\/ether\s+([0-9a-f:]{17})/.exec(eth0);
  if (!m) return undefined;
  const peerIndex = Number(m[1]);
  const host = lines.filter((l) => l.startsWith("host=")).map((l) => l.slice(5));
  const veth = host.map((l) => /^(\d+):\s+([^:@\s]+)(?:@\S+)?:/.exec(l)).find((h) => h !== null && Number(h[1]) === peerIndex)?.[2] ?? "";
  return { mac: m[2]!, peerIndex, veth };
}
