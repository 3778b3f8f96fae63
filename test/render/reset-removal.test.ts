/**
 * A reset removes from the student's home exactly what its archive holds: whatever is written between the archive
 * and the removal stays. The real scripts (MAKE_ARCHIVE, then REMOVE_ARCHIVED) run with bash as root on a home in
 * a temporary directory; the old removal (`rm -rf` of every archived top-level entry) fails this test.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nameBytes } from "../../lib/reset/names";
import { MAKE_ARCHIVE, parseRemoval, REMOVE_ARCHIVED } from "../../lib/reset/scripts";

let root: string;
const home = (...p: string[]) => path.join(root, "home", ...p);
const bash = (script: string, args: string[], stdin = "") =>
  execFileSync("bash", ["-c", `set -euo pipefail\n${script}`, "test", ...args], { input: stdin, encoding: "utf8", timeout: 60_000 });
const b64 = (names: string[]) => names.map((n) => nameBytes(n).toString("base64"));
const archived = (archive: string) => execFileSync("tar", ["-tzf", archive], { encoding: "utf8" }).split("\n").filter(Boolean);

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "netlab-reset-removal-"));
  mkdirSync(home("notes", "week1", "empty"), { recursive: true });
  writeFileSync(home("notes", "a.txt"), "archived\n");
  writeFileSync(home("notes", "week1", "b.txt"), "archived\n");
  writeFileSync(home("capture.pcap"), "archived\n");
  writeFileSync(home("answers.txt"), "first draft\n");
  symlinkSync("/etc/hostname", home("link"));
  writeFileSync(home("k8s-network-lab-s1.yml"), "lab\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("removal of the archived home entries", () => {
  it("takes what the archive holds and keeps what was written after it", () => {
    const names = ["answers.txt", "capture.pcap", "link", "notes"];
    const [archive, sha] = bash(MAKE_ARCHIVE, [home(), path.join(root, "backups"), "reset.tar.gz", ...b64(names)])
      .trim()
      .split(" ");
    expect(archived(archive!)).toEqual(
      expect.arrayContaining(["./home/notes/a.txt", "./home/notes/week1/b.txt", "./home/capture.pcap", "./home-removal/since", "./home-removal/dirs"]),
    );

    // Between the archive and the removal, a student goes on working.
    writeFileSync(home("notes", "late.txt"), "written after the archive\n");
    appendFileSync(home("answers.txt"), "second draft, after the archive\n");
    mkdirSync(home("notes", "week1", "new-empty"));
    writeFileSync(home("new-top.txt"), "a new entry\n");

    const out = parseRemoval(bash(REMOVE_ARCHIVED, [home(), archive!, sha!, ...b64(names)]));
    // Archived and untouched: gone (a directory only once it is empty).
    expect(existsSync(home("capture.pcap"))).toBe(false);
    expect(existsSync(home("link"))).toBe(false);
    expect(existsSync(home("notes", "a.txt"))).toBe(false);
    expect(existsSync(home("notes", "week1", "b.txt"))).toBe(false);
    expect(existsSync(home("notes", "week1", "empty"))).toBe(false);
    // Written or changed after the archive: still there, as written.
    expect(readFileSync(home("notes", "late.txt"), "utf8")).toBe("written after the archive\n");
    expect(readFileSync(home("answers.txt"), "utf8")).toBe("first draft\nsecond draft, after the archive\n");
    expect(existsSync(home("notes", "week1", "new-empty"))).toBe(true);
    expect(existsSync(home("new-top.txt"))).toBe(true);
    expect(existsSync(home("k8s-network-lab-s1.yml"))).toBe(true);
    expect(out.gone.sort()).toEqual(["capture.pcap", "link"]);
    expect(out.kept.sort()).toEqual(["answers.txt", "notes/late.txt", "notes/week1/new-empty"]);
    expect(out.more).toBe(0);
    // The archive still has the first draft: nothing was lost either way.
    expect(execFileSync("tar", ["-xzOf", archive!, "./home/answers.txt"], { encoding: "utf8" })).toBe("first draft\n");
  });

  it("removes nothing when the archive is not the one verified", () => {
    const [archive] = bash(MAKE_ARCHIVE, [home(), path.join(root, "backups"), "reset.tar.gz", ...b64(["notes"])])
      .trim()
      .split(" ");
    expect(() => bash(REMOVE_ARCHIVED, [home(), archive!, "0".repeat(64), ...b64(["notes"])])).toThrow(/is not the archive verified/);
    expect(existsSync(home("notes", "a.txt"))).toBe(true);
  });

  it("an entry gone before the removal is reported gone, not an error", () => {
    const [archive, sha] = bash(MAKE_ARCHIVE, [home(), path.join(root, "backups"), "reset.tar.gz", ...b64(["capture.pcap", "notes"])])
      .trim()
      .split(" ");
    rmSync(home("capture.pcap"));
    const out = parseRemoval(bash(REMOVE_ARCHIVED, [home(), archive!, sha!, ...b64(["capture.pcap", "notes"])]));
    expect(out).toEqual({ gone: ["notes"], kept: [], more: 0 });
  });
});
