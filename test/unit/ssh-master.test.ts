/** A node's master carries at most MUX_SESSIONS sessions at once (under sshd's MaxSessions); the others wait their turn. */
import { describe, expect, it } from "vitest";
import { inSlot, type Master } from "../../lib/remote/ssh-master";

const master = (): Master => ({ socket: "s", identity: "i", knownHosts: "k", running: 0, waiting: [] });

describe("session slots", () => {
  it("runs 8 sessions at once on a master, the rest in the order they came, each slot freed when its session ends", async () => {
    const m = master();
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const sessions = Array.from({ length: 12 }, (_, i) =>
      inSlot(m, async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await new Promise<void>((r) => releases.push(r));
        running--;
        return i;
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(m.waiting).toHaveLength(4);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await Promise.all(sessions)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(most).toBe(8);
    expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect([m.running, m.waiting.length]).toEqual([0, 0]);
  });

  it("frees the slot of a session that fails", async () => {
    const m = master();
    const failed = await Promise.allSettled(Array.from({ length: 9 }, () => inSlot(m, () => Promise.reject(new Error("session failed")))));
    expect(failed.map((f) => f.status)).toEqual(Array(9).fill("rejected"));
    expect(m.running).toBe(0);
    await expect(inSlot(m, async () => "next")).resolves.toBe("next");
  });
});
