/**
 * `netlab sim up` / `netlab sim down`: a whole simulated bench (hosts in network namespaces with real sshd,
 * a real control plane with kwok nodes) and the sim stack that points the program at it.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { openStack, NETLAB_DIR, STATE_DIR } from "../engine/workspace";
import { setAllConfigSafely } from "../engine/secret-config";
import { requireToolchain } from "../engine/toolchain";
import { parseBenchSpec } from "../spec/parse";
import { stackFile } from "../spec/source";
import type { BenchSpec, NodeName } from "../spec/types";
import { controlPlaneDir, controlPlaneDown, controlPlaneUp, type SimControlPlane } from "./controlplane";
import { simHostsDown, simHostsUp, type SimHosts } from "./hosts";
import { writeStandInBundle } from "./stand-in-bundle";

export interface SimBench {
  readonly spec: BenchSpec;
  readonly stackName: string;
  readonly stateDir: string;
  readonly hosts: SimHosts;
  readonly controlPlane: SimControlPlane;
  /** The stand-in bundle the program pushes to its nodes (packages.bundle). */
  readonly bundleDir: string;
}

export function simStackName(room: number, bench: number): string {
  return `sim-room${room}-bench${bench}`;
}

export function simStateDir(room: number, bench: number): string {
  return path.join(NETLAB_DIR, "sim", `room${room}-bench${bench}`);
}

/** A simulated bench's spec: the same derivation as a real bench, each node's files under its own directory here. */
export function simSpec(room: number, bench: number): BenchSpec {
  return parseBenchSpec({ room, bench, nodeRoot: path.join(simStateDir(room, bench), "nodes") }, { requireAccess: false });
}

/** Keys an older sim stack holds that the spec no longer reads (setting config never removes a key). */
const DROPPED_KEYS = ["netlab:target", "netlab:simRoot"];

/** Brings up (or completes) a simulated bench and writes its stack config. Idempotent. */
export async function simUp(room: number, bench: number, log: (line: string) => void = () => {}): Promise<SimBench> {
  const spec = simSpec(room, bench);
  const stateDir = simStateDir(room, bench);
  const toolchain = requireToolchain();
  log(`hosts: 4 network namespaces with sshd on ${spec.network.managementCidr}`);
  const kubeBin = path.dirname(toolchain.bin("kubeadm"));
  const hosts = await simHostsUp(spec, path.join(stateDir, "hosts"), { sessionPath: [kubeBin], clusterDir: controlPlaneDir(stateDir) });
  log(`control plane: etcd, kube-apiserver, controller-manager, scheduler, kwok`);
  const controlPlane = await controlPlaneUp(spec, stateDir, toolchain, hosts.nodes.controller.namespace);
  const stackName = simStackName(room, bench);
  const bundleDir = writeStandInBundle(path.join(stateDir, "bundle"), spec.kubernetesVersion);
  const stack = await openStack(stackName);
  const existing = await stack.getAllConfig();
  const dropped = DROPPED_KEYS.filter((k) => k in existing);
  if (dropped.length > 0) await stack.removeAllConfig(dropped);
  const nodes = Object.fromEntries(Object.entries(hosts.nodes).map(([name, h]) => [name, { hostKey: h.hostKey }])) as Record<NodeName, { hostKey: string }>;
  // The client key is a secret: set over the CLI's stdin, never on a command line.
  await setAllConfigSafely(stack, {
    "netlab:room": { value: String(room) },
    "netlab:bench": { value: String(bench) },
    "netlab:nodeRoot": { value: spec.nodeRoot },
    "netlab:packages": { value: JSON.stringify({ source: "bundle", bundle: bundleDir }) },
    "netlab:ssh": { value: JSON.stringify({ user: hosts.sshUser, port: 22 }) },
    "netlab:nodes": { value: JSON.stringify(nodes) },
    "netlab:sshPrivateKey": { value: hosts.clientPrivateKey, secret: true },
  });
  log(`stack ${stackName} configured (${path.relative(process.cwd(), stackFile(stackName))})`);
  return { spec, stackName, stateDir, hosts, controlPlane, bundleDir };
}

/**
 * Removes everything `simUp` made: processes, namespaces, links, files, the stack's state and config.
 * Works on a half-made or crashed sim.
 */
export async function simDown(room: number, bench: number, log: (line: string) => void = () => {}): Promise<void> {
  const stateDir = simStateDir(room, bench);
  const stackName = simStackName(room, bench);
  await controlPlaneDown(stateDir);
  await simHostsDown({ room, bench }, path.join(stateDir, "hosts"));
  rmSync(stateDir, { recursive: true, force: true });
  try {
    const stack = await openStack(stackName);
    await stack.workspace.removeStack(stackName, { force: true });
  } catch (e) {
    log(`stack ${stackName}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (existsSync(stackFile(stackName))) rmSync(stackFile(stackName));
  // The file backend keeps backups of a removed stack's state: they hold its (encrypted) secrets too.
  const stacksState = path.join(STATE_DIR, ".pulumi", "stacks", "k8s-netlab");
  for (const f of existsSync(stacksState) ? readdirSync(stacksState) : []) {
    if (f.startsWith(`${stackName}.json`)) rmSync(path.join(stacksState, f), { force: true });
  }
  log(`sim room${room}-bench${bench} removed`);
}
