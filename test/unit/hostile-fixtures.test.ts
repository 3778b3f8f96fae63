/**
 * The corpus of hostile stack files (test/fixtures/hostile): each is refused with exactly the lines it lists
 * (`# expect: <field>: <message>`, `<file>` standing for its path), nothing more, the same way by `render` (no
 * access material needed) and by `up` (which also needs the key and host keys).
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseBenchSpec } from "../../lib/spec/parse";
import { BenchConfigError } from "../../lib/spec/problems";
import { readStackConfig } from "../../lib/spec/source";

const dir = path.join(__dirname, "..", "fixtures", "hostile");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function problemLines(file: string, requireAccess: boolean): string[] {
  try {
    parseBenchSpec(readStackConfig(file), { requireAccess });
  } catch (e) {
    if (e instanceof BenchConfigError) return e.problems.map((p) => `${p.field}: ${p.message}`.replaceAll(file, "<file>"));
    throw e;
  }
  return [];
}

describe("hostile stack files", () => {
  it("cover every category of the issue", () => {
    expect(files.length).toBeGreaterThanOrEqual(28);
  });

  it.each(files)("%s is refused with exactly its expected lines", (name) => {
    const file = path.join(dir, name);
    const expected = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("# expect: "))
      .map((l) => l.slice("# expect: ".length));
    expect(expected.length).toBeGreaterThan(0);
    expect(problemLines(file, false)).toEqual(expected);
    // `up` reports the same lines (plus what only provisioning needs).
    const up = problemLines(file, true);
    for (const line of expected) expect(up).toContain(line);
  });

  it("no message echoes a private key", () => {
    for (const name of files) {
      for (const line of problemLines(path.join(dir, name), true)) expect(line).not.toMatch(/BEGIN OPENSSH|b3BlbnNzaC1rZXkt/);
    }
  });
});
