/**
 * lib/spec/shape.ts: the nested layout of the netlab: config. A misspelled nested key, a block given as one value
 * or a list where a value goes must be reported with the field and the keys that would have worked.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Problems } from "../../lib/spec/problems";
import type { RawBenchConfig } from "../../lib/spec/raw";
import { checkShape, isMapping, suggest } from "../../lib/spec/shape";
import { rawBench } from "../helpers/spec";

function shapeOf(raw: RawBenchConfig | Record<string, unknown>): { out: RawBenchConfig; lines: string[] } {
  const p = new Problems();
  const out = checkShape(p, raw as RawBenchConfig);
  return { out, lines: p.list.map((x) => `${x.field}: ${x.message}`) };
}

describe("checkShape: reports", () => {
  it("passes a complete bench config through untouched", () => {
    const raw = rawBench(27, 4, {
      network: { podSubnet: "10.233.64.0/18", clusterDomain: "cluster.local" },
      ssh: { user: "user", port: 22 },
      placement: { webserverNode: "compute1" },
      timeouts: { scale: 10 },
    });
    expect(shapeOf(raw)).toEqual({ out: raw, lines: [] });
  });

  it("reports a misspelled nested key with a suggestion and the known keys, and drops it", () => {
    const { out, lines } = shapeOf({ network: { podSubnt: "10.0.0.0/16", serviceSubnet: "10.96.0.0/16" } });
    expect(out).toEqual({ network: { serviceSubnet: "10.96.0.0/16" } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^network\.podSubnt: unknown key \(did you mean podSubnet\?\); known keys of network are podSubnet, serviceSubnet, /);
    expect(lines[0]).toContain("clusterDomain");
  });

  it("reports a block written as a single value, with an example of the block", () => {
    const { out, lines } = shapeOf({ network: "10.0.0.0/16", room: 27 });
    expect(out).toEqual({ network: undefined, room: 27 });
    expect(lines).toEqual([
      'network: "10.0.0.0/16" is not a block of keys; write its keys under it (e.g. network: { podSubnet: ... }), known keys: ' +
        "podSubnet, serviceSubnet, nodePrefixLength, managementSubnet, managementPortMode, providerPortMode, nodeLocalDnsIp, clusterDomain",
    ]);
  });

  it("gives the node names as the example and known keys of nodes", () => {
    const { lines } = shapeOf({ nodes: ["controller"] });
    expect(lines).toEqual([
      'nodes: ["controller"] is not a block of keys; write its keys under it (e.g. nodes: { controller: ... }), ' +
        "known keys: controller, compute1, compute2, compute3",
    ]);
  });

  it("refuses a list or a block where one value goes, saying which it is", () => {
    const { out, lines } = shapeOf({ room: [27, 28], labUser: { name: "user" }, ssh: { port: [22] } });
    expect(out).toEqual({ room: undefined, labUser: undefined, ssh: { port: undefined } });
    expect(lines).toEqual([
      "room: [27,28] is a list; give a single value (room: <value>)",
      'labUser: {"name":"user"} is a block; give a single value (labUser: <value>)',
      "ssh.port: [22] is a list; give a single value (ssh.port: <value>)",
    ]);
  });

  it("checks each node's keys, matching a key that differs only in case", () => {
    const { out, lines } = shapeOf({ nodes: { controller: { sshhost: "10.0.0.1", sshPort: 22 } } });
    expect(out).toEqual({ nodes: { controller: { sshPort: 22 } } });
    expect(lines).toEqual([
      "nodes.controller.sshhost: unknown key (did you mean sshHost?); known keys of nodes.controller are managementIp, sshHost, sshPort, hostKey",
    ]);
  });
});

describe("checkShape: what it leaves to others", () => {
  it("keeps unknown node names and images for the parser's own messages", () => {
    const raw = { nodes: { compute4: { sshHost: "10.0.0.1" } }, images: { dnsutils: "busybox" } };
    expect(shapeOf(raw)).toEqual({ out: raw, lines: [] });
  });

  it("leaves top-level keys it does not describe, and missing values, as they are", () => {
    const { out, lines } = shapeOf({ target: ["sim"], someFutureKey: { a: [1] }, network: undefined, ssh: { user: undefined } });
    expect(lines).toEqual([]);
    expect(out).toEqual({ target: ["sim"], someFutureKey: { a: [1] }, network: undefined, ssh: { user: undefined } });
  });

  it("accepts numbers and booleans as single values", () => {
    expect(shapeOf({ room: 27, timeouts: { scale: 2.5 }, packages: { source: true } }).lines).toEqual([]);
  });
});

describe("checkShape: several problems", () => {
  it("reports every problem, not only the first", () => {
    const { lines } = shapeOf({ network: { podSubnt: "x", servceSubnet: "y" }, ssh: "user@host", placement: { client2: "compute3" } });
    expect(lines.map((l) => l.slice(0, l.indexOf(":")))).toEqual(["network.podSubnt", "network.servceSubnet", "ssh", "placement.client2"]);
  });

  it("is not fooled by keys inherited from Object.prototype", () => {
    const { out, lines } = shapeOf({ network: { constructor: "x", toString: "y" } });
    expect(out).toEqual({ network: {} });
    expect(lines.map((l) => l.slice(0, l.indexOf(":")))).toEqual(["network.constructor", "network.toString"]);
  });
});

describe("suggest", () => {
  const known = ["podSubnet", "serviceSubnet", "nodePrefixLength", "clusterDomain"];

  it("suggests a key one or two edits away, or differing in case", () => {
    expect(suggest("podSubnt", known)).toBe(" (did you mean podSubnet?)");
    expect(suggest("servceSubnt", known)).toBe(" (did you mean serviceSubnet?)");
    expect(suggest("CLUSTERDOMAIN", known)).toBe(" (did you mean clusterDomain?)");
  });

  it("suggests a key the typed one starts, or is started by, from four letters on", () => {
    expect(suggest("nodePrefix", known)).toBe(" (did you mean nodePrefixLength?)");
    expect(suggest("clusterDomainName", known)).toBe(" (did you mean clusterDomain?)");
    expect(suggest("nod", known)).toBe("");
  });

  it("suggests nothing for an unrelated key", () => {
    expect(suggest("dnsServer", known)).toBe("");
    expect(suggest("pdSbnt", known)).toBe(""); // three edits from podSubnet
  });

  it("property: a known key with one letter changed is recognised", () => {
    const letters = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz");
    fc.assert(
      fc.property(fc.array(letters, { minLength: 3, maxLength: 16 }), fc.nat(), letters, (chars, at, letter) => {
        const key = chars.join("");
        const i = at % key.length;
        const typo = key.slice(0, i) + letter + key.slice(i + 1);
        expect(suggest(typo, [key])).toBe(` (did you mean ${key}?)`);
      }),
    );
  });

  it("property: whatever it suggests is one of the known keys", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (typed) => {
        const hint = suggest(typed, known);
        if (hint !== "") expect(known.map((k) => ` (did you mean ${k}?)`)).toContain(hint);
      }),
    );
  });
});

describe("isMapping", () => {
  it("is true for plain objects only", () => {
    expect(isMapping({})).toBe(true);
    expect(isMapping({ a: 1 })).toBe(true);
    for (const not of [null, undefined, [], [1], "a", 1, true]) expect(isMapping(not)).toBe(false);
  });
});
