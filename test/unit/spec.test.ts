import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBenchSpec } from "../../lib/spec/parse";
import { overlaps } from "../../lib/spec/network";
import { labHome, nodeRoot } from "../../lib/spec/nodes";
import { HOST_KEY, problemsOf, rawBench, specFor } from "../helpers/spec";

describe("BenchSpec derivation", () => {
  it("derives the handout's addresses for room 27 bench 4", () => {
    const spec = specFor(27, 4);
    expect(spec.id).toBe("room27-bench4");
    expect(spec.nodes.map((n) => [n.name, n.role, n.provider.address, n.provider.device])).toEqual([
      ["controller", "control-plane", "10.27.4.12", "enp1s0f2"],
      ["compute1", "worker", "10.27.4.22", "enp1s0f2"],
      ["compute2", "worker", "10.27.4.32", "enp1s0f2"],
      ["compute3", "worker", "10.27.4.42", "enp1s0f2"],
    ]);
    expect(spec.nodes.map((n) => n.management.address)).toEqual(["192.168.4.12", "192.168.4.22", "192.168.4.32", "192.168.4.42"]);
    expect(spec.nodes.map((n) => n.podCidr)).toEqual(["10.233.64.0/24", "10.233.65.0/24", "10.233.66.0/24", "10.233.67.0/24"]);
    expect(spec.nodes.map((n) => n.podGateway)).toEqual(["10.233.64.1", "10.233.65.1", "10.233.66.1", "10.233.67.1"]);
    expect(spec.network).toMatchObject({
      kubernetesServiceIp: "10.233.0.1",
      corednsIp: "10.233.0.10",
      nodeLocalDnsIp: "169.254.25.10",
      providerCidr: "10.27.4.0/24",
    });
    expect(spec.placement).toEqual({ webserverNode: "compute1", client2Node: "compute2" });
    expect(spec.nodes[0]!.ssh).toEqual({ host: "192.168.4.12", port: 22, user: "user", hostKey: HOST_KEY, connectTimeout: 10, aliveTimeout: 45 });
  });

  it("gives every node's SSH connections netlab's limits (10 s to open, 45 s unanswered), stretched by timeouts.scale", () => {
    expect(specFor(27, 4).nodes.map((n) => [n.ssh.connectTimeout, n.ssh.aliveTimeout])).toEqual(Array(4).fill([10, 45]));
    expect(specFor(27, 4, { timeouts: { scale: 10 } }).nodes.map((n) => [n.ssh.connectTimeout, n.ssh.aliveTimeout])).toEqual(Array(4).fill([100, 450]));
  });

  it("accepts room and bench as numeric strings (Pulumi config values are strings)", () => {
    const spec = parseBenchSpec(rawBench("30" as unknown as number, "7" as unknown as number));
    expect(spec.nodes[3]!.provider.address).toBe("10.30.7.42");
  });

  it("keeps each node's files under nodeRoot/<node> when set, at the node's own / by default", () => {
    expect(specFor(27, 4).nodeRoot).toBe("");
    expect(nodeRoot(specFor(27, 4), "compute1")).toBe("");
    const rooted = specFor(27, 4, { nodeRoot: "/srv/netlab.nodes/room27_4" });
    expect(nodeRoot(rooted, "compute1")).toBe("/srv/netlab.nodes/room27_4/compute1");
    expect(labHome(rooted)).toBe("/srv/netlab.nodes/room27_4/controller/home/user");
    expect(specFor(27, 4, { nodeRoot: "" }).nodeRoot).toBe("");
  });

  it("reads where the bundle is (packages.bundle), leaving the default to the bundle's locator", () => {
    expect(specFor(27, 4).bundleDir).toBeUndefined();
    expect(specFor(27, 4, { packages: { bundle: "/srv/bundle/current" } })).toMatchObject({ packageSource: "bundle", bundleDir: "/srv/bundle/current" });
  });

  it("moves addresses onto VLAN sub-interfaces on trunk ports", () => {
    const spec = specFor(30, 7, { network: { providerPortMode: "tagged", managementPortMode: "tagged" } });
    expect(spec.nodes[1]!.provider).toMatchObject({ nic: "enp1s0f2", device: "enp1s0f2.3", vlanId: 3, portMode: "tagged" });
    expect(spec.nodes[1]!.management).toMatchObject({ nic: "enp1s0f0", device: "enp1s0f0.2", vlanId: 2 });
  });

  it("honours per-node and per-room overrides", () => {
    const spec = specFor(27, 4, {
      network: { managementSubnet: "172.16.{room}.0/24", podSubnet: "10.240.0.0/16", serviceSubnet: "10.96.0.0/16" },
      nodes: {
        controller: { hostKey: HOST_KEY, managementIp: "172.16.27.200", sshPort: 2222 },
        compute1: { hostKey: HOST_KEY },
        compute2: { hostKey: HOST_KEY },
        compute3: { hostKey: HOST_KEY },
      },
      placement: { webserverNode: "compute3", client2Node: "compute1" },
    });
    expect(spec.nodes[0]!.management.address).toBe("172.16.27.200");
    expect(spec.nodes[0]!.ssh).toMatchObject({ host: "172.16.27.200", port: 2222 });
    expect(spec.nodes[2]!.management.address).toBe("172.16.27.32");
    expect(spec.network.corednsIp).toBe("10.96.0.10");
    expect(spec.nodes[1]!.podCidr).toBe("10.240.1.0/24");
    expect(spec.placement).toEqual({ webserverNode: "compute3", client2Node: "compute1" });
  });

  it("property: for every valid room and bench, defaults never overlap and addresses are unique", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 }), (room, bench) => {
        let spec;
        try {
          spec = specFor(room, bench);
        } catch (e) {
          // Only room 233 collides with Kubespray's ranges, and it must say so, naming the subnet.
          expect(room).toBe(233);
          expect(String(e)).toMatch(/network\.(pod|service)Subnet: .* overlaps the provider network/);
          return;
        }
        const n = spec.network;
        const pairs = [
          [n.podSubnet, n.providerCidr],
          [n.serviceSubnet, n.providerCidr],
          [n.podSubnet, n.managementCidr],
          [n.serviceSubnet, n.managementCidr],
        ];
        for (const [a, b] of pairs) {
          expect(overlaps(a!, b!)).toBe(false);
        }
        const all = spec.nodes.flatMap((x) => [x.provider.address, x.management.address]);
        expect(new Set(all).size).toBe(8);
      }),
      { numRuns: 300 },
    );
  });
});

