/**
 * Turns a bench's raw stack config into the validated BenchSpec, deriving every address once (lib/spec/addresses.ts).
 * All problems are collected and thrown together as one BenchConfigError, before anything is registered.
 */
import { deriveAddresses, type NetworkSettings, type SshDefaults } from "./addresses";
import { DEFAULTS } from "./defaults";
import { parseImages } from "./images";
import { checkDnsDomain, checkLabUser, checkLengths, networkOrBroadcast } from "./limits";
import { checkRemoteExecutor, checkRuntimeSource, parseKubernetesVersion, parsePackageSource, parseTimeouts } from "./install";
import { parseBundleDir, parseNodeRoot } from "./locations";
import { contains } from "./network";
import { Problems, show } from "./problems";
import { KeyPresence, KNOWN_KEYS, REMOVED_KEYS, type RawBenchConfig } from "./raw";
import { checkShape, isMapping } from "./shape";
import { ContainerRuntime, NODE_NAMES, PortMode, RemoteExecutor, type BenchSpec, type NodeName, type PlacementSpec } from "./types";

export interface ParseOptions {
  /**
   * Require what only provisioning needs: the SSH private key and every node's pinned host key.
   * The offline render does not connect anywhere and sets this to false. @default true
   */
  readonly requireAccess?: boolean;
}

const PORT_MODES = Object.values(PortMode);
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( \S+)?$/;

/** The bench-wide settings that need no address: where the bench is, who uses it, what it installs and how. */
type Settings = Omit<BenchSpec, "room" | "bench" | "id" | "nodes" | "network" | "placement"> & { readonly room?: number; readonly bench?: number };

/** The validated BenchSpec of a bench's raw config; every problem found is thrown together, as one BenchConfigError. */
export function parseBenchSpec(input: RawBenchConfig, options: ParseOptions = {}): BenchSpec {
  const requireAccess = options.requireAccess ?? true;
  const p = new Problems();
  // The problems are reported in the order these run.
  const raw = checkedRaw(p, input);
  const s = parseSettings(p, raw);
  const net = parseNetworkSettings(p, (raw.network ?? {}) as NonNullable<RawBenchConfig["network"]>);
  const ssh = parseSshDefaults(p, raw, requireAccess);
  const placement = parsePlacement(p, raw);
  checkNodeEntries(p, raw, requireAccess);
  const { network, nodes } = deriveAddresses(p, raw, s, net, ssh);

  const { room, bench } = s;
  p.throwIfAny(room && bench ? `bench config for room ${room} bench ${bench}` : "bench config");
  return {
    room: room!,
    bench: bench!,
    id: `room${room}-bench${bench}`,
    nodes,
    network: network!,
    kubernetesVersion: s.kubernetesVersion,
    containerRuntime: s.containerRuntime,
    images: s.images,
    placement,
    labUser: s.labUser,
    nodeRoot: s.nodeRoot,
    remoteExecutor: s.remoteExecutor,
    packageSource: s.packageSource,
    bundleDir: s.bundleDir,
    timeouts: s.timeouts,
  };
}

/** The config with its nested keys and block types checked (blocks of the wrong type dropped) and unknown keys reported. */
function checkedRaw(p: Problems, input: RawBenchConfig): RawBenchConfig {
  if (!isMapping(input)) p.add("config", `${show(input)} is not a block of netlab: keys; write one netlab:<key>: <value> line per key`);
  const raw = checkLengths(p, checkShape(p, isMapping(input) ? input : {}));
  for (const key of Object.keys(raw)) {
    if (Object.hasOwn(REMOVED_KEYS, key)) p.add(key, REMOVED_KEYS[key]!);
    else if (!(KNOWN_KEYS as readonly string[]).includes(key)) p.add(key, `unknown config key; known keys are ${KNOWN_KEYS.join(", ")}`);
  }
  return raw;
}

/** Room, bench, lab user, where files live, what is installed and how (everything but the network, SSH and placement). */
function parseSettings(p: Problems, raw: RawBenchConfig): Settings {
  const room = p.integer("room", raw.room, 1, 254, "room number (second octet of 10.ROOM.BENCH.x)");
  const bench = p.integer("bench", raw.bench, 1, 254, "bench number (third octet of 10.ROOM.BENCH.x)");
  const labUser = p.word("labUser", raw.labUser, DEFAULTS.labUser, /^[a-z_][a-z0-9_-]{0,31}$/);
  checkLabUser(p, labUser);
  const kubernetesVersion = parseKubernetesVersion(p, raw.kubernetesVersion);
  const containerRuntime = p.oneOf("containerRuntime", raw.containerRuntime, Object.values(ContainerRuntime), DEFAULTS.containerRuntime);
  const images = parseImages(p, (raw.images ?? {}) as Record<string, unknown>);
  const remoteExecutor = p.oneOf("remoteExecutor", raw.remoteExecutor, Object.values(RemoteExecutor), RemoteExecutor.Ssh);
  checkRemoteExecutor(p, raw.remoteExecutor);
  const packages = (raw.packages ?? {}) as NonNullable<RawBenchConfig["packages"]>;
  const packageSource = parsePackageSource(p, packages.source, images);
  const bundleDir = parseBundleDir(p, packages.bundle, packageSource);
  checkRuntimeSource(p, containerRuntime, packageSource);
  const timeouts = parseTimeouts(p, (raw.timeouts as { scale?: unknown } | undefined)?.scale);
  const nodeRoot = parseNodeRoot(p, raw.nodeRoot);
  return { room, bench, labUser, kubernetesVersion, containerRuntime, images, remoteExecutor, packageSource, bundleDir, timeouts, nodeRoot };
}

