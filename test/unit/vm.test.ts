import fc from "fast-check";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseBenchSpec } from "../../lib/spec/parse";
import { KeyPresence } from "../../lib/spec/raw";
import { NODE_NAMES, PortMode } from "../../lib/spec/types";
import { vmDefinition } from "../../lib/vm/bench";
import { ed25519HostKey, HOST_KEYS_BEGIN, HOST_KEYS_END, parseConsoleHostKeys } from "../../lib/vm/console";
import { bridgeName, IFNAME_MAX, macAddress, tapName } from "../../lib/vm/names";
import { tapVlanArgs, vlanTokens, wantedVlanTokens } from "../../lib/vm/network";
import { kernelCmdline, prefixToNetmask, qemuArgv, setGroupNiceness } from "../../lib/vm/qemu";
import { encodeEd25519, generateSshKeyPair } from "../../lib/vm/ssh-key";
import { vmStackConfig } from "../../lib/vm/stack";

const roomBench = fc.record({ room: fc.integer({ min: 1, max: 254 }), bench: fc.integer({ min: 1, max: 254 }) });

describe("vm names", () => {
  it("names bridges and taps after room and bench", () => {
    expect(bridgeName({ room: 27, bench: 9 }, "management")).toBe("nl27x9-mgmt");
    expect(bridgeName({ room: 27, bench: 9 }, "provider")).toBe("nl27x9-prov");
    expect(tapName({ room: 27, bench: 9 }, "controller", "management")).toBe("nlv27x9c0m");
    expect(tapName({ room: 27, bench: 9 }, "compute3", "provider")).toBe("nlv27x9c3p");
    expect(tapName({ room: 254, bench: 254 }, "compute3", "provider")).toBe("nlv254x254c3p");
  });

  it("property: every link name fits IFNAMSIZ and is unique across benches, nodes and networks", () => {
    fc.assert(
      fc.property(roomBench, roomBench, (a, b) => {
        const names = (x: typeof a) => [
          bridgeName(x, "management"),
          bridgeName(x, "provider"),
          ...NODE_NAMES.flatMap((n) => [tapName(x, n, "management"), tapName(x, n, "provider")]),
        ];
        for (const n of names(a)) expect(n.length).toBeLessThanOrEqual(IFNAME_MAX);
        expect(new Set(names(a)).size).toBe(10);
        if (a.room !== b.room || a.bench !== b.bench) expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
      }),
    );
  });

  it("derives locally administered unicast MACs, unique per room/bench/node/NIC", () => {
    expect(macAddress({ room: 27, bench: 9 }, "controller", "provider")).toBe("0a:4e:1b:09:00:02");
    expect(macAddress({ room: 27, bench: 9 }, "compute2", "management")).toBe("0a:4e:1b:09:02:00");
    expect(() => macAddress({ room: 0, bench: 9 }, "controller", "provider")).toThrow(/room 0/);
    fc.assert(
      fc.property(roomBench, (b) => {
        const macs = NODE_NAMES.flatMap((n) => [macAddress(b, n, "management"), macAddress(b, n, "provider")]);
        expect(new Set(macs).size).toBe(8);
        for (const mac of macs) {
          expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
          const first = parseInt(mac.slice(0, 2), 16);
          expect(first & 0x02).toBe(0x02); // locally administered
          expect(first & 0x01).toBe(0); // unicast
        }
      }),
    );
  });
});

