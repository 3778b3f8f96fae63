/** Pid files of the VM bench's daemons, with a real process: owned, not owned, stale, and stopped. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pidFromFile, stopByPidFile } from "../../lib/vm/pid-file";

const dir = mkdtempSync(path.join(tmpdir(), "pid-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MARK = "netlab-pid-file-test";
const ours = (argv: readonly string[]) => argv.includes(MARK);

describe("pid files", () => {
  it("name a running daemon only while it is the one they were written for, and stop it", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", MARK], { stdio: "ignore" });
    const file = path.join(dir, "daemon.pid");
    writeFileSync(file, `${child.pid}\n`);
    await new Promise((r) => setTimeout(r, 300));
    expect(pidFromFile(file, ours)).toBe(child.pid);
    expect(pidFromFile(file, (argv) => argv.includes("someone-else"))).toBeUndefined();
    const exited = new Promise((r) => child.on("exit", r));
    expect(await stopByPidFile(file, ours)).toBe(child.pid);
    await exited;
    expect(existsSync(file)).toBe(false);
    expect(pidFromFile(file, ours)).toBeUndefined();
  });

  it("read a stale or garbled file as not running", () => {
    const file = path.join(dir, "stale.pid");
    writeFileSync(file, "999999999\n");
    expect(pidFromFile(file, ours)).toBeUndefined();
    writeFileSync(file, "not a pid\n");
    expect(pidFromFile(file, () => true)).toBeUndefined();
  });
});
