/**
 * The bench's networks and nodes from its parsed settings (lib/spec/parse.ts): every address derived once, and
 * every problem with how the ranges and addresses fit together added to the same Problems.
 */
import { DEFAULTS, HARDWARE } from "./defaults";
import { checkClusterRanges, checkHostAddresses, checkManagementRoom, checkSshEndpoints } from "./limits";
import { contains, nthAddress, overlaps, splitSubnet } from "./network";
import { show, type Problems } from "./problems";
import type { RawBenchConfig, RawNodeConfig } from "./raw";
import { NODE_NAMES, NodeRole, PortMode, type InterfaceSpec, type NetworkSpec, type NodeName, type NodeSpec, type TimeoutSpec } from "./types";

/** network.* read key by key (undefined: refused, and reported). */
export interface NetworkSettings {
  readonly podSubnet?: string;
  readonly serviceSubnet?: string;
  readonly nodePrefixLength?: number;
  readonly nodeLocalDnsIp?: string;
  readonly clusterDomain: string;
  readonly providerMode: PortMode;
  readonly managementMode: PortMode;
}

/** The defaults every node's SSH connection starts from. */
export interface SshDefaults {
  readonly sshUser: string;
  readonly sshPort: number;
}

/** Where the bench is (undefined: refused, and reported) and its timeouts: what the addresses and nodes need of the settings. */
export interface BenchPlace {
  readonly room?: number;
  readonly bench?: number;
  readonly timeouts: TimeoutSpec;
}

/**
 * The bench's networks and nodes, every address derived once, and how the ranges and addresses fit together.
 * Nothing (and no problem about how they fit) when a value they derive from was refused already.
 */
export function deriveAddresses(
  p: Problems,
  raw: RawBenchConfig,
  s: BenchPlace,
  n: NetworkSettings,
  ssh: SshDefaults,
): { network?: NetworkSpec; nodes: NodeSpec[] } {
  const { room, bench } = s;
  const { podSubnet, serviceSubnet, nodePrefixLength, nodeLocalDnsIp } = n;
  if (room === undefined || bench === undefined || !podSubnet || !serviceSubnet || !nodePrefixLength || !nodeLocalDnsIp) return { nodes: [] };
  const providerCidr = `10.${room}.${bench}.0/${DEFAULTS.providerPrefixLength}`;
  const mgmtTemplate = raw.network?.managementSubnet === undefined ? DEFAULTS.managementSubnet : String(raw.network.managementSubnet);
  const managementCidr = p.cidr(
    "network.managementSubnet",
    mgmtTemplate.replaceAll("{room}", String(room)).replaceAll("{bench}", String(bench)),
    DEFAULTS.managementSubnet.replace("{bench}", String(bench)),
  );
  const sized = checkClusterRanges(p, podSubnet, serviceSubnet, nodePrefixLength);
  if (!managementCidr || !sized || !checkManagementRoom(p, managementCidr, HARDWARE.hostOctet, (name) => raw.nodes?.[name]?.managementIp !== undefined)) {
    return { nodes: [] };
  }
  checkRanges(p, { providerCidr, managementCidr, podSubnet, serviceSubnet });
  const podCidrs = podCidrsOrProblem(p, podSubnet, nodePrefixLength);
  const network: NetworkSpec = {
    podSubnet,
    serviceSubnet,
    nodePrefixLength,
    kubernetesServiceIp: nthAddress(serviceSubnet, 1),
    corednsIp: nthAddress(serviceSubnet, 10),
    nodeLocalDnsIp,
    providerCidr,
    managementCidr,
    clusterDomain: n.clusterDomain,
  };
  const nodes = NODE_NAMES.map((name, i) =>
    buildNode(p, name, raw.nodes?.[name] ?? {}, {
      providerCidr,
      managementCidr,
      providerMode: n.providerMode,
      managementMode: n.managementMode,
      podCidr: podCidrs[i] ?? "",
      sshUser: ssh.sshUser,
      sshPort: ssh.sshPort,
      timeouts: s.timeouts,
    }),
  );
  checkDuplicates(p, nodes);
  checkHostAddresses(p, managementCidr, nodes);
  checkSshEndpoints(p, nodes);
  return { network, nodes };
}

