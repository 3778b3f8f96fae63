/**
 * lib/spec/limits.ts on its own: the values kubeadm, DNS or SSH would refuse later, each refused with the field,
 * the value and a way out. The boundaries are the ones kubeadm and IPv4 set, not the ones the code happens to use.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkClusterRanges,
  checkDnsDomain,
  checkHostAddresses,
  checkLabUser,
  checkLengths,
  checkManagementRoom,
  checkSshEndpoints,
  MAX_VALUE_LENGTH,
  networkOrBroadcast,
  unusableHost,
} from "../../lib/spec/limits";
import { Problems } from "../../lib/spec/problems";
import type { NodeName, NodeSpec } from "../../lib/spec/types";
import { specFor } from "../helpers/spec";

/** Runs one check on a fresh collector; the check's result and the "field: message" lines it added. */
function run<T>(check: (p: Problems) => T): { result: T; lines: string[] } {
  const p = new Problems();
  const result = check(p);
  return { result, lines: p.list.map((x) => `${x.field}: ${x.message}`) };
}

const ranges = (pod: string, service: string, nodePrefix: number) => run((p) => checkClusterRanges(p, pod, service, nodePrefix));
const HANDOUT_OCTETS: Record<NodeName, number> = { controller: 12, compute1: 22, compute2: 32, compute3: 42 };

describe("checkClusterRanges", () => {
  it("accepts the widest (/12) and the narrowest (/28) service subnet kubeadm can use", () => {
    expect(ranges("10.233.64.0/18", "10.96.0.0/12", 24)).toEqual({ result: true, lines: [] });
    expect(ranges("10.233.64.0/18", "10.233.0.0/28", 24)).toEqual({ result: true, lines: [] });
  });

  it("refuses a /11 service subnet, naming the field and value and giving the accepted range", () => {
    const { result, lines } = ranges("10.233.64.0/18", "10.64.0.0/11", 24);
    expect(result).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^network\.serviceSubnet: "10\.64\.0\.0\/11" is wider than \/12/);
    expect(lines[0]).toContain("use a /12 to /28");
  });

  it("refuses a /29 service subnet: its 8 addresses have no 10th for kube-dns", () => {
    const { result, lines } = ranges("10.233.64.0/18", "10.233.0.0/29", 24);
    expect(result).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^network\.serviceSubnet: "10\.233\.0\.0\/29" has 8 addresses/);
    expect(lines[0]).toContain("kube-dns at the 10th");
    expect(lines[0]).toContain("/28 or larger");
  });

  it("property: a service prefix passes exactly when it lies in /12../28", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), (prefix) => {
        const { result, lines } = ranges("10.233.64.0/18", `10.0.0.0/${prefix}`, 24);
        expect(result).toBe(prefix >= 12 && prefix <= 28);
        expect(lines.every((l) => l.startsWith("network.serviceSubnet: "))).toBe(true);
      }),
    );
  });

  it("allows a node mask at most 16 bits longer than the pod subnet's", () => {
    expect(ranges("10.0.0.0/16", "10.233.0.0/18", 32).result).toBe(true);
    const { result, lines } = ranges("10.0.0.0/15", "10.233.0.0/18", 32);
    expect(result).toBe(false);
    expect(lines).toEqual([
      'network.nodePrefixLength: 32 is 17 bits longer than network.podSubnet "10.0.0.0/15"; ' +
        "Kubernetes allows at most 16: use a prefix length up to 31 or a smaller pod subnet",
    ]);
  });

  it("reports a bad service subnet and a bad node mask together", () => {
    const { lines } = ranges("10.0.0.0/8", "10.233.0.0/30", 25);
    expect(lines.map((l) => l.split(":")[0])).toEqual(["network.serviceSubnet", "network.nodePrefixLength"]);
  });
});

