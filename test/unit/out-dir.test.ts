/**
 * lib/render/out-dir.ts: `netlab render --out DIR` writes a whole render or nothing, and never into a file or a
 * directory of someone's other files. Each case works in its own temporary directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkOutDir, RENDER_MARKER, renderInto } from "../../lib/render/out-dir";
import { BenchConfigError } from "../../lib/spec/problems";

let base: string;
beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), "netlab-out-dir-"));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** The refusal `run` throws: its single problem, and the whole message. */
function refusal(run: () => unknown): { field: string; message: string; text: string } {
  try {
    run();
  } catch (e) {
    if (!(e instanceof BenchConfigError)) throw e;
    expect(e.problems).toHaveLength(1);
    return { ...e.problems[0]!, text: e.message };
  }
  throw new Error("expected a refusal");
}

const write = (file: string, text = "x") => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

describe("checkOutDir", () => {
  it("accepts a new directory, an empty one and a previous render, resolving to an absolute path", () => {
    const fresh = path.join(base, "a", "b", "render");
    expect(checkOutDir(fresh)).toBe(fresh);
    expect(existsSync(fresh)).toBe(false); // checking creates nothing
    mkdirSync(path.join(base, "empty"));
    expect(checkOutDir(path.join(base, "empty"))).toBe(path.join(base, "empty"));
    write(path.join(base, "old", RENDER_MARKER));
    write(path.join(base, "old", "controller", "kubeadm.yaml"));
    expect(checkOutDir(path.join(base, "old"))).toBe(path.join(base, "old"));
    expect(checkOutDir(path.relative(process.cwd(), fresh))).toBe(fresh);
  });

  it("refuses a file, naming --out and the value as given", () => {
    write(path.join(base, "notes.txt"));
    const given = path.join(base, "notes.txt");
    const r = refusal(() => checkOutDir(given));
    expect(r.field).toBe("--out");
    expect(r.message).toBe(`${JSON.stringify(given)} is a file; give a directory (it is created if missing)`);
    expect(r.text).toBe(`Invalid render request:\n - --out: ${r.message}`);
  });

  it("refuses a path below a file, naming the file in the way", () => {
    write(path.join(base, "notes.txt"));
    const r = refusal(() => checkOutDir(path.join(base, "notes.txt", "sub", "render")));
    expect(r.message).toContain(`cannot be a directory: ${JSON.stringify(path.join(base, "notes.txt"))} is a file; give another --out`);
  });

  it("refuses a directory holding other files, even only a dotfile, and leaves them alone", () => {
    write(path.join(base, "home", "thesis.tex"), "chapter 1");
    expect(refusal(() => checkOutDir(path.join(base, "home"))).message).toContain("is a directory holding other files (not a previous render)");
    write(path.join(base, "dots", ".bashrc"));
    expect(() => checkOutDir(path.join(base, "dots"))).toThrow(BenchConfigError);
    expect(readFileSync(path.join(base, "home", "thesis.tex"), "utf8")).toBe("chapter 1");
  });
});

describe("renderInto", () => {
  it("fills a fresh directory, marks it as a render and returns fill's result", () => {
    const out = path.join(base, "nested", "render");
    let filled = "";
    const result = renderInto(out, (dir) => {
      filled = dir;
      expect(dir).not.toBe(out);
      expect(path.dirname(dir)).toBe(path.dirname(out)); // beside DIR, so the final rename stays on one file system
      write(path.join(dir, "controller", "kubeadm.yaml"), "kind: InitConfiguration\n");
      return 42;
    });
    expect(result).toBe(42);
    expect(readFileSync(path.join(out, "controller", "kubeadm.yaml"), "utf8")).toBe("kind: InitConfiguration\n");
    expect(existsSync(path.join(out, RENDER_MARKER))).toBe(true);
    expect(existsSync(filled)).toBe(false);
    expect(readdirSync(path.dirname(out))).toEqual(["render"]);
  });

  it("replaces a previous render whole: its old files are gone", () => {
    const out = path.join(base, "render");
    renderInto(out, (dir) => write(path.join(dir, "compute3", "old.yaml")));
    renderInto(out, (dir) => write(path.join(dir, "controller", "new.yaml")));
    expect(readdirSync(out).sort()).toEqual([RENDER_MARKER, "controller"].sort());
    expect(readdirSync(base)).toEqual(["render"]);
  });

  it("keeps the previous render and leaves nothing behind when fill throws", () => {
    const out = path.join(base, "render");
    renderInto(out, (dir) => write(path.join(dir, "controller", "kubeadm.yaml"), "first"));
    expect(() =>
      renderInto(out, (dir) => {
        write(path.join(dir, "controller", "kubeadm.yaml"), "half");
        throw new Error("template failed");
      }),
    ).toThrow("template failed");
    expect(readFileSync(path.join(out, "controller", "kubeadm.yaml"), "utf8")).toBe("first");
    expect(readdirSync(base)).toEqual(["render"]);
  });

  it("creates nothing at DIR when the first render fails", () => {
    const out = path.join(base, "render");
    expect(() =>
      renderInto(out, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(readdirSync(base)).toEqual([]);
  });

  it("refuses before calling fill when DIR holds other files", () => {
    write(path.join(base, "home", "thesis.tex"));
    let called = false;
    expect(() =>
      renderInto(path.join(base, "home"), () => {
        called = true;
      }),
    ).toThrow(BenchConfigError);
    expect(called).toBe(false);
    expect(readdirSync(path.join(base, "home"))).toEqual(["thesis.tex"]);
  });
});