function checkRanges(p: Problems, r: { providerCidr: string; managementCidr: string; podSubnet: string; serviceSubnet: string }): void {
  const pairs: [string, string, string, string][] = [
    ["network.podSubnet", r.podSubnet, "network.serviceSubnet", r.serviceSubnet],
    ["network.podSubnet", r.podSubnet, "provider network", r.providerCidr],
    ["network.podSubnet", r.podSubnet, "network.managementSubnet", r.managementCidr],
    ["network.serviceSubnet", r.serviceSubnet, "provider network", r.providerCidr],
    ["network.serviceSubnet", r.serviceSubnet, "network.managementSubnet", r.managementCidr],
    ["network.managementSubnet", r.managementCidr, "provider network", r.providerCidr],
  ];
  for (const [field, a, otherName, b] of pairs) {
    if (overlaps(a, b)) p.add(field, `${show(a)} overlaps the ${otherName} ${show(b)}; choose a range outside it (set netlab:network in the stack config)`);
  }
}

function podCidrsOrProblem(p: Problems, podSubnet: string, prefixLength: number): string[] {
  try {
    return splitSubnet(podSubnet, prefixLength, NODE_NAMES.length);
  } catch (e) {
    p.add("network.podSubnet", `${show(podSubnet)}: ${(e as Error).message}; use a larger subnet or a longer network.nodePrefixLength`);
    return [];
  }
}

interface NodeContext {
  providerCidr: string;
  managementCidr: string;
  providerMode: PortMode;
  managementMode: PortMode;
  podCidr: string;
  sshUser: string;
  sshPort: number;
  timeouts: TimeoutSpec;
}

function buildNode(p: Problems, name: NodeName, raw: RawNodeConfig, c: NodeContext): NodeSpec {
  const octet = HARDWARE.hostOctet[name];
  const field = `nodes.${name}`;
  const defaultMgmt = nthAddress(c.managementCidr, octet);
  const managementIp = raw.managementIp === undefined ? defaultMgmt : (p.ipv4(`${field}.managementIp`, raw.managementIp) ?? defaultMgmt);
  if (raw.managementIp !== undefined && !contains(c.managementCidr, managementIp)) {
    p.add(`${field}.managementIp`, `${show(managementIp)} is outside the management network ${c.managementCidr}; fix the address or network.managementSubnet`);
  }
  const hostKey = raw.hostKey;
  const sshHost = raw.sshHost === undefined ? managementIp : (p.ipv4(`${field}.sshHost`, raw.sshHost) ?? managementIp);
  const sshPort = raw.sshPort === undefined ? c.sshPort : (p.integer(`${field}.sshPort`, raw.sshPort, 1, 65535, "TCP port") ?? c.sshPort);
  const iface = (hw: { nic: string; vlanId: number }, mode: PortMode, address: string, cidr: string): InterfaceSpec => ({
    nic: hw.nic,
    vlanId: hw.vlanId,
    portMode: mode,
    address,
    device: mode === PortMode.Tagged ? `${hw.nic}.${hw.vlanId}` : hw.nic,
    prefixLength: Number(cidr.split("/")[1]),
  });
  return {
    name,
    role: name === "controller" ? NodeRole.ControlPlane : NodeRole.Worker,
    management: iface(HARDWARE.management, c.managementMode, managementIp, c.managementCidr),
    provider: iface(HARDWARE.provider, c.providerMode, nthAddress(c.providerCidr, octet), c.providerCidr),
    podCidr: c.podCidr,
    podGateway: c.podCidr ? nthAddress(c.podCidr, 1) : "",
    ssh: {
      host: sshHost,
      port: sshPort,
      user: c.sshUser,
      hostKey: typeof hostKey === "string" ? hostKey.trim() : "",
      connectTimeout: c.timeouts.sshConnect,
      aliveTimeout: c.timeouts.sshAlive,
    },
  };
}

function checkDuplicates(p: Problems, nodes: NodeSpec[]): void {
  const seen = new Map<string, string>();
  for (const n of nodes) {
    for (const [what, ip] of [
      ["managementIp", n.management.address],
      ["provider address", n.provider.address],
    ] as const) {
      const other = seen.get(ip);
      // Provider addresses are derived and distinct, so a clash always comes from a managementIp override.
      if (other) p.add(`nodes.${n.name}.managementIp`, `${show(ip)} is already used by ${other}; every address on a bench must be unique`);
      else seen.set(ip, `${n.name} (${what})`);
    }
  }
}
