import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, networkOf, nthAddress, overlaps, sizeOf, splitSubnet } from "../../lib/spec/network";

describe("address maths", () => {
  it("derives the n-th address of a network", () => {
    expect(nthAddress("10.233.0.0/18", 1)).toBe("10.233.0.1");
    expect(nthAddress("10.233.0.0/18", 10)).toBe("10.233.0.10");
    expect(nthAddress("10.27.4.0/24", 42)).toBe("10.27.4.42");
    expect(nthAddress("10.233.64.0/18", 256)).toBe("10.233.65.0");
    expect(() => nthAddress("10.27.4.0/24", 256)).toThrow(/no address number 256/);
  });

  it("splits the pod subnet into one /24 per node, in order", () => {
    expect(splitSubnet("10.233.64.0/18", 24, 4)).toEqual(["10.233.64.0/24", "10.233.65.0/24", "10.233.66.0/24", "10.233.67.0/24"]);
    expect(() => splitSubnet("10.233.64.0/23", 24, 4)).toThrow(/holds only 2/);
    expect(() => splitSubnet("10.233.64.0/24", 23, 1)).toThrow(/do not fit/);
  });

  it("tells overlapping networks apart", () => {
    expect(overlaps("10.233.64.0/18", "10.233.0.0/18")).toBe(false);
    expect(overlaps("10.233.0.0/16", "10.233.64.0/18")).toBe(true);
    expect(overlaps("10.27.4.0/24", "10.27.4.0/24")).toBe(true);
    expect(networkOf("10.27.4.12/24")).toBe("10.27.4.0/24");
  });

  it("properties: split prefixes are disjoint, inside the parent and in order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 22 }), fc.integer({ min: 1, max: 6 }), (second, parentLen, extra) => {
        const parent = networkOf(`10.${second}.0.0/${parentLen}`);
        const childLen = Math.min(30, parentLen + extra);
        const count = Number(sizeOf(parent) / sizeOf(`0.0.0.0/${childLen}`) > 8n ? 8n : sizeOf(parent) / sizeOf(`0.0.0.0/${childLen}`));
        const kids = splitSubnet(parent, childLen, count);
        expect(kids).toHaveLength(count);
        kids.forEach((k, i) => {
          expect(contains(parent, k.split("/")[0]!)).toBe(true);
          kids.slice(i + 1).forEach((other) => expect(overlaps(k, other)).toBe(false));
        });
      }),
    );
  });

  it("properties: nthAddress stays inside its network and is contiguous", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 254 }), (room, bench, n) => {
        const net = `10.${room}.${bench}.0/24`;
        const ip = nthAddress(net, n);
        expect(ip).toBe(`10.${room}.${bench}.${n}`);
        expect(contains(net, ip)).toBe(true);
      }),
    );
  });
});