/** The cluster's ranges, its DNS and the ports' modes, each checked alone (how they fit together: deriveAddresses). */
function parseNetworkSettings(p: Problems, net: NonNullable<RawBenchConfig["network"]>): NetworkSettings {
  const podSubnet = p.cidr("network.podSubnet", net.podSubnet, DEFAULTS.podSubnet);
  const serviceSubnet = p.cidr("network.serviceSubnet", net.serviceSubnet, DEFAULTS.serviceSubnet);
  const nodePrefixLength = p.integer("network.nodePrefixLength", net.nodePrefixLength ?? DEFAULTS.nodePrefixLength, 16, 28, "node pod prefix length");
  const nodeLocalDnsIp = net.nodeLocalDnsIp === undefined ? DEFAULTS.nodeLocalDnsIp : p.ipv4("network.nodeLocalDnsIp", net.nodeLocalDnsIp);
  if (nodeLocalDnsIp && !contains("169.254.0.0/16", nodeLocalDnsIp)) {
    p.add("network.nodeLocalDnsIp", `${show(nodeLocalDnsIp)} must be a link-local address (169.254.0.0/16), so it can be the same on every node`);
  } else if (nodeLocalDnsIp && networkOrBroadcast("169.254.0.0/16", nodeLocalDnsIp)) {
    p.add(
      "network.nodeLocalDnsIp",
      `${show(nodeLocalDnsIp)} is the ${networkOrBroadcast("169.254.0.0/16", nodeLocalDnsIp)} of 169.254.0.0/16; ` +
        'choose a host address, e.g. "169.254.25.10"',
    );
  }
  const clusterDomain = net.clusterDomain === undefined ? DEFAULTS.clusterDomain : String(net.clusterDomain);
  checkDnsDomain(p, "network.clusterDomain", clusterDomain);
  const providerMode = p.oneOf("network.providerPortMode", net.providerPortMode, PORT_MODES, DEFAULTS.portMode);
  const managementMode = p.oneOf("network.managementPortMode", net.managementPortMode, PORT_MODES, DEFAULTS.portMode);
  return { podSubnet, serviceSubnet, nodePrefixLength, nodeLocalDnsIp, clusterDomain, providerMode, managementMode };
}

/** ssh.user and ssh.port, and the private key: required to provision, and never accepted in plain text. */
function parseSshDefaults(p: Problems, raw: RawBenchConfig, requireAccess: boolean): SshDefaults {
  const sshUser = p.word("ssh.user", raw.ssh?.user, DEFAULTS.labUser, /^[a-z_][a-z0-9_-]{0,31}$/);
  const sshPort = p.integer("ssh.port", raw.ssh?.port ?? DEFAULTS.sshPort, 1, 65535, "TCP port") ?? DEFAULTS.sshPort;
  if (requireAccess && raw.sshPrivateKey === undefined) {
    p.add("sshPrivateKey", "(missing) the provisioner needs an SSH key; set it with `pulumi config set --secret netlab:sshPrivateKey < ~/.ssh/id_ed25519`");
  } else if (raw.sshPrivateKey !== undefined && raw.sshPrivateKey !== KeyPresence.Secret) {
    p.add(
      "sshPrivateKey",
      `${KeyPresence.PlainText} a private key in plain text in the stack file is refused ` +
        "(whoever reads the file or its git history has it); delete the line, replace the key, and set it as a secret with " +
        "`pulumi config set --secret netlab:sshPrivateKey < ~/.ssh/id_ed25519`",
    );
  }
  return { sshUser, sshPort };
}

/** The nodes the lab pods may run on: every node but the controller. */
const WORKER_NAMES: readonly NodeName[] = NODE_NAMES.filter((n) => n !== "controller");

/** Where the lab pods run: two different compute nodes. */
function parsePlacement(p: Problems, raw: RawBenchConfig): PlacementSpec {
  const webserverNode = p.oneOf("placement.webserverNode", raw.placement?.webserverNode, NODE_NAMES, DEFAULTS.placement.webserverNode);
  const client2Node = p.oneOf("placement.client2Node", raw.placement?.client2Node, NODE_NAMES, DEFAULTS.placement.client2Node);
  for (const [field, node] of [
    ["placement.webserverNode", webserverNode],
    ["placement.client2Node", client2Node],
  ] as const) {
    if (node === "controller") p.add(field, `"controller" keeps kubeadm's control-plane taint and runs no lab pods; choose ${WORKER_NAMES.join(", ")}`);
  }
  if (webserverNode === client2Node) {
    p.add(
      "placement.client2Node",
      `${show(client2Node)} is the webserver's node; client-2 must run on another node (the handout's cross-node case), ` +
        `e.g. "${WORKER_NAMES[(WORKER_NAMES.indexOf(webserverNode) + 1) % WORKER_NAMES.length]}"`,
    );
  }
  return { webserverNode, client2Node };
}

/** The nodes block: only the bench's node names, and each node's pinned host key. */
function checkNodeEntries(p: Problems, raw: RawBenchConfig, requireAccess: boolean): void {
  for (const name of Object.keys(raw.nodes ?? {})) {
    if (!(NODE_NAMES as readonly string[]).includes(name)) p.add(`nodes.${name}`, `unknown node; a bench has ${NODE_NAMES.join(", ")}`);
  }
  // A host key that is given is checked even offline: render refuses what up would refuse.
  for (const name of NODE_NAMES) {
    const hostKey = raw.nodes?.[name]?.hostKey;
    if (requireAccess || hostKey !== undefined) {
      if (typeof hostKey !== "string" || !HOST_KEY.test(hostKey.trim())) {
        p.add(
          `nodes.${name}.hostKey`,
          `${show(hostKey)} is not a pinned SSH host key; copy the node's /etc/ssh/ssh_host_ed25519_key.pub ("ssh-ed25519 AAAA...") into it`,
        );
      }
    }
  }
}
