/**
 * The SSH runner against a real sshd on 127.0.0.1: the private key never lands on disk (not even when the
 * process is killed), a step that refuses its input (EPIPE) or floods its output fails alone.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSsh } from "../../lib/remote/ssh";
import { startSshd, type TestSshd } from "../helpers/sshd";

let sshd: TestSshd;
/** This process's temporary directory, where the runner would have written a key file. */
let ownTmp: string;
beforeAll(async () => {
  sshd = await startSshd();
  ownTmp = mkdtempSync(path.join(os.tmpdir(), "netlab-runner-"));
  process.env.TMPDIR = ownTmp;
});
afterAll(() => {
  sshd?.stop();
  rmSync(ownTmp, { recursive: true, force: true });
});

/** The private key's base64 body, as it would appear in any file holding it. */
const keyBody = () => sshd.connection.privateKey.split("\n").filter((l) => l && !l.startsWith("-----")).join("");

/** A file's text, or "" when it was removed since it was listed. */
function readIfThere(p: string): string {
  try {
    return readFileSync(p, "latin1");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw e;
  }
}

/** Every regular file under `dir` whose content holds the key (a line of its body is enough). */
function filesWithKey(dir: string): string[] {
  const needle = keyBody().slice(0, 60);
  const found: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (e) {
      // an agent's directory may be removed by its agent while we walk (it does so as it exits)
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const name of names) {
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && st.size < 1 << 20 && readIfThere(p).includes(needle)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

describe("SSH runner", () => {
  it("runs a step with the key only in an agent: no file holds it, during or after", async () => {
    expect(await runSsh(sshd.connection, "echo hello", undefined)).toBe("hello\n");
    const running = runSsh(sshd.connection, "sleep 1; echo done", undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(readdirSync(ownTmp).length, "the runner's files are there").toBeGreaterThan(0);
    expect(filesWithKey(ownTmp)).toEqual([]);
    expect(await running).toBe("done\n");
    expect(filesWithKey(ownTmp)).toEqual([]);
  });

  it("a step that exits without reading 1 MiB of input fails alone, with its exit status (no EPIPE crash)", async () => {
    const big = "x".repeat(1 << 20);
    await expect(runSsh(sshd.connection, "exit 3", big)).rejects.toThrow(/^testnode \(.*\): step exited 3/);
    await expect(runSsh(sshd.connection, "exit 0", big)).resolves.toBe("");
    expect(await runSsh(sshd.connection, "echo still-alive", undefined)).toBe("still-alive\n");
  });

  it("a step flooding its output fails alone; steps running beside it succeed", async () => {
    const flood = runSsh(sshd.connection, "head -c 100000000 /dev/zero", undefined, { maxOutputBytes: 1 << 20 });
    const beside = runSsh(sshd.connection, "sleep 0.5; echo fine", undefined);
    await expect(flood).rejects.toThrow(/testnode \(.*\): the step printed more than 1048576 bytes; stopped/);
    expect(await beside).toBe("fine\n");
  });

  it.each(["SIGKILL", "SIGTERM", "SIGINT"] as const)("leaves no key behind when killed with %s mid-step, and its agent dies", async (signal) => {
    const tmp = mkdtempSync(path.join(ownTmp, "killed-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "children", "ssh-child.ts")], {
        env: { ...process.env, TMPDIR: tmp, NETLAB_TEST_CONNECTION: JSON.stringify(sshd.connection) },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const socket = await new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
          const m = /^ready (\S+)/.exec(d.toString());
          if (m) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error("child exited early")));
      });
      await new Promise((r) => setTimeout(r, 700)); // the ssh client is connected and running `sleep 60`
      expect(filesWithKey(tmp)).toEqual([]);
      child.kill(signal);
      await new Promise((r) => child.on("exit", r));
      for (let i = 0; i < 100 && existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(socket), "the agent's socket is gone: the agent died with its process").toBe(false);
      expect(filesWithKey(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
