/**
 * `netlab vm up|down|status`: four real VMs shaped like a lab bench (controller, compute1-3), on this host's
 * bridges, reachable over SSH with pinned host keys, and the Pulumi stack that points the program at them.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runSsh } from "../remote/ssh";
import { parseBenchSpec } from "../spec/parse";
import { stackFile } from "../spec/source";
import { type BenchSpec, type NodeName, type NodeSpec } from "../spec/types";
import { sleep } from "../sim/exec";
import { readConsoleHostKey } from "./console";
import { ensureBaseImage, pruneBaseImages, type BaseImage } from "./image";
import { benchStateDir, macAddress, tapName, vmStackName, type RoomBench } from "./names";
import { benchLinks, checkManagementSubnetFree, ensureBridges, ensureTaps, NETWORKS, removeBenchNetwork } from "./network";
import { ensureSiteResolver, siteResolverAddress, siteResolverPid, stopSiteResolver } from "./resolver";
import { ensureOverlay, kernelCmdline, killQemusUnder, runningPid, startVm, stopVm, VM_SIZE, type VmDefinition } from "./qemu";
import { generateSshKeyPair } from "./ssh-key";
import { removeVmStack, storedPrivateKey, VM_SSH_USER, writeVmStack, type VmBenchOptions } from "./stack";

/** TCG is about 10x slower than the host: a boot to SSH takes ~2 min, four at once on two cores longer. */
const HOST_KEY_TIMEOUT_MS = 15 * 60_000;
const SSH_TIMEOUT_MS = 10 * 60_000;

export interface VmNodeStatus {
  readonly node: NodeName;
  readonly managementIp: string;
  readonly pid: number | undefined;
  readonly hostKey: string | undefined;
  readonly ssh?: string;
}

export function vmSpec(b: RoomBench): BenchSpec {
  return parseBenchSpec({ room: b.room, bench: b.bench }, { requireAccess: false });
}

/** Files of one node under the bench's state directory. */
export function vmDefinition(spec: BenchSpec, node: NodeSpec, image: Pick<BaseImage, "kernel" | "initrd">): VmDefinition {
  const dir = path.join(benchStateDir(spec), node.name);
  return {
    name: `netlab-${spec.id}-${node.name}`,
    node: node.name,
    ...VM_SIZE[node.name],
    kernel: image.kernel,
    initrd: image.initrd,
    overlay: path.join(dir, "overlay.qcow2"),
    kernelCmdline: kernelCmdline(node.name, node.management, siteResolverAddress(spec)),
    nics: NETWORKS.map((network) => ({ network, tap: tapName(spec, node.name, network), mac: macAddress(spec, node.name, network) })),
    consoleLog: path.join(dir, "console.log"),
    pidFile: path.join(dir, "qemu.pid"),
    authorizedKeys: path.join(benchStateDir(spec), "authorized_keys"),
  };
}

/** known_hosts of the bench: every node's pinned ed25519 key, for ssh -o UserKnownHostsFile=... */
export function knownHostsPath(b: RoomBench): string {
  return path.join(benchStateDir(b), "known_hosts");
}

const seconds = (since: number) => Math.round((Date.now() - since) / 1000);

async function waitForHostKey(vm: VmDefinition, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const key = readConsoleHostKey(vm.consoleLog);
    if (key) return key;
    if (runningPid(vm) === undefined) throw new Error(`${vm.node}: QEMU exited before the host key appeared; see ${vm.consoleLog}`);
    if (Date.now() > deadline) throw new Error(`${vm.node}: no SSH host key on the console after ${timeoutMs / 1000} s; see ${vm.consoleLog}`);
    await sleep(2000);
  }
}

