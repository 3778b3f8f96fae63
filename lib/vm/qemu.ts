/**
 * One VM as a QEMU process: the command line (pure), the copy-on-write overlay over the base image, starting it
 * daemonized, recognising it by pid file, stopping it. Emulated with TCG (this machine's KVM cannot boot stock
 * kernels), q35, the two NICs as functions 0 and 2 of one virtio-net device behind a PCIe root port, so systemd
 * names them enp1s0f0 and enp1s0f2 like the lab's machines.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { InterfaceSpec, NodeName } from "../spec/types";
import { probe, run, sleep } from "../sim/exec";
import { NIC_FUNCTION, type VmNetwork } from "./names";
import { pidFromFile, stopByPidFile, type Owns } from "./pid-file";

export const QEMU = "qemu-system-x86_64";

/**
 * vCPUs, memory and scheduling priority per node. kubeadm wants 2 CPUs on the control plane. Emulated CPUs are
 * about ten times slower than real ones and this host has few cores, so the control plane runs at the host's normal
 * priority and the workers behind it: starved, the API server misses TLS handshakes and every node's agents
 * restart. The workers get nice 5, not more: at 10 a busy controller left a worker too little CPU to answer SSH or
 * CoreDNS's probes. QEMU daemonizes into a session of its own, and with the kernel's autogroup scheduling a session
 * is one group sharing the CPU equally with every other session whatever its processes' nice values: the priority
 * is therefore set on the VM's group too (startVm), or the workers and the test runner take as much as the controller.
 */
export const VM_SIZE: Readonly<Record<NodeName, { vcpus: number; memoryMiB: number; niceness: number }>> = {
  controller: { vcpus: 2, memoryMiB: 2560, niceness: 0 },
  compute1: { vcpus: 1, memoryMiB: 2048, niceness: 5 },
  compute2: { vcpus: 1, memoryMiB: 2048, niceness: 5 },
  compute3: { vcpus: 1, memoryMiB: 2048, niceness: 5 },
};

export interface VmNic {
  readonly network: VmNetwork;
  readonly tap: string;
  readonly mac: string;
}

export interface VmDefinition {
  /** e.g. "netlab-room27-bench9-controller" */
  readonly name: string;
  readonly node: NodeName;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** The QEMU process's nice value (0 = the host's normal priority). */
  readonly niceness: number;
  readonly kernel: string;
  readonly initrd: string;
  readonly overlay: string;
  readonly kernelCmdline: string;
  readonly nics: readonly VmNic[];
  readonly consoleLog: string;
  readonly pidFile: string;
  /** File with the provisioner's public key, handed to the guest as fw_cfg opt/netlab/authorized_keys. */
  readonly authorizedKeys: string;
}

/**
 * Debian's kernel zeroes every page and slab it allocates (CONFIG_INIT_ON_ALLOC_DEFAULT_ON) and backs large
 * anonymous mappings with 2 MiB pages zeroed whole (transparent_hugepage=always); under TCG both cost much more
 * than on hardware (a fork and exec took 53-56 ms without them against 62-75 ms with them on an idle VM here).
 */
export const KERNEL_TUNING = ["init_on_alloc=0", "transparent_hugepage=never"] as const;

/**
 * The kernel command line: root on the virtio disk, serial console, the node's name, and its management address
 * for systemd-network-generator (ip=, plus vlan= when the management port is a trunk), the site's resolver
 * (nameserver=, for the base image's netlab-resolver.service), and KERNEL_TUNING. The provider network is left to
 * the provisioner.
 */
export function kernelCmdline(node: NodeName, management: InterfaceSpec, nameserver: string): string {
  const mask = prefixToNetmask(management.prefixLength);
  const device = management.device;
  return [
    "root=/dev/vda",
    "rw",
    "console=ttyS0",
    `systemd.hostname=${node}`,
    ...(device !== management.nic ? [`vlan=${device}:${management.nic}`] : []),
    `ip=${management.address}:::${mask}::${device}:off`,
    `nameserver=${nameserver}`,
    ...KERNEL_TUNING,
  ].join(" ");
}

export function prefixToNetmask(prefixLength: number): string {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) throw new Error(`bad prefix length ${prefixLength}`);
  const bits = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join(".");
}

/** QEMU splits option values on commas; refuse paths that would be misread instead of escaping them. */
function optionPath(p: string): string {
  if (p.includes(",")) throw new Error(`path ${p} contains a comma, which QEMU options cannot take`);
  return p;
}

/**
 * The emulated CPU: every feature QEMU's TCG has, but for ERMS and FSRM ("enhanced" and "fast short" REP MOVSB).
 * With them the guest's kernel and glibc copy and clear memory with REP MOVSB/STOSB, which QEMU 7.2's TCG runs
 * one byte per loop iteration; without them they use word-sized loops. Measured on this host, an idle VM each:
 * 50 MB through two pipes 3.8-4.0 s against 1.3-2.0 s, and receiving 60 MB over SSH 11.5-12.7 s of guest CPU
 * against 8.6-8.8 s (the bundle push is mostly that).
 */
