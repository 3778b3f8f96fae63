/** `netlab vm down`'s stack clean-up: what a killed update leaves (its lock), the history and backups go too. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { STATE_DIR } from "../../lib/engine/workspace";
import { vmStackName } from "../../lib/vm/names";
import { removeVmStack } from "../../lib/vm/stack";

describe("removeVmStack", () => {
  it("removes a stale lock, the history and the backups of that stack only", async () => {
    const b = { room: 27, bench: 199 };
    const name = vmStackName(b);
    const pulumi = path.join(STATE_DIR, ".pulumi");
    const ours = [
      ["locks", "organization", "k8s-netlab", name],
      ["history", "k8s-netlab", name],
      ["backups", "k8s-netlab", name],
    ];
    const other = path.join(pulumi, "locks", "organization", "k8s-netlab", `${name}0`);
    for (const d of [...ours.map((p) => path.join(pulumi, ...p)), other]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, "entry.json"), "{}");
    }
    const lines: string[] = [];
    await removeVmStack(b, (l) => lines.push(l));
    for (const p of ours) expect(existsSync(path.join(pulumi, ...p)), p.join("/")).toBe(false);
    expect(existsSync(other), "another stack's lock stays").toBe(true);
    expect(lines).toEqual([]);
    rmSync(other, { recursive: true, force: true });
  });
});
