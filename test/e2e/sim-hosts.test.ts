/**
 * The hosts half of the simulated bench, for real: namespaces, veths, bridges and one sshd per node, reached
 * with a real ssh client that checks the pinned host key. Needs root, netns/veth/bridge support, sshd and ping.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeStateDir, simHostsDown, simHostsUp, startSshd, stopSshd, type SimHosts } from "../../lib/sim/hosts";
import { planBench } from "../../lib/render/plan";
import { shellJoin } from "../../lib/render/shell";
import { NODE_BUNDLE_DIR } from "../../lib/render/steps";
import { writeStandInBundle } from "../../lib/sim/stand-in-bundle";
import { parseBenchSpec } from "../../lib/spec/parse";
import type { BenchSpec, NodeName } from "../../lib/spec/types";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], timeout = 30_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "netlab-sim-hosts-"));
const benchSpec = (room: number, bench: number): BenchSpec =>
  parseBenchSpec({ room, bench, nodeRoot: path.join(tmp, `root-${room}-${bench}`) }, { requireAccess: false });
const specA = benchSpec(27, 4);
const specB = benchSpec(30, 7);
const stateA = path.join(tmp, "state-27-4");
const stateB = path.join(tmp, "state-30-7");

/** Runs a remote command line over real ssh as the provisioner would: pinned host key, generated client key. */
async function ssh(hosts: SimHosts, node: NodeName, remote: string, pinnedKey?: string): Promise<Result> {
  const h = hosts.nodes[node];
  const knownHosts = path.join(tmp, `known_hosts-${hosts.benchId}-${node}`);
  writeFileSync(knownHosts, `${h.sshHost} ${pinnedKey ?? h.hostKey}\n`);
  return exec("ssh", [
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "ConnectTimeout=5",
    "-i",
    hosts.clientKeyPath,
    "-p",
    String(h.sshPort),
    `${hosts.sshUser}@${h.sshHost}`,
    remote,
  ]);
}