describe("vm qemu command line", () => {
  const spec = parseBenchSpec({ room: 27, bench: 9 }, { requireAccess: false });
  const image = { kernel: "/cache/vm/base-x/vmlinuz", initrd: "/cache/vm/base-x/initrd.img" };

  it("puts the management address on the kernel command line, nothing of the provider network", () => {
    const controller = spec.nodes[0]!;
    expect(kernelCmdline("controller", controller.management, "192.168.9.254")).toBe(
      "root=/dev/vda rw console=ttyS0 systemd.hostname=controller ip=192.168.9.12:::255.255.255.0::enp1s0f0:off nameserver=192.168.9.254 " +
        "init_on_alloc=0 transparent_hugepage=never",
    );
    expect(kernelCmdline("controller", controller.management, "192.168.9.254")).not.toContain("10.27.9.");
    const tagged = parseBenchSpec({ room: 27, bench: 9, network: { managementPortMode: "tagged" } }, { requireAccess: false });
    expect(kernelCmdline("compute1", tagged.nodes[1]!.management, "192.168.9.254")).toContain(
      "vlan=enp1s0f0.2:enp1s0f0 ip=192.168.9.22:::255.255.255.0::enp1s0f0.2:off",
    );
    expect(prefixToNetmask(22)).toBe("255.255.252.0");
    expect(prefixToNetmask(32)).toBe("255.255.255.255");
  });

  it("builds a TCG q35 VM with both NICs as functions 0 and 2 of one device behind a root port", () => {
    const vm = vmDefinition(spec, spec.nodes[1]!, image);
    const argv = qemuArgv(vm);
    const after = (flag: string) => argv.filter((_, i) => argv[i - 1] === flag);
    expect(after("-machine")).toEqual(["q35"]);
    expect(after("-accel")).toEqual(["tcg,thread=multi"]);
    expect(after("-cpu")).toEqual(["max,erms=off,fsrm=off"]);
    expect(after("-smp")).toEqual(["1"]);
    expect(after("-m")).toEqual(["2048M"]);
    expect(after("-append")[0]).toContain("systemd.hostname=compute1 ip=192.168.9.22:");
    expect(after("-netdev")).toEqual([
      "tap,id=management,ifname=nlv27x9c1m,script=no,downscript=no",
      "tap,id=provider,ifname=nlv27x9c1p,script=no,downscript=no",
    ]);
    const devices = after("-device");
    expect(devices).toContain("pcie-root-port,id=nlrp1,bus=pcie.0,chassis=1");
    expect(devices).toContain("virtio-net-pci,netdev=management,mac=0a:4e:1b:09:01:00,bus=nlrp1,addr=00.0,multifunction=on");
    expect(devices).toContain("virtio-net-pci,netdev=provider,mac=0a:4e:1b:09:01:02,bus=nlrp1,addr=00.2");
    expect(after("-drive")[0]).toMatch(/^file=\/.*\/room27-bench9\/compute1\/overlay\.qcow2,if=virtio,format=qcow2/);
    expect(after("-fw_cfg")[0]).toMatch(/^name=opt\/netlab\/authorized_keys,file=\/.*\/authorized_keys$/);
    expect(after("-serial")[0]).toMatch(/^file:.*compute1\/console\.log$/);
    expect(argv).toContain("-daemonize");
    expect(qemuArgv(vmDefinition(spec, spec.nodes[0]!, image)).join(" ")).toContain("-smp 2 -m 2560M");
  });

  it("refuses paths QEMU would split at a comma", () => {
    const vm = vmDefinition(spec, spec.nodes[0]!, { ...image, kernel: "/a,b/vmlinuz" });
    expect(() => qemuArgv(vm)).toThrow(/comma/);
  });
});

describe("vm switch ports", () => {
  it("makes access ports untagged PVID and trunk ports tagged", () => {
    expect(tapVlanArgs("nlv27x9c0p", 3, PortMode.Access)).toEqual(["vlan", "add", "vid", "3", "dev", "nlv27x9c0p", "pvid", "untagged"]);
    expect(tapVlanArgs("nlv27x9c0p", 3, PortMode.Tagged)).toEqual(["vlan", "add", "vid", "3", "dev", "nlv27x9c0p"]);
  });

  it("compares a port's VLANs as iproute2 reports them", () => {
    expect(vlanTokens([{ vlan: 2, flags: ["PVID", "Egress Untagged"] }])).toEqual(wantedVlanTokens(2, PortMode.Access));
    expect(vlanTokens([{ vlan: 3 }])).toEqual(wantedVlanTokens(3, PortMode.Tagged));
    expect(vlanTokens([{ vlan: 1, flags: ["PVID", "Egress Untagged"] }, { vlan: 3 }])).not.toEqual(wantedVlanTokens(3, PortMode.Tagged));
    expect(vlanTokens([{ vlan: 3 }])).not.toEqual(wantedVlanTokens(3, PortMode.Access));
  });
});