describe("checkManagementRoom", () => {
  const room = (cidr: string, overridden: (n: NodeName) => boolean = () => false) => run((p) => checkManagementRoom(p, cidr, HANDOUT_OCTETS, overridden));

  it("fits the handout's host numbers (12..42) in a /26 but not in a /27", () => {
    expect(room("192.168.4.0/26")).toEqual({ result: true, lines: [] });
    const { result, lines } = room("192.168.4.0/27");
    expect(result).toBe(false);
    // 32 addresses: hosts 1..30, 31 is the broadcast, so compute2 (32) and compute3 (42) have no place.
    expect(lines).toEqual([
      'network.managementSubnet: "192.168.4.0/27" has no host number 32 for compute2 (it holds 30 hosts); ' +
        "use a /26 or larger, or set nodes.compute2.managementIp",
      'network.managementSubnet: "192.168.4.0/27" has no host number 42 for compute3 (it holds 30 hosts); ' +
        "use a /26 or larger, or set nodes.compute3.managementIp",
    ]);
  });

  it("takes the last host number and refuses the broadcast's", () => {
    const one = (octet: number) => run((p) => checkManagementRoom(p, "192.168.4.0/27", { controller: octet } as Record<NodeName, number>, () => false));
    expect(one(30).result).toBe(true);
    expect(one(31).result).toBe(false);
  });

  it("leaves out nodes whose address is set by hand", () => {
    expect(room("192.168.4.0/27", (n) => n === "compute2" || n === "compute3").result).toBe(true);
    expect(room("192.168.4.0/27", (n) => n === "compute3").lines.map((l) => l.includes("compute2"))).toEqual([true]);
  });

  it("says a /31 or /32 holds no host at all", () => {
    expect(room("192.168.4.12/31").lines[0]).toContain("(it holds 0 hosts)");
    expect(room("192.168.4.12/32").lines[0]).toContain("(it holds 0 hosts)");
  });
});

