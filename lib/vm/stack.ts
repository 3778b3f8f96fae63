/**
 * The Pulumi stack of a VM bench, vm-room<R>-bench<B> (config in stacks/, ignored by git): written through the
 * Automation API like the simulated bench's, with the ssh executor, the provisioner's key as a secret and each
 * node's host key as pinned from its console. `vm down` removes its config and state.
 */
import { setAllConfigSafely } from "../engine/secret-config";
import { existsSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { openStack, STATE_DIR } from "../engine/workspace";
import { stackFile } from "../spec/source";
import { ContainerRuntime, type NodeName } from "../spec/types";
import { vmStackName, type RoomBench } from "./names";

export const VM_SSH_USER = "user";

/** What an instructor chooses for a VM bench beyond its room and bench. */
export interface VmBenchOptions {
  /** @default "containerd" */
  readonly runtime?: ContainerRuntime;
}

/**
 * The plain config of a VM bench, without the secret (pure; the host keys when known): the bundle as package
 * source (the VMs have no internet) and time limits ten times real hardware's (emulated CPUs).
 */
export function vmStackConfig(b: RoomBench, hostKeys?: Readonly<Record<NodeName, string>>, opts: VmBenchOptions = {}): Record<string, string> {
  const config: Record<string, string> = {
    "netlab:room": String(b.room),
    "netlab:bench": String(b.bench),
    "netlab:remoteExecutor": "ssh",
    "netlab:ssh": JSON.stringify({ user: VM_SSH_USER, port: 22 }),
    "netlab:packages": JSON.stringify({ source: "bundle" }),
    "netlab:timeouts": JSON.stringify({ scale: 10 }),
    "netlab:containerRuntime": opts.runtime ?? ContainerRuntime.Containerd,
  };
  if (hostKeys) {
    config["netlab:nodes"] = JSON.stringify(Object.fromEntries(Object.entries(hostKeys).map(([node, hostKey]) => [node, { hostKey }])));
  }
  return config;
}

/** The provisioner's private key already in the bench's stack, if any. */
export async function storedPrivateKey(b: RoomBench): Promise<string | undefined> {
  const name = vmStackName(b);
  if (!existsSync(stackFile(name))) return undefined;
  const stack = await openStack(name);
  const all = await stack.getAllConfig();
  if (!all["netlab:sshPrivateKey"]) return undefined;
  return (await stack.getConfig("netlab:sshPrivateKey")).value;
}

/** Writes the bench's stack config: the plain keys, the private key as a secret, the host keys when known. */
export async function writeVmStack(
  b: RoomBench,
  privateKey: string,
  hostKeys?: Readonly<Record<NodeName, string>>,
  opts: VmBenchOptions = {},
): Promise<string> {
  const name = vmStackName(b);
  const stack = await openStack(name);
  const config = Object.fromEntries(Object.entries(vmStackConfig(b, hostKeys, opts)).map(([k, value]) => [k, { value }]));
  // The key goes to the CLI over stdin, never on a command line (setAllConfigSafely).
  await setAllConfigSafely(stack, { ...config, "netlab:sshPrivateKey": { value: privateKey, secret: true } });
  return stackFile(name);
}

/** Removes the stack, its config file and the file backend's backups of its state. */
export async function removeVmStack(b: RoomBench, log: (line: string) => void): Promise<void> {
  const name = vmStackName(b);
  if (existsSync(stackFile(name)) || existsSync(stateFile(name))) {
    try {
      const stack = await openStack(name);
      await stack.workspace.removeStack(name, { force: true });
    } catch (e) {
      log(`stack ${name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  rmSync(stackFile(name), { force: true });
  const dir = path.dirname(stateFile(name));
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (f.startsWith(`${name}.json`)) rmSync(path.join(dir, f), { force: true });
  }
  // An update that was killed leaves its lock behind; the stack's history and backups go with it too.
  const pulumiDir = path.join(STATE_DIR, ".pulumi");
  for (const d of [
    ["locks", "organization", "k8s-netlab"],
    ["history", "k8s-netlab"],
    ["backups", "k8s-netlab"],
  ]) {
    rmSync(path.join(pulumiDir, ...d, name), { recursive: true, force: true });
  }
}

function stateFile(name: string): string {
  return path.join(STATE_DIR, ".pulumi", "stacks", "k8s-netlab", `${name}.json`);
}