describe("config errors: collected, naming field, value and fix", () => {
  const keyed = { controller: { hostKey: HOST_KEY }, compute1: { hostKey: HOST_KEY }, compute2: { hostKey: HOST_KEY }, compute3: { hostKey: HOST_KEY } };
  const cases: [string, object, RegExp][] = [
    ["bench out of range", { bench: 300 }, /^bench: 300 is not a valid bench number .*1-254.*pulumi config set netlab:bench/],
    ["bench zero", { bench: 0 }, /^bench: 0 is not a valid bench number/],
    ["non-numeric room", { room: "twenty-seven" }, /^room: "twenty-seven" is not a valid room number/],
    ["fractional room", { room: 27.5 }, /^room: 27.5 is not a valid room number/],
    ["unknown key", { benhc: 3 }, /^benhc: unknown config key; known keys are room, bench/],
    ["removed target key", { target: "bench" }, /^target: netlab no longer has targets, .*; remove the key \(a bench whose nodes .* sets netlab:nodeRoot/],
    [
      "relative node root",
      { nodeRoot: "nodes" },
      /^nodeRoot: "nodes" is not an absolute directory path .*; give the directory under which each node's files live, .* or remove the key/,
    ],
    ["node root with a space", { nodeRoot: "/srv/my nodes" }, /^nodeRoot: "\/srv\/my nodes" is not an absolute directory path made of letters/],
    ["node root with ..", { nodeRoot: "/srv/../etc" }, /^nodeRoot: "\/srv\/\.\.\/etc" is not an absolute directory path .*no "\." or "\.\." segment/],
    ["node root /", { nodeRoot: "/" }, /^nodeRoot: "\/" is not an absolute directory path/],
    ["node root trailing /", { nodeRoot: "/srv/nodes/" }, /^nodeRoot: "\/srv\/nodes\/" is not an absolute directory path .*no trailing "\/"/],
    ["node root not a string", { nodeRoot: 7 }, /^nodeRoot: 7 is not an absolute directory path/],
    [
      "relative bundle",
      { packages: { bundle: "bundle/current" } },
      /^packages\.bundle: "bundle\/current" is not an absolute path; give the directory of a built bundle \(the one holding bundle\.json/,
    ],
    ["bundle not a string", { packages: { bundle: 3 } }, /^packages\.bundle: 3 is not an absolute path/],
    [
      "bundle while online",
      { packages: { source: "online", bundle: "/srv/bundle" } },
      /^packages\.bundle: "\/srv\/bundle" is set, but packages\.source is "online": nothing is pushed from it; remove packages\.bundle or set/,
    ],
    ["bundle as a list", { packages: { bundle: ["/a"] } }, /^packages\.bundle: \["\/a"\] is a list; give a single value/],
    [
      "pod/service overlap",
      { network: { podSubnet: "10.233.0.0/16" } },
      /^network\.podSubnet: "10\.233\.0\.0\/16" overlaps the network.serviceSubnet "10\.233\.0\.0\/18"/,
    ],
    ["pod subnet over provider", { room: 233, bench: 70 }, /^network\.podSubnet: "10\.233\.64\.0\/18" overlaps the provider network "10\.233\.70\.0\/24"/],
    ["host bits", { network: { serviceSubnet: "10.96.0.1/16" } }, /^network\.serviceSubnet: "10\.96\.0\.1\/16" has host bits set/],
    ["not a cidr", { network: { podSubnet: "10.233.64.0" } }, /^network\.podSubnet: "10\.233\.64\.0" is not an IPv4 network/],
    [
      "client-2 with webserver",
      { placement: { webserverNode: "compute2", client2Node: "compute2" } },
      /^placement\.client2Node: "compute2" is the webserver's node; client-2 must run on another node.*"compute3"/,
    ],
    ["placement on controller", { placement: { webserverNode: "controller" } }, /^placement\.webserverNode: "controller" keeps kubeadm's control-plane taint/],
    [
      "duplicate address",
      { nodes: { ...keyed, compute1: { hostKey: HOST_KEY, managementIp: "192.168.4.12" } } },
      /^nodes\.compute1\.managementIp: "192\.168\.4\.12" is already used by controller/,
    ],
    ["missing ssh key", { sshPrivateKey: undefined }, /^sshPrivateKey: \(missing\) .*pulumi config set --secret netlab:sshPrivateKey/],
    ["missing host key", { nodes: { ...keyed, controller: {} } }, /^nodes\.controller\.hostKey: \(missing\) is not a pinned SSH host key/],
    ["unknown node", { nodes: { compute4: {}, ...keyed } }, /^nodes\.compute4: unknown node/],
    ["latest image", { images: { client: "docker.io/nicolaka/netshoot:latest" } }, /^images\.client: .* is not pinned/],
    ["untagged image", { images: { kubeRouter: "docker.io/cloudnativelabs/kube-router" } }, /^images\.kubeRouter: .* is not pinned/],
    [
      "management outside its subnet",
      { nodes: { ...keyed, controller: { hostKey: HOST_KEY, managementIp: "10.1.1.1" } } },
      /^nodes\.controller\.managementIp: "10\.1\.1\.1" is outside the management network 192\.168\.4\.0\/24/,
    ],
    ["nodelocaldns not link-local", { network: { nodeLocalDnsIp: "10.0.0.10" } }, /^network\.nodeLocalDnsIp: "10\.0\.0\.10" must be a link-local address/],
    ["old kubernetes", { kubernetesVersion: "1.20.0" }, /^kubernetesVersion: "1\.20\.0" is not supported: kubeadm's v1beta4 config needs 1\.31/],
    [
      "kubernetes without IPVS",
      { kubernetesVersion: "1.35.0" },
      /^kubernetesVersion: "1\.35\.0" is not supported: .*from 1\.35 kube-proxy's IPVS mode .* is deprecated; choose 1\.31\.x to 1\.34\.x/,
    ],
    ["bad package source", { packages: { source: "mirror" } }, /^packages\.source: "mirror" is not allowed; use one of "online", "bundle"/],
    [
      "bundle image online",
      { packages: { source: "online" } },
      /^images\.nodeLocalDns: "netlab\.local\/node-cache:1\.12\.1" exists only in netlab's bundle; with packages\.source "online" name a registry image/,
    ],
    ["unknown runtime", { containerRuntime: "cri-o" }, /^containerRuntime: "cri-o" is not allowed; use one of "containerd", "docker"/],
    [
      "docker online",
      { containerRuntime: "docker", packages: { source: "online" }, images: {} },
      /^containerRuntime: "docker" needs packages\.source "bundle": cri-dockerd and a Docker Engine with API 1\.42\+ .*or use containerRuntime "containerd"/,
    ],
    ["timeout scale", { timeouts: { scale: 0.5 } }, /^timeouts\.scale: 0\.5 is not a time-limit multiplier; use a number from 1/],
    [
      "pod subnet too small",
      { network: { podSubnet: "10.233.64.0/23" } },
      /^network\.podSubnet: "10\.233\.64\.0\/23": 10\.233\.64\.0\/23 holds only 2 \/24 prefixes, 4 needed/,
    ],
  ];
  it.each(cases)("%s", (_name, extra, expected) => {
    const lines = problemsOf({ ...rawBench(27, 4), ...extra });
    expect(
      lines.some((l) => expected.test(l)),
      `no line matches ${expected}\n${lines.join("\n")}`,
    ).toBe(true);
  });

  it("reports every problem at once, in one error", () => {
    const lines = problemsOf({ room: "x", bench: 300, nodeRoot: "x", placement: { webserverNode: "controller" } });
    expect(lines.map((l) => l.split(":")[0])).toEqual(expect.arrayContaining(["room", "bench", "nodeRoot", "placement.webserverNode", "sshPrivateKey"]));
    expect(() => parseBenchSpec({ room: "x", bench: 300 })).toThrow(/^Invalid bench config:\n - room: "x"/);
  });

  it("offline render needs no SSH material", () => {
    expect(parseBenchSpec({ room: 30, bench: 7 }, { requireAccess: false }).nodes[0]!.ssh.hostKey).toBe("");
    expect(problemsOf({ room: 30, bench: 7 }).map((l) => l.split(":")[0])).toContain("sshPrivateKey");
  });
});
