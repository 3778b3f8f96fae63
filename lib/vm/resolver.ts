/**
 * The VM bench's site resolver: a bench in a lab room has one (the university's), and the nodes' /etc/resolv.conf
 * names it. The VM bench has no upstream at all, so this host plays it on its management address with dnsmasq
 * (Debian's dnsmasq-base), answering every query at once with REFUSED.
 *
 * Why it must answer: with a resolv.conf naming an unreachable server, CoreDNS's forward plugin retries a failing
 * upstream for its whole 5 s deadline, so every outside name costs seconds of CPU; and the loop plugin's start-up
 * probe, retried every few seconds against such an upstream, saw its own query three times on a starved emulated
 * node and stopped nodelocaldns ("Loop ... detected for zone \".\""). An answer, even REFUSED, ends both at once.
 */
import * as path from "node:path";
import { managementGateway } from "../sim/netns";
import { probe, run } from "../sim/exec";
import type { BenchSpec } from "../spec/types";
import { benchStateDir } from "./names";
import { pidFromFile, stopByPidFile, type Owns } from "./pid-file";

const PID_FILE = "dnsmasq.pid";

/** The resolver's address, as the nodes' kernel command line names it (nameserver=). */
export function siteResolverAddress(spec: BenchSpec): string {
  return managementGateway(spec);
}

/** dnsmasq's arguments: no configuration, no upstream, no hosts file, no DHCP; bound to the one address only. */
export function siteResolverArgs(spec: BenchSpec, pidFile: string): string[] {
  return [
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--no-poll",
    "--cache-size=0",
    "--bind-interfaces",
    `--listen-address=${siteResolverAddress(spec)}`,
    "--port=53",
    `--pid-file=${pidFile}`,
    "--log-facility=/dev/null",
  ];
}

const pidFileOf = (spec: BenchSpec) => path.join(benchStateDir(spec), PID_FILE);
/** The bench's dnsmasq: started with this pid file. */
const ownsResolver =
  (spec: BenchSpec): Owns =>
  (argv) =>
    argv.includes(`--pid-file=${pidFileOf(spec)}`);

/** The running resolver's pid, if any. */
export function siteResolverPid(spec: BenchSpec): number | undefined {
  return pidFromFile(pidFileOf(spec), ownsResolver(spec));
}

/** Starts the resolver once the management bridge holds the host's address; a running one is kept. */
export async function ensureSiteResolver(spec: BenchSpec, log: (line: string) => void): Promise<void> {
  if (siteResolverPid(spec) !== undefined) return;
  if (!(await probe("sh", ["-c", "command -v dnsmasq"])).ok) {
    throw new Error(`vm ${spec.id}: the VM bench's site resolver needs dnsmasq (scripts/setup.sh installs Debian's dnsmasq-base)`);
  }
  await run(`vm ${spec.id}: site resolver on ${siteResolverAddress(spec)}`, "dnsmasq", siteResolverArgs(spec, pidFileOf(spec)));
  log(`site resolver: dnsmasq on ${siteResolverAddress(spec)}:53 (pid ${siteResolverPid(spec)}), refusing every name`);
}

/** Stops the resolver; returns the pid it stopped. */
export function stopSiteResolver(spec: BenchSpec): Promise<number | undefined> {
  return stopByPidFile(pidFileOf(spec), ownsResolver(spec));
}
