/** Stack files under test/fixtures: each invalid one lists the error lines it must produce (# expect: ...). */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseBenchSpec } from "../../lib/spec/parse";
import { BenchConfigError } from "../../lib/spec/problems";
import { readStackConfig } from "../../lib/spec/source";

const dir = path.join(__dirname, "..", "fixtures");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("stack config fixtures", () => {
  it("has valid and invalid fixtures", () => {
    expect(files.filter((f) => f.startsWith("valid-")).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.startsWith("invalid-")).length).toBeGreaterThan(2);
  });

  it.each(files.filter((f) => f.startsWith("invalid-")))("%s reports its expected lines", (file) => {
    const expected = readFileSync(path.join(dir, file), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("# expect: "))
      .map((l) => l.slice(10));
    expect(expected.length).toBeGreaterThan(0);
    let error: unknown;
    try {
      parseBenchSpec(readStackConfig(path.join(dir, file)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BenchConfigError);
    const lines = (error as BenchConfigError).message.split("\n");
    for (const want of expected)
      expect(
        lines.some((l) => l.startsWith(` - ${want}`)),
        `missing " - ${want}" in\n${lines.join("\n")}`,
      ).toBe(true);
  });

  it("the valid fixture parses, secure values count as present", () => {
    const spec = parseBenchSpec(readStackConfig(path.join(dir, "valid-room30-bench7-tagged.yaml")));
    expect(spec.nodes[1]!.provider).toMatchObject({ address: "10.30.7.22", device: "enp1s0f2.3" });
  });
});
