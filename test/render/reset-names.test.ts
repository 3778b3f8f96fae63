/**
 * One student cannot block every later reset: names that are not UTF-8 or hold a newline or a backslash, and a
 * 1 TB sparse file, go through the real reset scripts (listing, archive, removal) run with bash as root, and the
 * archive verifies the way `netlab reset` verifies it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boundArchive, DECODE_NAMES, displayName, LIST_HOME_ENCODED, nameBytes, parseEncodedListing, tarEscape } from "../../lib/reset/names";
import { planReset } from "../../lib/reset/plan";
import { MAKE_ARCHIVE, REMOVE_ARCHIVED } from "../../lib/reset/scripts";

let root: string;
const home = () => path.join(root, "home");
const HOSTILE = [
  Buffer.from("notes\nrm -rf ~"),
  Buffer.from("back\\slash"),
  Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]),
  Buffer.from("-rf"),
  Buffer.from("trailing\n"),
];

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "netlab-reset-names-"));
  mkdirSync(home());
  // Node's fs takes Buffers as paths: every byte is the student's.
  for (const name of HOSTILE) writeFileSync(Buffer.from(`${home()}/${name.toString("latin1")}`, "latin1"), "student work\n");
  writeFileSync(path.join(home(), "k8s-network-lab-s1.yml"), "lab\n");
  writeFileSync(path.join(home(), "big"), Buffer.alloc(2 << 20, 1)); // real data, over the test's entry limit
  writeFileSync(path.join(home(), "sparse"), "");
  truncateSync(path.join(home(), "sparse"), 1024 ** 4); // 1 TB of holes
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const bash = (script: string, args: string[], stdin = "") =>
  execFileSync("bash", ["-c", `set -euo pipefail\n${script}`, "test", ...args], { input: stdin, encoding: "utf8", timeout: 60_000 });

describe("reset with hostile names and sizes", () => {
  it("names round-trip: display text is injective, tar's escape is predicted", () => {
    for (const raw of HOSTILE) expect(nameBytes(displayName(raw)).equals(raw)).toBe(true);
    expect(displayName(Buffer.from("a\nb\\"))).toBe("a\\x0ab\\\\");
    expect(tarEscape(Buffer.from([0x61, 0x0a, 0x5c, 0xe9]))).toBe("a\\n\\\\\\351");
  });

  it("lists, archives, verifies and removes every hostile entry; oversize ones stay in place; the sparse file is quick", () => {
    const listing = parseEncodedListing(bash(LIST_HOME_ENCODED, [home()]));
    expect(listing.map((e) => e.raw.toString("latin1")).sort()).toEqual(
      [...HOSTILE.map((h) => h.toString("latin1")), "big", "k8s-network-lab-s1.yml", "sparse"].sort(),
    );
    expect(listing.find((e) => e.name === "sparse")!.bytes).toBeLessThan(1 << 20);
    const plan = planReset({ level: "workloads", objects: [], home: listing });
    const { keep, leftInPlace } = boundArchive(plan.removeFiles, listing, { entryBytes: 1 << 20, totalBytes: 8 << 20 });
    expect(leftInPlace.map((f) => f.name)).toEqual(["big"]);
    const b64 = keep.map((n) => nameBytes(n).toString("base64"));

    const start = Date.now();
    const generated = `reset-plan.json\t${Buffer.from("{}").toString("base64")}\n`;
    const [archive, sha] = bash(MAKE_ARCHIVE, [home(), path.join(root, "backups"), "reset.tar.gz", ...b64], generated)
      .trim()
      .split(" ");
    expect(Date.now() - start).toBeLessThan(20_000);
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    const entries = execFileSync("env", ["LC_ALL=C", "tar", "--quoting-style=escape", "-tzf", archive!], { encoding: "utf8" })
      .split("\n")
      .map((e) => e.replace(/^\.\//, ""));
    const missing = keep.map((n) => `home/${tarEscape(nameBytes(n))}`).filter((p) => !entries.includes(p));
    expect(missing).toEqual([]);
    expect(entries).toContain("reset-plan.json");

    bash(REMOVE_ARCHIVED, [home(), archive!, sha!, ...b64]);
    expect(readdirSync(home()).sort()).toEqual(["big", "k8s-network-lab-s1.yml"]);
    expect(existsSync(path.join(home(), "big"))).toBe(true);
    // Restored from the archive, the names are the students' exact bytes.
    const out = path.join(root, "restore");
    mkdirSync(out);
    spawnSync("tar", ["-xzf", archive!, "-C", out]);
    const restored = readdirSync(Buffer.from(path.join(out, "home")), { encoding: "buffer" })
      .map((b) => b.toString("latin1"))
      .sort();
    expect(restored).toEqual([...HOSTILE.map((h) => h.toString("latin1")), "sparse"].sort());
  });

  it("the decoder keeps trailing newlines and leading dashes", () => {
    const names = [Buffer.from("x\n\n"), Buffer.from("-n")].map((b) => b.toString("base64"));
    expect(bash(`${DECODE_NAMES}\nfor n in "\${names[@]}"; do printf '<%s>' "$n"; done`, names)).toBe("<x\n\n><-n>");
  });
});
