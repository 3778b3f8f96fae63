/** The one kubectl runner (lib/remote/kubectl.ts), with a fake kubectl first on PATH. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubectlAt } from "../../lib/remote/kubectl";

const bin = mkdtempSync(path.join(os.tmpdir(), "fake-kubectl-"));
const FAKE = ["#!/bin/sh", 'case "$2" in', "slow) sleep 5 ;;", 'bad) echo "error: pods \\"x\\" not found" >&2; exit 1 ;;', '*) echo "$@" ;;', "esac", ""];
writeFileSync(path.join(bin, "kubectl"), FAKE.join("\n"));
chmodSync(path.join(bin, "kubectl"), 0o755);
const savedPath = process.env.PATH;
process.env.PATH = `${bin}:${savedPath}`;
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

describe("kubectl runner", () => {
  const kubectl = kubectlAt("/tmp/some-kubeconfig");

  it("passes the bench's kubeconfig first and resolves stdout", async () => {
    expect(await kubectl(["get", "pods"])).toBe("--kubeconfig=/tmp/some-kubeconfig get pods\n");
  });

  it("rejects with kubectl's own error", async () => {
    await expect(kubectl(["bad"])).rejects.toThrow('kubectl bad: error: pods "x" not found');
  });

  it("says a run stopped at its time limit timed out (kubectl printed no reason of its own)", async () => {
    const answer = await kubectl.answer(["slow"], { timeoutMs: 1000 });
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/^timed out after 1 s: /);
    await expect(kubectl(["slow"], { timeoutMs: 1000 })).rejects.toThrow(/^kubectl slow: timed out after 1 s/);
  });
});
