/** `netlab render` with a bad --out or a hostile stack file: exit 1, one clear message, no stack trace, nothing written. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../lib/repo";

const netlab = path.join(REPO, "bin", "netlab");
const render = (...args: string[]) => spawnSync(netlab, ["render", ...args], { encoding: "utf8" });
const noTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |Error:/);

// Each case runs the CLI a few times (a few seconds each on a loaded machine).
describe("netlab render --out", { timeout: 120_000 }, () => {
  it("refuses a file as --out, leaving it as it was", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "render-out-")), "out");
    writeFileSync(file, "mine\n");
    const r = render("--room", "30", "--bench", "7", "--out", file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(` - --out: ${JSON.stringify(file)} is a file; give a directory (it is created if missing)`);
    noTrace(r.stderr);
    expect(readFileSync(file, "utf8")).toBe("mine\n");
  });

  it("refuses an --out under a file, and a directory of other files", () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "render-out-"));
    writeFileSync(path.join(base, "f"), "");
    const under = render("--room", "30", "--bench", "7", "--out", path.join(base, "f", "x"));
    expect(under.status).toBe(1);
    expect(under.stderr).toContain(`cannot be a directory: ${JSON.stringify(path.join(base, "f"))} is a file`);
    const r = render("--room", "30", "--bench", "7", "--out", base);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is a directory holding other files (not a previous render); give a new or empty directory");
    expect(readdirSync(base)).toEqual(["f"]);
  });

  it("replaces a previous render as a whole, and leaves no temporary directory", () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "render-out-"));
    const out = path.join(base, "r");
    expect(render("--room", "30", "--bench", "7", "--out", out).status).toBe(0);
    writeFileSync(path.join(out, "hosts", "stale"), "");
    const again = render("--room", "31", "--bench", "7", "--out", out);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(path.join(out, "hosts", "stale"))).toBe(false);
    expect(readFileSync(path.join(out, "hosts", "compute3", "netplan.yaml"), "utf8")).toContain("10.31.7.42/24");
    expect(readdirSync(base)).toEqual(["r"]);
  });

  it("a hostile stack file: exit 1, its exact line, nothing written", () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "render-out-")), "r");
    const fixture = path.join(REPO, "test", "fixtures", "hostile", "leading-zero-port.yaml");
    const expected = readFileSync(fixture, "utf8").split("\n")[0]!.slice("# expect: ".length);
    const r = render("--config", fixture, "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")).toContain(` - ${expected}`);
    noTrace(r.stderr);
    expect(existsSync(out)).toBe(false);
  });
});