describe("networkOrBroadcast and unusableHost", () => {
  it("names the network and broadcast addresses of a network, and nothing else", () => {
    expect(networkOrBroadcast("192.168.4.0/24", "192.168.4.0")).toBe("network address");
    expect(networkOrBroadcast("192.168.4.0/24", "192.168.4.255")).toBe("broadcast address");
    expect(networkOrBroadcast("192.168.4.0/24", "192.168.4.1")).toBeUndefined();
    expect(networkOrBroadcast("192.168.4.0/24", "192.168.4.254")).toBeUndefined();
    expect(networkOrBroadcast("192.168.4.0/24", "192.168.5.0")).toBeUndefined();
  });

  it("has no network or broadcast address on a point-to-point /31 or a /32", () => {
    expect(networkOrBroadcast("10.0.0.0/31", "10.0.0.0")).toBeUndefined();
    expect(networkOrBroadcast("10.0.0.0/31", "10.0.0.1")).toBeUndefined();
    expect(networkOrBroadcast("10.0.0.7/32", "10.0.0.7")).toBeUndefined();
  });

  it("property: inside a /8../30 network only the first and last addresses are flagged", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 30 }), fc.nat(), (len, offset) => {
        const size = 2 ** (32 - len);
        const n = offset % size;
        const ip = `10.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
        const want = n === 0 ? "network address" : n === size - 1 ? "broadcast address" : undefined;
        expect(networkOrBroadcast(`10.0.0.0/${len}`, ip)).toBe(want);
      }),
    );
  });

  it("tells which addresses no SSH connection can go to", () => {
    expect(unusableHost("0.1.2.3")).toMatch(/this network/);
    expect(unusableHost("224.0.0.1")).toBe("multicast address");
    expect(unusableHost("239.255.255.255")).toBe("multicast address");
    expect(unusableHost("240.0.0.1")).toMatch(/reserved/);
    expect(unusableHost("255.255.255.255")).toBe("broadcast address");
    for (const ok of ["1.0.0.1", "10.27.4.12", "192.168.4.12", "223.255.255.254"]) expect(unusableHost(ok)).toBeUndefined();
  });
});

describe("checkHostAddresses and checkSshEndpoints", () => {
  const nodes = specFor(27, 4).nodes;
  const withNode = (i: number, change: (n: NodeSpec) => NodeSpec) => nodes.map((n, j) => (j === i ? change(n) : n));

  it("accepts the derived nodes", () => {
    expect(run((p) => checkHostAddresses(p, "192.168.4.0/24", nodes)).lines).toEqual([]);
    expect(run((p) => checkSshEndpoints(p, nodes)).lines).toEqual([]);
  });

  it("refuses a management address that is the network's own, once, when SSH goes to the same address", () => {
    const bad = withNode(1, (n) => ({ ...n, management: { ...n.management, address: "192.168.4.0" }, ssh: { ...n.ssh, host: "192.168.4.0" } }));
    const { lines } = run((p) => checkHostAddresses(p, "192.168.4.0/24", bad));
    expect(lines).toEqual([
      'nodes.compute1.managementIp: "192.168.4.0" is the network address of the management network 192.168.4.0/24; ' + "choose a host address inside it",
    ]);
  });

  it("refuses an SSH host that is multicast or the management broadcast, naming sshHost", () => {
    const multicast = withNode(2, (n) => ({ ...n, ssh: { ...n.ssh, host: "239.1.2.3" } }));
    expect(run((p) => checkHostAddresses(p, "192.168.4.0/24", multicast)).lines).toEqual([
      'nodes.compute2.sshHost: "239.1.2.3" is a multicast address, no SSH connection can go there; give the node\'s reachable address',
    ]);
    const broadcast = withNode(3, (n) => ({ ...n, ssh: { ...n.ssh, host: "192.168.4.255" } }));
    expect(run((p) => checkHostAddresses(p, "192.168.4.0/24", broadcast)).lines[0]).toMatch(/^nodes\.compute3\.sshHost: "192\.168\.4\.255" is a broadcast/);
  });

  it("refuses a second node on the same host:port, naming the first, and allows another port", () => {
    const shared = withNode(2, (n) => ({ ...n, ssh: { ...n.ssh, host: nodes[0]!.ssh.host } }));
    expect(run((p) => checkSshEndpoints(p, shared)).lines).toEqual([
      'nodes.compute2.sshHost: "192.168.4.12:22" (host:port) is also controller\'s SSH endpoint; ' +
        "each node needs its own (set nodes.compute2.sshHost or sshPort)",
    ]);
    const otherPort = withNode(2, (n) => ({ ...n, ssh: { ...n.ssh, host: nodes[0]!.ssh.host, port: 2222 } }));
    expect(run((p) => checkSshEndpoints(p, otherPort)).lines).toEqual([]);
  });
});

describe("checkDnsDomain", () => {
  const domain = (value: string) => run((p) => checkDnsDomain(p, "network.clusterDomain", value)).lines;
  const label = (n: number) => "a".repeat(n);

  it("accepts RFC 1123 subdomains up to 63 per label and 253 in all", () => {
    for (const ok of ["cluster.local", "lab", "room-27.example", "0.a9", label(63), [label(63), label(63), label(63), label(61)].join(".")]) {
      expect(domain(ok), ok).toEqual([]);
    }
  });

  it("refuses upper case, empty labels, edge hyphens, a 64-letter label and 254 characters", () => {
    const bad = [
      "Cluster.local",
      "cluster..local",
      "cluster.local.",
      "-lab.local",
      "lab-.local",
      "lab_1.local",
      "",
      label(64),
      [label(63), label(63), label(63), label(62)].join("."),
    ];
    for (const value of bad) {
      const lines = domain(value);
      expect(lines, value).toHaveLength(1);
      expect(lines[0]).toMatch(/^network\.clusterDomain: .* is not a valid DNS domain .*e\.g\. "cluster\.local"$/);
    }
  });

  it("shows a long value cut to 80 characters", () => {
    const [line] = domain(`${"x".repeat(100)}.LOCAL`);
    expect(line).toContain(`"${"x".repeat(80)}..."`);
    expect(line).not.toContain("x".repeat(81));
  });
});

describe("checkLabUser and checkLengths", () => {
  it("refuses root as the lab user and says which account to use", () => {
    expect(run((p) => checkLabUser(p, "root")).lines).toEqual([expect.stringMatching(/^labUser: "root" is refused: .*use that account, e\.g\. "user"$/)]);
    expect(run((p) => checkLabUser(p, "user")).lines).toEqual([]);
    expect(run((p) => checkLabUser(p, "rooter")).lines).toEqual([]);
  });

  it("drops a nested value over the limit, reports it by its dotted path, and keeps the rest", () => {
    const long = "A".repeat(MAX_VALUE_LENGTH + 1);
    const raw = { room: 27, labUser: "user", nodes: { controller: { hostKey: long, sshPort: 22 } } };
    const { result, lines } = run((p) => checkLengths(p, raw));
    expect(result).toEqual({ room: 27, labUser: "user", nodes: { controller: { hostKey: undefined, sshPort: 22 } } });
    expect(lines).toEqual([`nodes.controller.hostKey: "${"A".repeat(40)}..." is 8193 characters long; no netlab value exceeds 8192, shorten it`]);
    expect(raw.nodes.controller.hostKey).toBe(long); // the input is not changed
  });

  it("keeps a value of exactly the limit", () => {
    const exact = { sshPrivateKey: "k".repeat(MAX_VALUE_LENGTH) };
    expect(run((p) => checkLengths(p, exact))).toEqual({ result: exact, lines: [] });
  });
});