describe("vm console host keys", () => {
  const key = generateSshKeyPair("x").publicKey.split(" ").slice(0, 2).join(" ");
  const other = generateSshKeyPair("y").publicKey.split(" ").slice(0, 2).join(" ");
  const ecdsa =
    "ecdsa-sha2-nistp256 " +
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=";

  it("reads the keys between the markers, with CRs and interleaved console lines", () => {
    const log = [
      "[    5.1] systemd[1]: Starting ssh.service",
      `${HOST_KEYS_BEGIN}\r`,
      `${ecdsa} root@controller\r`,
      "[  OK  ] Started ssh.service - OpenBSD Secure Shell server.\r",
      `${key} root@controller\r`,
      `${HOST_KEYS_END}\r`,
      "controller login:",
    ].join("\n");
    expect(parseConsoleHostKeys(log)).toEqual([ecdsa, key]);
    expect(ed25519HostKey(log)).toBe(key);
  });

  it("takes the last complete block, ignores an unfinished one and garbled keys", () => {
    const block = (k: string) => `${HOST_KEYS_BEGIN}\n${k} root@c\n${HOST_KEYS_END}\n`;
    expect(ed25519HostKey(block(other) + block(key))).toBe(key);
    expect(ed25519HostKey(block(key) + `${HOST_KEYS_BEGIN}\n${other}\n`)).toBe(key);
    expect(ed25519HostKey(`${HOST_KEYS_BEGIN}\n${key.slice(0, 40)}\n${HOST_KEYS_END}\n`)).toBeUndefined();
    expect(ed25519HostKey(`${HOST_KEYS_BEGIN}\nssh-ed25519 ${ecdsa.split(" ")[1]}\n${HOST_KEYS_END}\n`)).toBeUndefined();
    expect(ed25519HostKey(`${key}\n`)).toBeUndefined();
    expect(ed25519HostKey("")).toBeUndefined();
  });
});