export const QEMU_CPU = "max,erms=off,fsrm=off";

/** The full argument vector of a VM (without the program name). */
export function qemuArgv(vm: VmDefinition): string[] {
  const argv = [
    "-name",
    vm.name,
    "-machine",
    "q35",
    "-accel",
    "tcg,thread=multi",
    "-cpu",
    QEMU_CPU,
    "-smp",
    String(vm.vcpus),
    "-m",
    `${vm.memoryMiB}M`,
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-kernel",
    optionPath(vm.kernel),
    "-initrd",
    optionPath(vm.initrd),
    "-append",
    vm.kernelCmdline,
    // The overlay is thrown away with the VM, so the guest's flushes need not reach the host's disk (etcd fsyncs).
    "-drive",
    `file=${optionPath(vm.overlay)},if=virtio,format=qcow2,discard=unmap,cache=unsafe`,
    "-object",
    "rng-random,id=rng0,filename=/dev/urandom",
    "-device",
    "virtio-rng-pci,rng=rng0",
    "-device",
    "pcie-root-port,id=nlrp1,bus=pcie.0,chassis=1",
  ];
  for (const nic of vm.nics) {
    const fn = NIC_FUNCTION[nic.network];
    argv.push("-netdev", `tap,id=${nic.network},ifname=${nic.tap},script=no,downscript=no`);
    argv.push("-device", `virtio-net-pci,netdev=${nic.network},mac=${nic.mac},bus=nlrp1,addr=00.${fn}${fn === 0 ? ",multifunction=on" : ""}`);
  }
  argv.push(
    "-fw_cfg",
    `name=opt/netlab/authorized_keys,file=${optionPath(vm.authorizedKeys)}`,
    "-serial",
    `file:${optionPath(vm.consoleLog)}`,
    "-pidfile",
    vm.pidFile,
    "-daemonize",
  );
  return argv;
}

/** The VM's QEMU: the process on this VM's overlay. */
const ownsVm =
  (vm: Pick<VmDefinition, "overlay">): Owns =>
  (argv) =>
    argv.some((a) => a.includes(`file=${vm.overlay},`));

/** The pid of the VM's QEMU if it runs (pid file present and the process is QEMU on this overlay). */
export function runningPid(vm: Pick<VmDefinition, "pidFile" | "overlay">): number | undefined {
  return pidFromFile(vm.pidFile, ownsVm(vm));
}

/** A qcow2 overlay over the base disk, kept when it already sits on this base (the base itself is never written). */
export async function ensureOverlay(context: string, overlay: string, baseDisk: string): Promise<void> {
  if (existsSync(overlay)) {
    const info = await probe("qemu-img", ["info", "--output=json", "-U", overlay]);
    const backing = info.ok ? (JSON.parse(info.stdout) as { "backing-filename"?: string })["backing-filename"] : undefined;
    if (backing === baseDisk) return;
    rmSync(overlay, { force: true });
  }
  await run(`${context}: creating the overlay`, "qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", baseDisk, overlay]);
}

/** Starts the VM; resolves once QEMU has daemonized (devices open, the guest booting). */
export async function startVm(context: string, vm: VmDefinition): Promise<number> {
  rmSync(vm.pidFile, { force: true });
  await run(`${context}: starting QEMU`, "nice", ["-n", String(vm.niceness), QEMU, ...qemuArgv(vm)], 60_000);
  const pid = runningPid(vm);
  if (pid === undefined) throw new Error(`${context}: QEMU daemonized but ${vm.pidFile} names no running QEMU`);
  setGroupNiceness(pid, vm.niceness);
  return pid;
}

/**
 * The nice value of the process's autogroup (its session's share of the CPU), when the kernel groups sessions
 * (/proc/sys/kernel/sched_autogroup_enabled = 1); without autogroups the process's own nice value is what counts.
 */
export function setGroupNiceness(pid: number, niceness: number, proc = "/proc"): void {
  const file = path.join(proc, String(pid), "autogroup");
  if (readFileSafe(path.join(proc, "sys", "kernel", "sched_autogroup_enabled"))?.trim() !== "1" || !existsSync(file)) return;
  writeFileSync(file, String(niceness));
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Ends the VM's QEMU (SIGTERM, then SIGKILL after 10 s). No-op when it does not run. */
export async function stopVm(vm: Pick<VmDefinition, "pidFile" | "overlay">): Promise<void> {
  await stopByPidFile(vm.pidFile, ownsVm(vm));
}

/** QEMU processes whose disk lies under `dir`, whatever their pid files say. */
export function qemusUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv[0]?.endsWith(QEMU) && argv.some((a) => a.startsWith(`file=${dir}/`))) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** Ends every QEMU under `dir` (SIGKILL after 10 s); returns their pids. */
export async function killQemusUnder(dir: string): Promise<number[]> {
  const pids = qemusUnder(dir);
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    for (const pid of qemusUnder(dir)) {
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 100 && qemusUnder(dir).length > 0; i++) await sleep(100);
  }
  return pids;
}
