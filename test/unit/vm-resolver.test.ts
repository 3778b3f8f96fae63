/**
 * The VM bench's site resolver: dnsmasq started with the arguments `netlab vm up` gives it, for real, in a network
 * namespace holding the bench's management gateway address, answers a query at once, with REFUSED.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBenchSpec } from "../../lib/spec/parse";
import { siteResolverAddress, siteResolverArgs } from "../../lib/vm/resolver";
import { requireTool } from "../helpers/tools";

const spec = parseBenchSpec({ room: 27, bench: 9 }, { requireAccess: false });
const dir = mkdtempSync(path.join(tmpdir(), "vm-resolver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A query for "a." type A (id 0x1234, recursion desired); the reply's fourth byte holds the rcode.
const QUERY = String.raw`\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01`;

describe("VM bench site resolver", () => {
  it("is the host's .254 on the bench's management network", () => {
    expect(siteResolverAddress(spec)).toBe("192.168.9.254");
    const args = siteResolverArgs(spec, "/run/x.pid");
    expect(args).toEqual(expect.arrayContaining(["--no-resolv", "--bind-interfaces", "--listen-address=192.168.9.254", "--pid-file=/run/x.pid"]));
  });

  it("refuses every name at once (dnsmasq for real, in a namespace of its own)", () => {
    requireTool("dnsmasq");
    requireTool("unshare");
    const args = siteResolverArgs(spec, path.join(dir, "dnsmasq.pid"))
      .map((a) => `'${a}'`)
      .join(" ");
    const script = [
      "set -e",
      "ip link set lo up",
      `ip addr add ${siteResolverAddress(spec)}/24 dev lo`,
      `dnsmasq ${args}`,
      `exec 3<>/dev/udp/${siteResolverAddress(spec)}/53`,
      `printf '${QUERY}' >&3`,
      "timeout 5 head -c 4 <&3 | od -An -tx1",
      `kill "$(cat '${dir}/dnsmasq.pid')"`,
    ].join("\n");
    const r = spawnSync("unshare", ["--net", "bash", "-c", script], { encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const bytes = r.stdout
      .trim()
      .split(/\s+/)
      .map((b) => parseInt(b, 16));
    expect(bytes.slice(0, 2)).toEqual([0x12, 0x34]);
    expect(bytes[3]! & 0x0f).toBe(5); // REFUSED
  });
});
