/** The fleet's engine output: each bench's whole output kept in its log as it streams, its last line as progress. */
import { readFileSync, rmSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { changedCount, engineLogPath, lineFeed, previousEngineLogPath } from "../../lib/fleet/ops";

describe("lineFeed", () => {
  const stack = `unit-fleet-ops-${process.pid}`;

  it("appends every chunk to the bench's log (0600) and reports each chunk's last non-empty line; a new run starts the log afresh, the run before kept", () => {
    const file = engineLogPath(stack, "up");
    const previous = previousEngineLogPath(stack, "up");
    try {
      const lines: string[] = [];
      const feed = lineFeed(stack, "up", (l) => lines.push(l));
      feed("Updating (vm-room27-bench42)\n");
      feed("  + netlab:host:SshStep compute1-runtime creating (12s)\n\n");
      feed("   \n");
      expect(lines).toEqual(["Updating (vm-room27-bench42)", "+ netlab:host:SshStep compute1-runtime creating (12s)"]);
      expect(readFileSync(file, "utf8")).toBe("Updating (vm-room27-bench42)\n  + netlab:host:SshStep compute1-runtime creating (12s)\n\n   \n");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      lineFeed(stack, "up", () => {})("second run\n");
      expect(readFileSync(file, "utf8")).toBe("second run\n");
      expect(readFileSync(previous, "utf8")).toContain("compute1-runtime creating");
      lineFeed(stack, "up", () => {})("third run\n");
      expect(readFileSync(previous, "utf8")).toBe("second run\n");
      expect(statSync(previous).mode & 0o777).toBe(0o600);
      expect(engineLogPath(stack, "preview")).not.toBe(file);
    } finally {
      rmSync(file, { force: true });
      rmSync(previous, { force: true });
    }
  });

  it("counts every change but the unchanged", () => {
    expect(changedCount({ same: 40, create: 2, update: 1 })).toBe(3);
    expect(changedCount(undefined)).toBe(0);
  });
});
