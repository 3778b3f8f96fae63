/**
 * lib/render/shell.ts: the one place an argument vector becomes a command line (SSH exec requests, `bash -c`).
 * Proved against the shells that read it: bash, and dash (Debian's /bin/sh, a POSIX shell), given the line as
 * bytes, print back exactly the bytes of each argument, whatever they hold: quotes, newlines, globs, expansions,
 * bytes that are not UTF-8, the empty string.
 */
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellAssignments, shellJoin, shellQuote } from "../../lib/render/shell";

const SHELLS = ["bash", "dash"] as const;

/** Runs `script` (bytes) in `shell` from its standard input and splits what it printed at NUL bytes. */
function run(shell: string, script: Buffer, locale = "C"): Buffer[] {
  const out = execFileSync(shell, ["-s"], { input: script, env: { PATH: process.env.PATH, HOME: "/nonexistent", LC_ALL: locale } });
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = out.indexOf(0); i !== -1; i = out.indexOf(0, start)) {
    parts.push(out.subarray(start, i));
    start = i + 1;
  }
  expect(out.subarray(start).length, "output ends with a NUL").toBe(0);
  return parts;
}

/** The arguments `shell` reads from the command line `printf '%s\0' <shellJoin(args)>`, as bytes. */
function readBack(shell: string, args: readonly string[], encoding: BufferEncoding, locale?: string): Buffer[] {
  return run(shell, Buffer.from(`printf '%s\\0' ${shellJoin(args)}\n`, encoding), locale);
}

/** A string whose characters are the bytes 0x00-0xff, for bytes that are not UTF-8 (written out as latin1). */
const bytes = (...b: number[]) => Buffer.from(b).toString("latin1");

const HOSTILE = [
  "",
  "'",
  "''",
  "it's",
  `'"'"'`,
  `"double" and 'single'`,
  "a\nb",
  "trailing newline\n",
  "\n",
  "tab\there",
  "a b  c",
  "$HOME",
  "${HOME}",
  "$(echo expanded)",
  "`id`",
  "*",
  "~",
  "-rf",
  "--",
  "\\",
  "back\\slash\\",
  "!event",
  "#not a comment",
  "a;b&&c||d|e>f<g",
  "{a,b}",
  "[ab]",
  "x=y",
];

describe("shellQuote", () => {
  it("leaves words of safe characters bare and quotes everything else", () => {
    expect(shellQuote("kubeadm")).toBe("kubeadm");
    expect(shellQuote("/etc/netplan/60-netlab.yaml")).toBe("/etc/netplan/60-netlab.yaml");
    expect(shellQuote("--service-cluster-ip-range=10.233.0.0/18")).toBe("--service-cluster-ip-range=10.233.0.0/18");
    expect(shellQuote("user@192.168.4.12:22,%+")).toBe("user@192.168.4.12:22,%+");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote("$HOME")).toBe("'$HOME'");
    expect(shellQuote("é")).toBe("'é'");
  });
});

describe("shellJoin round-trips through a real shell", () => {
  for (const shell of SHELLS) {
    it(`${shell}: quotes, newlines, expansions, globs, the empty string`, () => {
      const back = readBack(shell, HOSTILE, "utf8");
      expect(back.map((b) => b.toString("utf8"))).toEqual(HOSTILE);
    });

    it(`${shell}: bytes that are not UTF-8, every byte but NUL`, () => {
      const args = [bytes(0xff, 0xfe, 0x80, 0xc3), bytes(0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9), bytes(...Array.from({ length: 255 }, (_, i) => i + 1))];
      const back = readBack(shell, args, "latin1");
      expect(back).toEqual(args.map((a) => Buffer.from(a, "latin1")));
    });

    it(`${shell}: UTF-8 text, in the C locale and in a UTF-8 locale`, () => {
      const args = ["é", "naïve café", "€ 5", "😀", "日本語", "ß'ẞ"];
      for (const locale of ["C", "C.UTF-8"]) {
        expect(
          readBack(shell, args, "utf8", locale).map((b) => b.toString("utf8")),
          locale,
        ).toEqual(args);
      }
    });

    it(`${shell}: any argument vector (property)`, () => {
      const noNul = (s: string) => !s.includes("\0");
      fc.assert(
        fc.property(
          fc.array(fc.string({ unit: "binary", maxLength: 24 }).filter(noNul), { minLength: 1, maxLength: 6 }),
          fc.array(
            fc.uint8Array({ minLength: 0, maxLength: 16 }).map((a) => Buffer.from(a.filter((b) => b !== 0)).toString("latin1")),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
          (text, raw) => {
            expect(readBack(shell, text, "utf8")).toEqual(text.map((t) => Buffer.from(t, "utf8")));
            expect(readBack(shell, raw, "latin1")).toEqual(raw.map((r) => Buffer.from(r, "latin1")));
          },
        ),
        { numRuns: 30 },
      );
    });
  }

  it("the quoted words are one argument each: nothing is split, globbed, expanded or run", () => {
    const args = ["a b", "*", "$(echo injected)", ";", "echo", "injected"];
    expect(readBack("bash", args, "utf8").map((b) => b.toString())).toEqual(args);
  });

  it("an empty vector is an empty line", () => {
    expect(shellJoin([])).toBe("");
  });
});

describe("shellAssignments", () => {
  it("assigns each value verbatim: a shell that sources the lines reads back every value", () => {
    const vars = { NETLAB_PLAIN: "kube-router", NETLAB_EMPTY: "", NETLAB_YAML: "network:\n  version: 2\n", NETLAB_QUOTES: `it's "$HOME" \`id\`` };
    for (const shell of SHELLS) {
      const script = `${shellAssignments(vars)}\nprintf '%s\\0' "$NETLAB_PLAIN" "$NETLAB_EMPTY" "$NETLAB_YAML" "$NETLAB_QUOTES"\n`;
      expect(
        run(shell, Buffer.from(script)).map((b) => b.toString()),
        shell,
      ).toEqual(Object.values(vars));
    }
  });

  it("writes one NAME=value line per variable, in order", () => {
    expect(shellAssignments({ B: "2", A: "x y" })).toBe("B=2\nA='x y'");
    expect(shellAssignments({})).toBe("");
  });

  it.each(["lower", "1ABC", "A-B", "A B", "", "A=B", "$(id)"])("refuses %j as a variable name", (name) => {
    expect(() => shellAssignments({ [name]: "v" })).toThrow(`not a shell variable name: ${name}`);
  });
});
