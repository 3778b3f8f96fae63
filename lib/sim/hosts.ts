/**
 * The hosts half of the simulated bench: per node a network namespace wired like the real machine (enp1s0f0 on
 * the management bridge, enp1s0f2 on the provider bridge) running a real sshd the provisioner logs in to, with
 * a pinned host key; a root directory holding the node's files (node-root.ts); and, first on every session's
 * PATH, the node's own commands (node-env.ts). `simHostsUp` is idempotent; `simHostsDown` clears whatever a
 * crash left.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { NODE_NAMES, type BenchSpec, type NodeName, type NodeSpec } from "../spec/types";
import { simNodeEnv } from "./node-env";
import { prepareNodeRoot } from "./node-root";
import { checkManagementSubnetFree, ensureBridges, ensureNodeNetwork, managementGateway, namespaceExists, removeBenchNetwork, simNames } from "./netns";
import { SIM_SSH_PORT, SIM_SSH_USER, clientKeyPaths, ensureClientKey, launchSshd, nodeSshPaths, prepareSshd, publicKeyLine, terminateSshd } from "./sshd";

export { simNames, managementGateway } from "./netns";

export interface SimHost {
  readonly node: NodeName;
  /** Network namespace of the node, e.g. "nl27x4-compute2". */
  readonly namespace: string;
  /** The node's pinned host key: "ssh-ed25519 AAAA..." without comment. */
  readonly hostKey: string;
  readonly sshHost: string;
  readonly sshPort: number;
}

export interface SimHosts {
  readonly benchId: string;
  readonly stateDir: string;
  readonly nodes: Readonly<Record<NodeName, SimHost>>;
  /** The account the provisioner logs in as on a simulated node. */
  readonly sshUser: string;
  /** Private key (OpenSSH format) every node's sshd accepts. */
  readonly clientKeyPath: string;
  readonly clientPrivateKey: string;
  /** The root namespace's address on the management bridge (the instructor's machine). */
  readonly managementGateway: string;
  readonly managementBridge: string;
  readonly providerBridge: string;
}

function specNode(spec: BenchSpec, name: NodeName): NodeSpec {
  const node = spec.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`sim ${spec.id}: no node ${name} in the bench spec`);
  return node;
}

export interface SimHostsOptions {
  /** Directories of real tools (the toolchain's kubectl and kubeadm) on the nodes' PATH. @default [] */
  readonly sessionPath?: readonly string[];
  /** The simulated control plane's directory, which the nodes' kubeadm adopts. @default `<stateDir>/no-control-plane` */
  readonly clusterDir?: string;
}

/** The directory of one node's simulated system state (kernel, systemd, packages, calls.log). */
export function nodeStateDir(stateDir: string, node: NodeName): string {
  return path.join(nodeSshPaths(stateDir, node).dir, "system");
}

/** Brings up (or completes) the simulated hosts of a bench. Safe to call again on a running bench. */
export async function simHostsUp(spec: BenchSpec, stateDir: string, options: SimHostsOptions = {}): Promise<SimHosts> {
  if (!path.isAbsolute(stateDir)) throw new Error(`sim ${spec.id}: state directory ${stateDir} must be an absolute path`);
  const names = simNames(spec);
  await checkManagementSubnetFree(spec);
  await ensureBridges(spec);
  const client = await ensureClientKey(stateDir, spec.id);
  const nodes = {} as Record<NodeName, SimHost>;
  for (const node of spec.nodes) {
    await ensureNodeNetwork(spec, node);
    prepareNodeRoot(spec, node);
    const env = simNodeEnv(spec, node, {
      stateDir: nodeStateDir(stateDir, node.name),
      clusterDir: options.clusterDir ?? path.join(stateDir, "no-control-plane"),
      sessionPath: options.sessionPath,
    });
    const p = await prepareSshd(stateDir, spec.id, node, env);
    await launchSshd(spec.id, node, names.namespace(node.name), p);
    nodes[node.name] = {
      node: node.name,
      namespace: names.namespace(node.name),
      hostKey: publicKeyLine(`${p.hostKey}.pub`),
      sshHost: node.management.address,
      sshPort: SIM_SSH_PORT,
    };
  }
  return {
    benchId: spec.id,
    stateDir,
    nodes,
    sshUser: SIM_SSH_USER,
    clientKeyPath: client.privateKey,
    clientPrivateKey: readFileSync(client.privateKey, "utf8"),
    managementGateway: managementGateway(spec),
    managementBridge: names.managementBridge,
    providerBridge: names.providerBridge,
  };
}

/** Stops one node's sshd (new connections are refused; open sessions stay). For fault tests. */
export async function stopSshd(spec: BenchSpec, stateDir: string, node: NodeName): Promise<void> {
  specNode(spec, node);
  await terminateSshd(nodeSshPaths(stateDir, node));
}

/** Starts one node's sshd again (no-op when it runs), with the same host key. */
export async function startSshd(spec: BenchSpec, stateDir: string, node: NodeName): Promise<void> {
  const n = specNode(spec, node);
  const ns = simNames(spec).namespace(node);
  if (!(await namespaceExists(ns))) throw new Error(`sim ${spec.id} node ${node}: namespace ${ns} does not exist; run simHostsUp first`);
  const p = nodeSshPaths(stateDir, node);
  if (!existsSync(p.config) || !existsSync(p.hostKey) || !existsSync(clientKeyPaths(stateDir).authorizedKeys)) {
    throw new Error(`sim ${spec.id} node ${node}: no sshd config/host key under ${p.dir}; run simHostsUp first`);
  }
  await launchSshd(spec.id, n, ns, p);
}

/**
 * Tears the simulated hosts down: sshds (pid files, then anything left in the namespaces), namespaces, veths,
 * bridges, the state directory. Works on partial state after a crash; never throws.
 */
export async function simHostsDown(spec: Pick<BenchSpec, "room" | "bench">, stateDir: string): Promise<void> {
  for (const node of NODE_NAMES) {
    try {
      await terminateSshd(nodeSshPaths(stateDir, node));
    } catch {
      /* the namespace sweep below ends it */
    }
  }
  try {
    await removeBenchNetwork(spec, NODE_NAMES);
  } catch {
    /* never throws: best effort */
  }
  try {
    if (path.isAbsolute(stateDir) && stateDir !== "/") rmSync(stateDir, { recursive: true, force: true });
  } catch {
    /* already gone */
  }
}