async function addrs(namespace: string): Promise<string> {
  const r = await exec("ip", ["netns", "exec", namespace, "ip", "-4", "-o", "addr"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** Everything of a bench left in the kernel: namespaces, links, processes. */
async function leftovers(room: number, bench: number, stateDir: string): Promise<string[]> {
  const tag = `${room}x${bench}`;
  const ns = (await exec("ip", ["netns", "list"])).stdout.split("\n").filter((l) => l.startsWith(`nl${tag}-`));
  const links = (await exec("ip", ["-o", "link"])).stdout
    .split("\n")
    .map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "")
    // A digit after the tag is another bench's link (nl27x42-mgmt is bench 42's, not bench 4's).
    .filter((n) => new RegExp(`^nl${tag}\\D`).test(n) || n === `nlm${tag}` || n === `nlp${tag}`);
  const procs = (await exec("pgrep", ["-af", stateDir])).stdout.split("\n").filter(Boolean);
  return [...ns.map((n) => `netns ${n}`), ...links.map((l) => `link ${l}`), ...procs.map((p) => `process ${p}`)];
}

let hostsA: SimHosts;
let upMs = 0;

beforeAll(async () => {
  // A crashed earlier run may have left a bench behind: down works on partial state and never throws.
  await simHostsDown(specA, stateA);
  await simHostsDown(specB, stateB);
  const t = Date.now();
  hostsA = await simHostsUp(specA, stateA);
  upMs = Date.now() - t;
  process.stderr.write(`sim hosts room27-bench4 up in ${upMs} ms\n`);
});

afterAll(async () => {
  await simHostsDown(specA, stateA);
  await simHostsDown(specB, stateB);
  rmSync(tmp, { recursive: true, force: true });
});

describe("simulated hosts of one bench (room 27 bench 4)", () => {
  it("wires every node's namespace with the spec's addresses on enp1s0f0 and enp1s0f2", async () => {
    expect(hostsA.nodes.controller.namespace).toBe("nl27x4-controller");
    for (const node of specA.nodes) {
      const out = await addrs(hostsA.nodes[node.name].namespace);
      expect(out).toMatch(new RegExp(`enp1s0f0\\s+inet ${node.management.address.replaceAll(".", "\\.")}/24 `));
      expect(out).toMatch(new RegExp(`enp1s0f2\\s+inet ${node.provider.address.replaceAll(".", "\\.")}/24 `));
      expect(out).toMatch(/lo\s+inet 127\.0\.0\.1\/8/);
    }
    expect(await addrs("nl27x4-compute1")).toContain("enp1s0f2    inet 10.27.4.22/24");
    const root = await exec("ip", ["-4", "-o", "addr", "show", "dev", "nlm27x4"]);
    expect(root.stdout).toContain("inet 192.168.4.254/24");
  });

  it("returns pinned ed25519 host keys and the client key", () => {
    const keys = Object.values(hostsA.nodes).map((h) => h.hostKey);
    for (const k of keys) expect(k).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);
    expect(new Set(keys).size).toBe(4);
    expect(hostsA.clientPrivateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(hostsA.nodes.compute2).toMatchObject({ sshHost: "192.168.4.32", sshPort: 22 });
  });

  it("lets a real ssh client with the pinned host key run a command on compute2", async () => {
    const r = await ssh(hostsA, "compute2", shellJoin(["ip", "-4", "-o", "addr", "show", "dev", "enp1s0f2"]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("inet 10.27.4.32/24");
  });

  it("fails when the pinned host key is wrong: host keys are verified, never ignored", async () => {
    const r = await ssh(hostsA, "compute2", "true", hostsA.nodes.compute1.hostKey);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  it("connects the nodes on the provider network", async () => {
    const r = await exec("ip", ["netns", "exec", "nl27x4-controller", "ping", "-c1", "-W1", "10.27.4.22"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("1 received");
  });

  it("is idempotent: a second up keeps keys and sshds, and repairs a missing veth", async () => {
    await exec("ip", ["link", "del", "dev", "nl27x4c1p"]);
    const again = await simHostsUp(specA, stateA);
    expect(again.nodes).toEqual(hostsA.nodes);
    expect(again.clientPrivateKey).toBe(hostsA.clientPrivateKey);
    expect(await addrs("nl27x4-compute1")).toContain("enp1s0f2    inet 10.27.4.22/24");
    const r = await exec("pgrep", ["-fc", `${stateA}/controller/sshd_config`]);
    expect(r.stdout.trim()).toBe("1");
  });

  it("stops and starts one node's sshd, with the same host key", async () => {
    await stopSshd(specA, stateA, "compute3");
    const down = await ssh(hostsA, "compute3", "true");
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/Connection refused/);
    expect((await ssh(hostsA, "compute2", "true")).code).toBe(0);
    await startSshd(specA, stateA, "compute3");
    const up = await ssh(hostsA, "compute3", "hostname -I");
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("10.27.4.42");
  });

  it("runs compute1's rendered base-os and network steps over ssh, create then delete", async () => {
    const steps = planBench(specA).hosts.compute1.steps;
    const root = `${specA.nodeRoot}/compute1`;
    const files = [`${root}/etc/netplan/60-netlab.yaml`, `${root}/etc/sysctl.d/90-netlab.conf`];
    const runStep = async (file: string, action: "create" | "delete" | "check") => {
      const step = steps.find((s) => s.file === file);
      expect(step, file).toBeDefined();
      const r = await ssh(hostsA, "compute1", shellJoin(["bash", "-c", step!.script, file, action]));
      expect(r.code, `${file} ${action}:\n${r.stderr}`).toBe(0);
      return r;
    };
    // The program pushes the bundle before a node's first step (BundlePush); without the program, it is put there.
    writeStandInBundle(`${root}${NODE_BUNDLE_DIR}`, specA.kubernetesVersion);
    const fstab = readFileSync(`${root}/etc/fstab`, "utf8");
    expect(fstab).toMatch(/^UUID=\S+ none swap /m);
    await runStep("10-base-os.sh", "create");
    const net = await runStep("20-network.sh", "create");
    expect(net.stderr).toContain("enp1s0f2 has 10.27.4.22/24");
    for (const f of files) expect(existsSync(f), f).toBe(true);
    // The bench path ran, its system commands the simulated node's own: modules and swap recorded, never this machine's.
    const calls = readFileSync(path.join(nodeStateDir(stateA, "compute1"), "calls.log"), "utf8").split("\n");
    expect(calls).toEqual(
      expect.arrayContaining(["modprobe br_netfilter", "modprobe ip_vs", "sysctl --system", "swapoff --all", "netplan generate", "netplan apply"]),
    );
    expect(calls.find((c) => c.startsWith("apt-get ") && c.includes(" install "))).toMatch(/ netplan\.io curl /);
    expect(readFileSync(`${root}/etc/fstab`, "utf8")).toMatch(/^# netlab: UUID=\S+ none swap /m);
    expect(readFileSync(`${root}/etc/network/interfaces`, "utf8")).toContain("# netlab: iface enp1s0f2 inet dhcp");
    // ip_forward is the namespace's own: set for real there.
    const fwd = await exec("ip", ["netns", "exec", "nl27x4-compute1", "sysctl", "-n", "net.ipv4.ip_forward"]);
    expect(fwd.stdout.trim()).toBe("1");
    expect(existsSync(`${root}/run/systemd/network/10-netplan-enp1s0f2.network`)).toBe(true);
    const check = await runStep("10-base-os.sh", "check");
    expect(check.stdout).toContain("sysctl:net.ipv4.ip_forward=1\n");
    await runStep("20-network.sh", "delete");
    await runStep("10-base-os.sh", "delete");
    expect(existsSync(`${root}/etc/sysctl.d/90-netlab.conf`)).toBe(false);
    expect(readFileSync(`${root}/etc/fstab`, "utf8")).toBe(fstab);
    // Undoing the network step keeps the management interface the provisioner is connected through.
    const kept = readFileSync(`${root}/etc/netplan/60-netlab.yaml`, "utf8");
    expect(kept).toContain("enp1s0f0");
    expect(kept).not.toContain("enp1s0f2");
    expect(existsSync(`${root}/run/systemd/network/10-netplan-enp1s0f2.network`)).toBe(false);
  });

  it("refuses a second bench on the same management subnet, naming the subnet and the running bench", async () => {
    const clash = benchSpec(30, 4); // 192.168.4.0/24, like room 27 bench 4
    const state = path.join(tmp, "state-30-4");
    await expect(simHostsUp(clash, state)).rejects.toThrow(/192\.168\.4\.0\/24.*room27-bench4/);
    expect(await leftovers(30, 4, state)).toEqual([]);
    await simHostsDown(clash, state);
  });
});

describe("two benches side by side (room 27 bench 4, room 30 bench 7)", () => {
  it("brings both up, reaches each separately, then takes both down without leftovers", async () => {
    const hostsB = await simHostsUp(specB, stateB);
    const a = await ssh(hostsA, "controller", "ip -4 -o addr show dev enp1s0f2");
    const b = await ssh(hostsB, "controller", "ip -4 -o addr show dev enp1s0f2");
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout).toContain("inet 10.27.4.12/24");
    expect(b.stdout).toContain("inet 10.30.7.12/24");
    expect(hostsB.nodes.controller.sshHost).toBe("192.168.7.12");
    // One bench's pinned key does not open the other's node.
    expect((await ssh(hostsB, "controller", "true", hostsA.nodes.controller.hostKey)).code).not.toBe(0);
    // The provider networks are separate bridges.
    expect((await exec("ip", ["netns", "exec", "nl30x7-compute1", "ping", "-c1", "-W1", "10.30.7.32"])).code).toBe(0);
    expect((await exec("ip", ["netns", "exec", "nl30x7-compute1", "ping", "-c1", "-W1", "10.27.4.32"])).code).not.toBe(0);

    let t = Date.now();
    await simHostsDown(specA, stateA);
    process.stderr.write(`sim hosts room27-bench4 down in ${Date.now() - t} ms\n`);
    t = Date.now();
    await simHostsDown(specB, stateB);
    process.stderr.write(`sim hosts room30-bench7 down in ${Date.now() - t} ms\n`);
    expect(await leftovers(27, 4, stateA)).toEqual([]);
    expect(await leftovers(30, 7, stateB)).toEqual([]);
    expect(existsSync(stateA)).toBe(false);
    expect(existsSync(stateB)).toBe(false);
    // Down again on nothing: never throws.
    await simHostsDown(specA, stateA);
  });

  it("cleans up the partial state of a crashed up (no state dir, stray namespace, bridge and half a veth pair)", async () => {
    for (const args of [
      ["netns", "add", "nl30x7-compute2"],
      ["link", "add", "name", "nlp30x7", "type", "bridge"],
      ["link", "add", "name", "nl30x7c1m", "type", "veth", "peer", "name", "enp1s0f0", "netns", "nl30x7-compute2"],
    ]) {
      const r = await exec("ip", args);
      expect(r.code, `ip ${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    expect((await leftovers(30, 7, stateB)).length).toBe(3);
    await simHostsDown(specB, stateB);
    expect(await leftovers(30, 7, stateB)).toEqual([]);
  });
});
