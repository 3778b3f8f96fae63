/**
 * Reaching one provisioned bench from an instructor command (check, facts, reset, ssh): its spec as the program
 * derives it (from the stack config), its outputs, kubectl with the bench's own kubeconfig, and SSH to its nodes
 * with the stack's key and the pinned host keys.
 */
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { asRoot, shellJoin } from "../render/shell";
import { rawConfigFromValues } from "../spec/config-values";
import { parseBenchSpec } from "../spec/parse";
import { KeyPresence, KNOWN_KEYS, type RawBenchConfig } from "../spec/raw";
import type { BenchSpec } from "../spec/types";
import { openKubeconfig, type Kubectl } from "./kubectl";
import { runSsh, type SshConnection, type SshLimits } from "./ssh";

/** One row of the stack's `nodes` output. */
export interface NodeRowOutput {
  readonly name: string;
  readonly role: string;
  readonly providerIp: string;
  readonly managementIp: string;
  readonly podCidr: string;
}

export interface NodeShellOptions {
  /** Run it as root (the one sudo rule: `asRoot`). @default false */
  readonly root?: boolean;
  readonly stdin?: string;
  readonly limits?: SshLimits;
}

/** Runs argv on a bench node over SSH; resolves stdout. */
export type NodeShell = (node: string, argv: readonly string[], opts?: NodeShellOptions) => Promise<string>;

export interface BenchAccess {
  readonly stackName: string;
  readonly spec: BenchSpec;
  /** The stack's `nodes` output (planned addresses and pod prefixes). */
  readonly nodeRows: readonly NodeRowOutput[];
  /** The `kubeconfig` output, as the stack holds it. */
  readonly kubeconfig: string;
  /** kubectl against this bench only (its kubeconfig in a private temporary file until `close`). */
  readonly kubectl: Kubectl;
  readonly ssh: NodeShell;
  /** A node's SSH connection (the stack's key, the node's pinned host key). */
  connection(node: string): SshConnection;
  /** Removes the temporary kubeconfig. */
  close(): void;
}

/** The netlab: keys of a stack's config as the raw config the program reads (the known keys, structured values parsed). */
export function rawConfigFromStack(all: ConfigMap): RawBenchConfig {
  const values = Object.fromEntries(Object.entries(all).map(([key, v]) => [key, v.value]));
  const key = all["netlab:sshPrivateKey"];
  return rawConfigFromValues(values, key === undefined ? undefined : key.secret ? KeyPresence.Secret : KeyPresence.PlainText, KNOWN_KEYS);
}

function nodeConnection(stackName: string, spec: BenchSpec, privateKey: string, node: string): SshConnection {
  const n = spec.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`${spec.id}: no node ${node} (the nodes are ${spec.nodes.map((x) => x.name).join(", ")})`);
  if (privateKey === "") throw new Error(`stack ${stackName} has no netlab:sshPrivateKey`);
  if (n.ssh.hostKey === "") throw new Error(`stack ${stackName}: no pinned host key for ${node} (netlab:nodes.${node}.hostKey)`);
  return {
    node,
    host: n.ssh.host,
    port: n.ssh.port,
    user: n.ssh.user,
    privateKey,
    hostKey: n.ssh.hostKey,
    connectTimeout: n.ssh.connectTimeout,
    aliveTimeout: n.ssh.aliveTimeout,
  };
}

/** SSH to a bench's nodes with the stack's key and pinned host keys. */
export function nodeShell(stackName: string, spec: BenchSpec, privateKey: string): NodeShell {
  return async (node, argv, opts = {}) => {
    const conn = nodeConnection(stackName, spec, privateKey, node);
    return runSsh(conn, shellJoin(opts.root ? asRoot(conn.user, argv) : argv), opts.stdin, opts.limits);
  };
}

/** A node shell for a stack from its config alone (no outputs needed: usable while `up` is still running). */
export async function openNodeShell(stack: Stack): Promise<NodeShell> {
  const config = await stack.getAllConfig();
  const spec = parseBenchSpec(rawConfigFromStack(config), { requireAccess: false });
  return nodeShell(stack.name, spec, config["netlab:sshPrivateKey"]?.value ?? "");
}

export interface OpenOptions {
  /**
   * The command that cannot work without SSH (e.g. "reset"): the key and every node's host key must be set, the
   * whole spec is validated before anything runs. @default SSH is checked when first used
   */
  readonly sshFor?: string;
}

/** Opens a provisioned bench's stack. Throws when the stack has not been brought up. Call `close` when done. */
export async function openBenchAccess(stack: Stack, opts: OpenOptions = {}): Promise<BenchAccess> {
  const [outputs, config] = await Promise.all([stack.outputs(), stack.getAllConfig()]);
  const kubeconfig = String(outputs.kubeconfig?.value ?? "");
  if (kubeconfig === "") throw new Error(`stack ${stack.name} has no kubeconfig output: run \`netlab up --stack ${stack.name}\` first`);
  const privateKey = config["netlab:sshPrivateKey"]?.value ?? "";
  if (opts.sshFor !== undefined && privateKey === "") {
    throw new Error(`${stack.name}: netlab:sshPrivateKey is not set; ${opts.sshFor} reaches the nodes over SSH`);
  }
  const spec = parseBenchSpec(rawConfigFromStack(config), { requireAccess: opts.sshFor !== undefined });
  const file = openKubeconfig(kubeconfig);
  return {
    stackName: stack.name,
    spec,
    nodeRows: (outputs.nodes?.value ?? []) as NodeRowOutput[],
    kubeconfig,
    kubectl: file.kubectl,
    ssh: nodeShell(stack.name, spec, privateKey),
    connection: (node) => nodeConnection(stack.name, spec, privateKey, node),
    close: file.close,
  };
}
