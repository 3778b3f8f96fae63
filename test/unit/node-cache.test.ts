/**
 * The bundle's node-cache entrypoint (bundle/image-files/node-cache), run for real in a network namespace of its
 * own with the real iptables: its rules appear once, a rule removed behind its back comes back at the
 * next sync, and SIGTERM removes everything it added. CoreDNS is a stand-in process (NODE_CACHE_COREDNS). This
 * machine's kernel has no dummy link driver, so -setupinterface=false here; the VM tier has the link for real.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, requireTool } from "../helpers/tools";

const ENTRYPOINT = path.join(REPO, "bundle", "image-files", "node-cache");
const COMMENTED = /--comment "NodeLocal DNS Cache: (skip conntrack|allow DNS traffic)"/;
const dir = mkdtempSync(path.join(tmpdir(), "node-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The driver, inside `unshare --net`: start, dump, delete one rule, wait a sync, dump, SIGTERM, dump. */
const DRIVER = String.raw`
set -u
dump() { echo "== $1"; iptables-save -t raw; iptables-save -t filter; }
ip link set lo up
"$ENTRYPOINT" -localip 169.254.25.10 -conf "$DIR/Corefile" -health-port 9254 -syncinterval 1 -setupinterface=false 2>"$DIR/log" &
pid=$!
for _ in $(seq 100); do grep -q serving "$DIR/log" && break; sleep 0.1; done
dump started
iptables -t raw -D PREROUTING -p udp -d 169.254.25.10 --dport 53 -j NOTRACK -m comment --comment "NodeLocal DNS Cache: skip conntrack"
dump deleted
for _ in $(seq 50); do [ "$(iptables-save -t raw | grep -c 'PREROUTING.*udp.*NodeLocal')" = 1 ] && break; sleep 0.1; done
dump synced
kill -TERM "$pid"; wait "$pid"; echo "== exit $?"
dump stopped
`;

let sections: Record<string, string> = {};
let log = "";

beforeAll(() => {
  requireTool("iptables-save");
  requireTool("unshare");
  const coredns = path.join(dir, "coredns");
  writeFileSync(coredns, "#!/bin/sh\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n");
  chmodSync(coredns, 0o755);
  const r = spawnSync("unshare", ["--net", "bash", "-c", DRIVER], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ENTRYPOINT, DIR: dir, NODE_CACHE_COREDNS: coredns },
  });
  expect(r.status, r.stderr).toBe(0);
  log = spawnSync("cat", [path.join(dir, "log")], { encoding: "utf8" }).stdout;
  sections = Object.fromEntries(
    r.stdout
      .split(/^== /m)
      .filter(Boolean)
      .map((s) => [s.split("\n")[0]!, s]),
  );
});

const rules = (name: string) => (sections[name] ?? "").split("\n").filter((l) => l.startsWith("-A ") && COMMENTED.test(l));

describe("node-cache entrypoint", () => {
  it("adds each of upstream's twelve rules once", () => {
    const added = rules("started");
    expect(added).toHaveLength(12);
    expect(new Set(added).size).toBe(12);
    expect(added).toContain('-A PREROUTING -d 169.254.25.10/32 -p udp -m udp --dport 53 -m comment --comment "NodeLocal DNS Cache: skip conntrack" -j NOTRACK');
    expect(added).toContain('-A OUTPUT -s 169.254.25.10/32 -p tcp -m tcp --sport 9254 -m comment --comment "NodeLocal DNS Cache: skip conntrack" -j NOTRACK');
    expect(added.filter((l) => l.endsWith("-j ACCEPT"))).toHaveLength(4);
  });

  it("puts back a rule removed behind its back at the next sync, and only that one", () => {
    expect(rules("deleted")).toHaveLength(11);
    expect(rules("synced")).toHaveLength(12);
    expect(log.match(/added rule/g)).toHaveLength(13);
    expect(log).toMatch(/added rule: -t raw -I PREROUTING -p udp -d 169\.254\.25\.10 --dport 53 -j NOTRACK/);
  });

  it("removes its rules on SIGTERM and exits as CoreDNS did", () => {
    expect(sections["exit 0"]).toBeDefined();
    expect(rules("stopped")).toEqual([]);
    expect(log.match(/removed rule/g)).toHaveLength(12);
  });
});