async function waitForSsh(node: NodeSpec, privateKey: string, hostKey: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runSsh({ node: node.name, host: node.management.address, port: 22, user: VM_SSH_USER, privateKey, hostKey }, "sudo -n true", undefined);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${node.name}: no SSH after ${timeoutMs / 1000} s: ${(e as Error).message}`);
      await sleep(3000);
    }
  }
}

/** Brings the bench up (running VMs are kept) and writes its stack. Resolves when all four answer SSH. */
export async function vmUp(b: RoomBench, log: (line: string) => void, opts: VmBenchOptions = {}): Promise<VmNodeStatus[]> {
  const spec = vmSpec(b);
  const stateDir = benchStateDir(spec);
  const image = await ensureBaseImage(log);
  log(image.built ? `base image: built in ${image.seconds} s (${image.dir})` : `base image: cached (${image.dir})`);
  for (const dir of pruneBaseImages(image)) log(`base image: removed ${dir} (an older recipe's, unused)`);
  const vms = spec.nodes.map((n) => ({ node: n, vm: vmDefinition(spec, n, image) }));

  // The provisioner's key lives only in the stack (a secret); a new one means the running VMs cannot know it.
  let privateKey = await storedPrivateKey(spec);
  if (privateKey === undefined) {
    const pair = generateSshKeyPair(`netlab-${spec.id}`);
    privateKey = pair.privateKey;
    for (const { vm } of vms) {
      if (runningPid(vm) !== undefined) {
        log(`${vm.node}: running with a key the stack no longer holds; restarting it`);
        await stopVm(vm);
      }
    }
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(stateDir, "authorized_keys"), `${pair.publicKey}\n`, { mode: 0o644 });
    await writeVmStack(spec, privateKey, undefined, opts);
    log(`ssh: new provisioner key (ed25519), kept only as the secret netlab:sshPrivateKey of ${vmStackName(spec)}`);
  } else if (!existsSync(path.join(stateDir, "authorized_keys"))) {
    throw new Error(`vm ${spec.id}: the stack holds a key but ${stateDir}/authorized_keys is gone; run \`netlab vm down\` and up again`);
  }

  await checkManagementSubnetFree(spec);
  await ensureBridges(spec, log);
  await ensureSiteResolver(spec, log);
  const started = Date.now();
  const results = await Promise.all(
    vms.map(async ({ node, vm }) => {
      mkdirSync(path.dirname(vm.overlay), { recursive: true, mode: 0o700 });
      await ensureTaps(spec, node.name);
      let pid = runningPid(vm);
      if (pid === undefined) {
        await ensureOverlay(`vm ${spec.id} node ${node.name}`, vm.overlay, image.disk);
        pid = await startVm(`vm ${spec.id} node ${node.name}`, vm);
        log(`${node.name}: booting (pid ${pid}, ${vm.vcpus} vCPU, ${vm.memoryMiB} MiB, nice ${vm.niceness})`);
      } else {
        log(`${node.name}: already running (pid ${pid})`);
      }
      const hostKey = await waitForHostKey(vm, HOST_KEY_TIMEOUT_MS);
      await waitForSsh(node, privateKey!, hostKey, SSH_TIMEOUT_MS);
      log(`${node.name}: SSH answers with the pinned host key (${seconds(started)} s)`);
      return { node: node.name, managementIp: node.management.address, pid, hostKey, ssh: `${VM_SSH_USER}@${node.management.address}` };
    }),
  );

  const hostKeys = Object.fromEntries(results.map((r) => [r.node, r.hostKey])) as Record<NodeName, string>;
  writeFileSync(knownHostsPath(spec), results.map((r) => `${r.managementIp} ${r.hostKey}\n`).join(""), { mode: 0o644 });
  const file = await writeVmStack(spec, privateKey, hostKeys, opts);
  log(`stack ${vmStackName(spec)} configured (${path.relative(process.cwd(), file)}); pinned host keys in ${knownHostsPath(spec)}`);
  return results;
}

/** What runs of the bench, from its state directory and the host's links. */
export async function vmStatus(b: RoomBench): Promise<{ nodes: VmNodeStatus[]; links: string[]; resolver: number | undefined; stack: boolean }> {
  const spec = vmSpec(b);
  const nodes = spec.nodes.map((n) => {
    const vm = vmDefinition(spec, n, { kernel: "", initrd: "" });
    return { node: n.name, managementIp: n.management.address, pid: runningPid(vm), hostKey: readConsoleHostKey(vm.consoleLog) };
  });
  return { nodes, links: await benchLinks(spec), resolver: siteResolverPid(spec), stack: existsSync(stackFile(vmStackName(spec))) };
}

/** Removes everything vmUp made: QEMU processes, taps, bridges, overlays and logs, the stack. Works on partial state. */
export async function vmDown(b: RoomBench, log: (line: string) => void): Promise<void> {
  const spec = vmSpec(b);
  for (const n of spec.nodes) {
    const vm = vmDefinition(spec, n, { kernel: "", initrd: "" });
    const pid = runningPid(vm);
    await stopVm(vm);
    if (pid !== undefined) log(`${n.name}: QEMU ${pid} stopped`);
  }
  const stateDir = benchStateDir(spec);
  // A QEMU whose pid file was lost still names its overlay under the state directory.
  for (const pid of await killQemusUnder(stateDir)) log(`QEMU ${pid} (no pid file) stopped`);
  const resolver = await stopSiteResolver(spec);
  if (resolver !== undefined) log(`site resolver: dnsmasq ${resolver} stopped`);
  await removeBenchNetwork(spec);
  if (existsSync(stateDir)) rmSync(stateDir, { recursive: true, force: true });
  await removeVmStack(spec, log);
  log(`vm ${spec.id} removed`);
}
