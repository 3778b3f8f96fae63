/**
 * What a simulated node is to the commands run on it: the environment the node's sshd gives every session. The
 * node's own commands (lib/sim/node/bin: package manager, systemd, kernel modules and sysctls, kubeadm,
 * containerd, IPVS, ...) come first on PATH; they find the node's files, its simulated system state and the
 * simulated cluster through the NETLAB_SIM_* variables. The product's node scripts read none of them: they run
 * the bench path, with their files under NETLAB_ROOT (the node root, `nodeRoot`).
 */
import * as path from "node:path";
import { REPO } from "../repo";
import { nodeRoot } from "../spec/nodes";
import type { BenchSpec, NodeSpec } from "../spec/types";

/** The simulated node's commands and helpers. */
export const SIM_NODE_DIR = path.join(REPO, "lib", "sim", "node");
/** First on every simulated session's PATH. */
export const SIM_NODE_BIN = path.join(SIM_NODE_DIR, "bin");
/** Kube Router's and nodelocaldns's marks on a node (kube-bridge, BGP routes, the nodelocaldns link). */
export const SIM_EFFECTS_SCRIPT = path.join(SIM_NODE_DIR, "effects.sh");

/** The usual system PATH, after the node's commands and the toolchain. */
const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export interface SimNodeDirs {
  /** Where the node's simulated system state goes (loaded modules, units, IPVS-free kernel keys, calls.log). */
  readonly stateDir: string;
  /** The simulated control plane's directory: admin.conf, node-<name>.yaml, the cluster's kubelet config. */
  readonly clusterDir: string;
  /** Directories of real tools (the toolchain's kubectl and kubeadm) before the system PATH. @default [] */
  readonly sessionPath?: readonly string[];
}

/** What lib/sim/node/effects.sh plants on `node`: its pod gateway, routes to the other prefixes, nodelocaldns's address. */
export function effectsEnv(spec: BenchSpec, node: NodeSpec): Record<string, string> {
  return {
    NETLAB_SIM_NODE: node.name,
    NETLAB_SIM_POD_GATEWAY: `${node.podGateway}/${spec.network.nodePrefixLength}`,
    NETLAB_SIM_ROUTES: spec.nodes
      .filter((n) => n.name !== node.name)
      .map((n) => `${n.podCidr}@${n.provider.address}`)
      .join(","),
    NETLAB_SIM_NODELOCALDNS: spec.network.nodeLocalDnsIp,
  };
}

/** The environment of every session on the simulated `node`. */
export function simNodeEnv(spec: BenchSpec, node: NodeSpec, dirs: SimNodeDirs): Record<string, string> {
  const root = nodeRoot(spec, node.name);
  if (root === "") throw new Error(`sim ${spec.id}: node ${node.name} has no node root (netlab:nodeRoot is empty)`);
  const real = [...(dirs.sessionPath ?? []), ...SYSTEM_PATH].join(":");
  return {
    PATH: `${SIM_NODE_BIN}:${real}`,
    NETLAB_SIM_PATH: real,
    NETLAB_SIM_ROOT: root,
    NETLAB_SIM_STATE: dirs.stateDir,
    NETLAB_SIM_CLUSTER: dirs.clusterDir,
    NETLAB_SIM_LAB_USER: spec.labUser,
    ...effectsEnv(spec, node),
  };
}
