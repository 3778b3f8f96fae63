/**
 * The SSH runner against a real sshd on 127.0.0.1: the private key never lands on disk (not even when the
 * process is killed), a step that refuses its input (EPIPE) or floods its output fails alone; one connection
 * per node (an OpenSSH master) carries every command, the pinned host key still decides, and a killed process
 * leaves no master, agent or socket behind.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSsh } from "../../lib/remote/ssh";
import { sshMuxDir } from "../../lib/remote/ssh-master";
import { probeSsh } from "../../lib/remote/ssh-probe";
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
const keyBody = () =>
  sshd.connection.privateKey
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("");

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

/** Command lines of running processes that mention `text` (a master names its control socket). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    const cmdline = readIfThere(`/proc/${pid}/cmdline`).split("\0").join(" ");
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
  }
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

  it("runs every command on a node over one connection, more at once than sshd's MaxSessions included", async () => {
    const before = sshd.logins();
    const outs = await Promise.all(Array.from({ length: 14 }, (_, i) => runSsh(sshd.connection, `sleep 0.2; echo ${i}`, undefined)));
    expect(outs).toEqual(Array.from({ length: 14 }, (_, i) => `${i}\n`));
    for (let i = 0; i < 5; i++) expect(await runSsh(sshd.connection, "echo again", undefined)).toBe("again\n");
    expect(sshd.logins() - before, "logins for 19 commands").toBeLessThanOrEqual(1);
    const dir = sshMuxDir()!;
    expect(statSync(dir).mode & 0o777, "the control sockets' directory is private").toBe(0o700);
    expect(readdirSync(dir).filter((f) => f.endsWith(".s"))).toHaveLength(1);
  });

  it("opens connections with the node's limits: connect (banner included) and unanswered-liveness time", async () => {
    const slow = { ...sshd.connection, connectTimeout: 100, aliveTimeout: 450 };
    process.env.NETLAB_SSH_MUX = "0";
    try {
      // Without a master the command's own ssh carries the options: seen while it runs.
      const running = runSsh(slow, "sleep 2; echo slow", undefined);
      await new Promise((r) => setTimeout(r, 700));
      // Found by its own command: another bench's steps on this machine (timeouts.scale 10) run with these options too.
      const ssh = processesMentioning("ConnectTimeout=100").filter((p) => p.includes("sleep 2; echo slow"));
      expect(ssh, "the running ssh").toHaveLength(1);
      expect(ssh[0]).toContain("ServerAliveInterval=15 -o ServerAliveCountMax=30");
      expect(await running).toBe("slow\n");
    } finally {
      delete process.env.NETLAB_SSH_MUX;
    }
  });

  it("NETLAB_SSH_MUX=0: one connection per command", async () => {
    const before = sshd.logins();
    process.env.NETLAB_SSH_MUX = "0";
    try {
      for (let i = 0; i < 3; i++) expect(await runSsh(sshd.connection, "echo direct", undefined)).toBe("direct\n");
    } finally {
      delete process.env.NETLAB_SSH_MUX;
    }
    expect(sshd.logins() - before).toBe(3);
  });

  it("refuses another host key for the same node while a master for it is up (a master per pinned key)", async () => {
    expect(await runSsh(sshd.connection, "echo pinned", undefined)).toBe("pinned\n");
    const other = { ...sshd.connection, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherHostKeyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" };
    await expect(runSsh(other, "echo must-not-run", undefined)).rejects.toThrow(/^testnode \(.*\): ssh connection failed: [\s\S]*Host key verification failed/);
    expect(await runSsh(sshd.connection, "echo still-pinned", undefined)).toBe("still-pinned\n");
  });

  it("a master whose connection dropped is replaced: the next command still runs", async () => {
    expect(await runSsh(sshd.connection, "echo up", undefined)).toBe("up\n");
    // The server side of every connection ends (as when a node reboots); the listener stays.
    const pid = readFileSync(path.join(sshd.dir, "sshd.pid"), "utf8").trim();
    spawn("pkill", ["-KILL", "-P", pid], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await runSsh(sshd.connection, "echo back", undefined)).toBe("back\n");
  });

  it("probes asked at once of one node run in one session, each with its own output, exactly", async () => {
    const commands = ["echo $$", "printf 'no newline'", "true", "printf 'a=1\\nb=2\\n\\n'", "echo $$", "cat; echo read-nothing"];
    const outs = await Promise.all(commands.map((c) => probeSsh(sshd.connection, c)));
    expect(outs[0]).toMatch(/^\d+\n$/);
    expect(outs[4], "the same shell ran both: one session").toBe(outs[0]);
    expect(outs.slice(1, 4)).toEqual(["no newline", "", "a=1\nb=2\n\n"]);
    expect(outs[5], "a probe reads nothing of the batch's input").toBe("read-nothing\n");
    const alone = await runSsh(sshd.connection, "echo $$", undefined);
    expect(alone, "a command on its own is its own session").not.toBe(outs[0]);
  });

  it("a probe that fails in a batch fails with its own error; the others in it succeed", async () => {
    const [ok, bad, alsoOk] = await Promise.allSettled([
      probeSsh(sshd.connection, "echo fine"),
      probeSsh(sshd.connection, "echo broken >&2; exit 4"),
      probeSsh(sshd.connection, "echo also-fine"),
    ]);
    expect(ok).toEqual({ status: "fulfilled", value: "fine\n" });
    expect(alsoOk).toEqual({ status: "fulfilled", value: "also-fine\n" });
    expect(bad.status).toBe("rejected");
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/testnode \(.*\): step exited 4: broken/);
  });

  it("a probe of another host key is not batched with the pinned one's: it is refused", async () => {
    const other = { ...sshd.connection, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherHostKeyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" };
    const [good, bad] = await Promise.allSettled([probeSsh(sshd.connection, "echo pinned"), probeSsh(other, "echo must-not-run")]);
    expect(good).toEqual({ status: "fulfilled", value: "pinned\n" });
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/Host key verification failed/);
  });

  it.each(["SIGKILL", "SIGTERM", "SIGINT"] as const)("leaves no key behind when killed with %s mid-step, and its agent and master die", async (signal) => {
    const tmp = mkdtempSync(path.join(ownTmp, "killed-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "children", "ssh-child.ts")], {
        env: { ...process.env, TMPDIR: tmp, NETLAB_TEST_CONNECTION: JSON.stringify(sshd.connection) },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const [socket, muxDir] = await new Promise<[string, string]>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
          const m = /^ready (\S+) (\S+)/.exec(d.toString());
          if (m) resolve([m[1]!, m[2]!]);
        });
        child.on("exit", () => reject(new Error("child exited early")));
      });
      await new Promise((r) => setTimeout(r, 700)); // the ssh client is connected and running `sleep 60`
      expect(filesWithKey(tmp)).toEqual([]);
      const masters = processesMentioning(muxDir).filter((p) => /^\d+: ssh -M /.test(p));
      expect(masters, "the node's master runs").toHaveLength(1);
      // It holds no pipe at all (the callers' stdout and stderr are pipes): its streams are /dev/null or its log.
      for (const m of masters) {
        const pid = m.split(":")[0]!;
        const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return "";
          }
        });
        expect(
          fds.filter((f) => f.startsWith("pipe:")),
          `pipes held by ${m}`,
        ).toEqual([]);
      }
      child.kill(signal);
      await new Promise((r) => child.on("exit", r));
      const gone = () => !existsSync(socket) && !existsSync(muxDir) && processesMentioning(muxDir).length === 0;
      for (let i = 0; i < 100 && !gone(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(socket), "the agent's socket is gone: the agent died with its process").toBe(false);
      expect(existsSync(muxDir), "the control sockets' directory is gone").toBe(false);
      expect(processesMentioning(muxDir), "no master (nor its watcher) left").toEqual([]);
      expect(filesWithKey(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
