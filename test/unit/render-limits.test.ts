/**
 * lib/render/limits.ts: a node step travels as one shell argument, which Linux caps at 131072 bytes
 * (MAX_ARG_STRLEN). The bytes counted are the quoted script's, UTF-8, plus room for the words around it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCommandLines, MAX_ARG_BYTES } from "../../lib/render/limits";
import { BenchConfigError } from "../../lib/spec/problems";

/** The plain characters shellQuote leaves as they are: a script of them is counted byte for byte. */
const plain = (n: number) => "a".repeat(n);
/** The largest plain script that still fits: the limit less the 512 bytes kept for sudo, bash and the arguments. */
const FITS = MAX_ARG_BYTES - 512;

const host = (name: string, ...scripts: string[]) => ({ node: { name }, steps: scripts.map((script, i) => ({ file: `${i}0-step.sh`, script })) });

function refusal(hosts: Parameters<typeof checkCommandLines>[0]): BenchConfigError {
  try {
    checkCommandLines(hosts);
  } catch (e) {
    if (e instanceof BenchConfigError) return e;
    throw e;
  }
  throw new Error("expected the plan to be refused");
}

describe("checkCommandLines", () => {
  it("is Linux's MAX_ARG_STRLEN: 32 pages of 4 KiB", () => {
    expect(MAX_ARG_BYTES).toBe(32 * 4096);
  });

  it("accepts a plan with no steps and a script exactly at the limit", () => {
    expect(() => checkCommandLines([])).not.toThrow();
    expect(() => checkCommandLines([host("controller"), host("compute1", plain(FITS))])).not.toThrow();
  });

  it("refuses one byte more, naming the host and the step file and giving the size", () => {
    const e = refusal([host("controller", "echo ok"), host("compute1", plain(FITS + 1))]);
    expect(e.problems).toEqual([
      {
        field: "hosts.compute1.00-step.sh",
        message:
          `the step's command line would be ${MAX_ARG_BYTES + 1} bytes, over Linux's 131072-byte limit for one argument; ` +
          "shorten the long values it carries (images.*, network.clusterDomain, nodeRoot)",
      },
    ]);
    expect(e.message.startsWith("Invalid bench plan:\n - hosts.compute1.00-step.sh: ")).toBe(true);
  });

  it("counts the quoting: every single quote in the script costs five bytes once quoted", () => {
    // 2 surrounding quotes plus 5 per ' ('"'"').
    const quotes = Math.floor((FITS - 2) / 5);
    expect(() => checkCommandLines([host("controller", "'".repeat(quotes))])).not.toThrow();
    expect(refusal([host("controller", "'".repeat(quotes + 1))]).problems[0]!.message).toContain(`would be ${2 + 5 * (quotes + 1) + 512} bytes`);
  });

  it("counts UTF-8 bytes, not characters", () => {
    // "é" is 2 bytes and needs quoting: n of them take 2n + 2 bytes, though only n characters.
    expect(() => checkCommandLines([host("controller", "é".repeat(FITS / 2 - 1))])).not.toThrow();
    const e = refusal([host("controller", "é".repeat(FITS / 2))]);
    expect(e.problems[0]!.message).toContain(`would be ${FITS + 2 + 512} bytes`);
  });

  it("reports every oversized step of every host at once, in order, and only those", () => {
    const big = plain(FITS + 10);
    const e = refusal([host("controller", "true", big), host("compute1", big), host("compute2", "true"), host("compute3", big, big)]);
    expect(e.problems.map((p) => p.field)).toEqual([
      "hosts.controller.10-step.sh",
      "hosts.compute1.00-step.sh",
      "hosts.compute3.00-step.sh",
      "hosts.compute3.10-step.sh",
    ]);
  });

  it("property: a plain script is refused exactly when its length passes the limit less 512", () => {
    fc.assert(
      fc.property(fc.integer({ min: FITS - 64, max: FITS + 64 }), (n) => {
        const refused = (() => {
          try {
            checkCommandLines([host("compute2", plain(n))]);
            return false;
          } catch (e) {
            if (!(e instanceof BenchConfigError)) throw e;
            return true;
          }
        })();
        expect(refused).toBe(n > FITS);
      }),
      { numRuns: 40 },
    );
  });
});
