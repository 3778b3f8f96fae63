/** How a reset reaches one bench: its spec, key and kubeconfig; SSH and kubectl runners; archive paths. */
import type { Stack } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NETLAB_DIR } from "../engine/workspace";
import { runSsh, type SshConnection, type SshLimits } from "../remote/ssh";
import { shellJoin } from "../render/shell";
import { parseBenchSpec } from "../spec/parse";
import { KeyPresence, KNOWN_KEYS, type RawBenchConfig } from "../spec/raw";
import { safeKubeconfig } from "../remote/kubeconfig";
import type { BenchSpec, NodeSpec } from "../spec/types";


/** Everything needed to reach one bench: its spec (as the program derives it), key, kubeconfig. */
export interface BenchAccess {
  readonly spec: BenchSpec;
  readonly privateKey: string;
  readonly kubeconfig: string;
}

/** The bench's spec from its stack config (same derivation as index.ts), the decrypted key, the kubeconfig output. */
export async function benchAccess(stack: Stack): Promise<BenchAccess> {
  const config = await stack.getAllConfig();
  const raw: Record<string, unknown> = {};
  for (const k of KNOWN_KEYS) {
    const v = config[`netlab:${k}`];
    if (v === undefined || k === "sshPrivateKey") continue;
    try {
      raw[k] = JSON.parse(v.value);
    } catch {
      raw[k] = v.value;
    }
  }
  const privateKey = config["netlab:sshPrivateKey"]?.value;
  if (!privateKey) throw new Error(`${stack.name}: netlab:sshPrivateKey is not set; reset reaches the nodes over SSH`);
  raw.sshPrivateKey = config["netlab:sshPrivateKey"]?.secret ? KeyPresence.Secret : KeyPresence.PlainText;
  const spec = parseBenchSpec(raw as RawBenchConfig);
  const outputs = await stack.outputs();
  const kubeconfig = outputs.kubeconfig?.value as string | undefined;
  if (!kubeconfig) throw new Error(`${stack.name}: the stack has no kubeconfig output; the bench has not been brought up (run \`netlab up\` first)`);
  return { spec, privateKey, kubeconfig };
}

/** Where a node's files live: "" on a real bench, "<simRoot>/<node>" in simulation. */
export function nodeRoot(spec: BenchSpec, node: NodeSpec): string {
  return spec.target === "sim" ? `${spec.simRoot}/${node.name}` : "";
}

export function connection(a: BenchAccess, node: NodeSpec): SshConnection {
  return { node: node.name, host: node.ssh.host, port: node.ssh.port, user: node.ssh.user, privateKey: a.privateKey, hostKey: node.ssh.hostKey };
}

/** Runs a bash script as root on a node (sudo unless the provisioner logs in as root); resolves stdout. */
export function runScript(
  a: BenchAccess, node: NodeSpec, name: string, script: string, args: readonly string[], stdin?: string, limits?: SshLimits,
): Promise<string> {
  const sudo = node.ssh.user === "root" ? [] : ["sudo", "-n", "--"];
  return runSsh(connection(a, node), shellJoin([...sudo, "bash", "-c", `set -euo pipefail\n${script}`, name, ...args]), stdin, limits);
}

export function controllerOf(spec: BenchSpec): NodeSpec {
  return spec.nodes.find((n) => n.role === "control-plane")!;
}

export interface KubectlAnswer {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** The failure when kubectl could not run or exited non-zero. */
  readonly error?: string;
}

/** Runs kubectl against the bench with its own kubeconfig (in a private temporary file); never throws for kubectl's failure. */
export async function kubectlAnswer(kubeconfig: string, args: readonly string[]): Promise<KubectlAnswer> {
  const safe = safeKubeconfig(kubeconfig);
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-reset-kc-"));
  const file = path.join(dir, "config");
  writeFileSync(file, safe, { mode: 0o600 });
  try {
    return await new Promise<KubectlAnswer>((resolve) => {
      execFile("kubectl", [`--kubeconfig=${file}`, ...args], { maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
        resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr), ...(err ? { error: err.message } : {}) });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs kubectl against the bench with its own kubeconfig; resolves stdout, rejects with kubectl's error. */
export async function kubectl(kubeconfig: string, args: readonly string[]): Promise<string> {
  const r = await kubectlAnswer(kubeconfig, args);
  if (!r.ok) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim() || r.error}`);
  return r.stdout;
}

export function localRun(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** UTC time stamp for file names, e.g. 20250301T141502Z. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/** The local copy's path: .netlab/archives/<benchId>/<timestamp>.tar.gz. */
export function localArchivePath(benchId: string, stamp: string): string {
  return path.join(NETLAB_DIR, "archives", benchId, `${stamp}.tar.gz`);
}

/** The controller's archive directory as the node sees it (the sim root prefixed in simulation). */
export function remoteArchiveDir(spec: BenchSpec): string {
  return `${nodeRoot(spec, controllerOf(spec))}/var/backups/netlab`;
}

export function labHome(spec: BenchSpec): string {
  return `${nodeRoot(spec, controllerOf(spec))}/home/${spec.labUser}`;
}