describe("vm provisioner key", () => {
  it("writes OpenSSH's private key format, which ssh-keygen reads back to the same public key", () => {
    const pair = generateSshKeyPair("netlab-test");
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/);
    const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-vm-test-"));
    try {
      const file = path.join(dir, "id");
      writeFileSync(file, pair.privateKey, { mode: 0o600 });
      const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
      expect(derived.split(" ").slice(0, 2)).toEqual(pair.publicKey.split(" ").slice(0, 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("encodes a known key deterministically and pads to 8 bytes", () => {
    const a = encodeEd25519(Buffer.alloc(32, 1), Buffer.alloc(32, 2), "c", Buffer.from([1, 2, 3, 4]));
    const b = encodeEd25519(Buffer.alloc(32, 1), Buffer.alloc(32, 2), "c", Buffer.from([1, 2, 3, 4]));
    expect(a).toEqual(b);
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 2)]);
    expect(a.publicKey).toBe(`ssh-ed25519 ${blob.toString("base64")} c`);
    // Read the file back field by field: magic, cipher, kdf, kdf options, key count, public key, private section.
    const body = Buffer.from(a.privateKey.split("\n").slice(1, -2).join(""), "base64");
    expect(body.subarray(0, 15).toString("latin1")).toBe("openssh-key-v1\0");
    let at = 15;
    const next = () => {
      const n = body.readUInt32BE(at);
      const v = body.subarray(at + 4, at + 4 + n);
      at += 4 + n;
      return v;
    };
    expect([next().toString(), next().toString(), next().toString()]).toEqual(["none", "none", ""]);
    expect(body.readUInt32BE(at)).toBe(1);
    at += 4;
    expect(next().toString("base64")).toBe(a.publicKey.split(" ")[1]);
    const priv = next();
    expect(at).toBe(body.length);
    expect(priv.length % 8).toBe(0);
    expect(priv.subarray(0, 4)).toEqual(priv.subarray(4, 8));
    // checks (8) + public blob (4+51) + seed||pub (4+64) + comment (4+1) = 132 bytes, padded with 1 2 3 4.
    expect(priv.length).toBe(136);
    expect([...priv.subarray(132)]).toEqual([1, 2, 3, 4]);
    expect(() => encodeEd25519(Buffer.alloc(31), Buffer.alloc(32), "c")).toThrow(/32 bytes/);
  });
});

describe("vm stack config", () => {
  it("is a bench's config like any other: the ssh executor as user, the host keys pinned", () => {
    const hostKeys = { controller: "ssh-ed25519 AAAA1", compute1: "ssh-ed25519 AAAA2", compute2: "ssh-ed25519 AAAA3", compute3: "ssh-ed25519 AAAA4" };
    const config = vmStackConfig({ room: 27, bench: 9 }, hostKeys);
    expect(config).toMatchObject({
      "netlab:room": "27",
      "netlab:bench": "9",
      "netlab:remoteExecutor": "ssh",
      "netlab:ssh": '{"user":"user","port":22}',
    });
    expect(JSON.parse(config["netlab:nodes"]!).compute3).toEqual({ hostKey: "ssh-ed25519 AAAA4" });
    expect(Object.keys(config).some((k) => k.includes("sshPrivateKey"))).toBe(false);
    // The bench's config parses as a real bench's.
    const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice("netlab:".length), v.startsWith("{") ? JSON.parse(v) : v]));
    const spec = parseBenchSpec({ ...raw, sshPrivateKey: KeyPresence.Secret });
    expect(spec.nodes.map((n) => n.ssh.host)).toEqual(["192.168.9.12", "192.168.9.22", "192.168.9.32", "192.168.9.42"]);
    expect(spec.nodes.map((n) => n.provider.address)).toEqual(["10.27.9.12", "10.27.9.22", "10.27.9.32", "10.27.9.42"]);
    expect(spec).toMatchObject({ packageSource: "bundle", timeouts: { scale: 10 }, containerRuntime: "containerd" });
  });

  it("runs the runtime the instructor chose (vm up --runtime docker)", () => {
    const config = vmStackConfig({ room: 27, bench: 9 }, undefined, { runtime: "docker" });
    expect(config["netlab:containerRuntime"]).toBe("docker");
  });
});

describe("a VM's scheduling group", () => {
  it("gets the VM's nice value when the kernel groups sessions, and is left alone when it does not", () => {
    const proc = mkdtempSync(path.join(os.tmpdir(), "proc-"));
    mkdirSync(path.join(proc, "sys", "kernel"), { recursive: true });
    mkdirSync(path.join(proc, "42"));
    const group = path.join(proc, "42", "autogroup");
    for (const [enabled, expected] of [
      ["0\n", "untouched"],
      ["1\n", "10"],
    ] as const) {
      writeFileSync(path.join(proc, "sys", "kernel", "sched_autogroup_enabled"), enabled);
      writeFileSync(group, "untouched");
      setGroupNiceness(42, 10, proc);
      expect(readFileSync(group, "utf8"), `autogroups ${enabled.trim()}`).toBe(expected);
    }
    rmSync(proc, { recursive: true, force: true });
  });

  it("a daemon in a session of its own (as QEMU daemonizes) gets it from the real kernel", async () => {
    const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" }); // detached: setsid, a new autogroup
    try {
      const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "absent");
      const enabled = read("/proc/sys/kernel/sched_autogroup_enabled").trim() === "1";
      const before = read(`/proc/${child.pid}/autogroup`);
      setGroupNiceness(child.pid!, 7);
      const after = read(`/proc/${child.pid}/autogroup`);
      if (enabled) expect(after).toMatch(/ nice 7$/m);
      else expect(after).toBe(before);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
