/**
 * Reaching one provisioned bench from an instructor command: its spec (from the stack config), its outputs,
 * kubectl with the bench's own kubeconfig, and SSH to its nodes with the pinned host keys.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSsh, type SshConnection } from "../remote/ssh";
import { shellJoin } from "../render/shell";
import { parseBenchSpec } from "../spec/parse";
import { KeyPresence, KNOWN_KEYS, type RawBenchConfig } from "../spec/raw";
import { safeKubeconfig } from "../remote/kubeconfig";
import type { BenchSpec } from "../spec/types";

export interface NodeRowOutput {
  readonly name: string;
  readonly role: string;
  readonly providerIp: string;
  readonly managementIp: string;
  readonly podCidr: string;
}

export interface BenchAccess {
  readonly stackName: string;
  readonly spec: BenchSpec;
  /** The stack's `nodes` output (planned addresses and pod prefixes). */
  readonly nodeRows: readonly NodeRowOutput[];
  readonly kubeconfig: string;
  /** kubectl against this bench only; resolves stdout. */
  kubectl(args: readonly string[], opts?: { timeoutMs?: number }): Promise<string>;
  /** Runs argv on a node over SSH (root through `sudo -n` when the SSH user is not root). */
  ssh(node: string, argv: readonly string[], opts?: { root?: boolean; stdin?: string }): Promise<string>;
  /** Where a node's files live: `<simRoot>/<node>` on the sim target, "" (i.e. /) on a real bench. */
  nodeRoot(node: string): string;
  /** Removes the temporary kubeconfig. */
  close(): void;
}

/** The netlab: keys of a stack's config as the raw config the program reads (structured values parsed). */
export function rawConfigFromStack(all: Record<string, { value: string; secret?: boolean }>): RawBenchConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, { value }] of Object.entries(all)) {
    if (!key.startsWith("netlab:")) continue;
    const name = key.slice("netlab:".length);
    if (!(KNOWN_KEYS as readonly string[]).includes(name)) continue;
    if (name === "sshPrivateKey") {
      raw[name] = all[key]!.secret ? KeyPresence.Secret : KeyPresence.PlainText;
      continue;
    }
    try {
      raw[name] = JSON.parse(value);
    } catch {
      raw[name] = value;
    }
  }
  return raw as RawBenchConfig;
}

function kubectlRunner(file: string) {
  return (args: readonly string[], opts: { timeoutMs?: number } = {}) =>
    new Promise<string>((resolve, reject) => {
      execFile("kubectl", [`--kubeconfig=${file}`, ...args], { maxBuffer: 32 << 20, timeout: opts.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
        else resolve(String(stdout));
      });
    });
}

/** Opens a provisioned bench's stack for probing. Throws when the stack has not been brought up. */
/** Runs argv on a bench node over SSH with the stack's key and pinned host key (root through `sudo -n` if asked). */
export function nodeSsh(stackName: string, spec: BenchSpec, privateKey: string): BenchAccess["ssh"] {
  return (node, argv, opts = {}) => {
    const n = spec.nodes.find((x) => x.name === node);
    if (!n) return Promise.reject(new Error(`${spec.id}: no node ${node} (the nodes are ${spec.nodes.map((x) => x.name).join(", ")})`));
    if (privateKey === "") return Promise.reject(new Error(`stack ${stackName} has no netlab:sshPrivateKey`));
    if (n.ssh.hostKey === "") return Promise.reject(new Error(`stack ${stackName}: no pinned host key for ${node} (netlab:nodes.${node}.hostKey)`));
    const conn: SshConnection = { node, host: n.ssh.host, port: n.ssh.port, user: n.ssh.user, privateKey, hostKey: n.ssh.hostKey };
    const line = opts.root && n.ssh.user !== "root" ? shellJoin(["sudo", "-n", ...argv]) : shellJoin(argv);
    return runSsh(conn, line, opts.stdin);
  };
}

/** A node shell for a stack from its config alone (no outputs needed: usable while `up` is still running). */
export async function openNodeSsh(stack: Stack): Promise<BenchAccess["ssh"]> {
  const config = await stack.getAllConfig();
  const spec = parseBenchSpec(rawConfigFromStack(config), { requireAccess: false });
  return nodeSsh(stack.name, spec, config["netlab:sshPrivateKey"]?.value ?? "");
}

export async function openBenchAccess(stack: Stack): Promise<BenchAccess> {
  const [outputs, config] = await Promise.all([stack.outputs(), stack.getAllConfig()]);
  const kubeconfig = String(outputs.kubeconfig?.value ?? "");
  if (kubeconfig === "") throw new Error(`stack ${stack.name} has no kubeconfig output: run \`netlab up --stack ${stack.name}\` first`);
  const spec = parseBenchSpec(rawConfigFromStack(config), { requireAccess: false });
  const privateKey = config["netlab:sshPrivateKey"]?.value ?? "";
  const nodeRows = (outputs.nodes?.value ?? []) as NodeRowOutput[];
  const safe = safeKubeconfig(kubeconfig);
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-check-"));
  const file = path.join(dir, "config");
  writeFileSync(file, safe, { mode: 0o600 });
  return {
    stackName: stack.name,
    spec,
    nodeRows,
    kubeconfig,
    kubectl: kubectlRunner(file),
    ssh: nodeSsh(stack.name, spec, privateKey),
    nodeRoot: (node) => (spec.target === "sim" ? path.join(spec.simRoot, node) : ""),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
