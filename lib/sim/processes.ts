/** Long-running processes of the simulation: started detached (they outlive `netlab sim up`), tracked by pid files. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { sleep } from "./exec";

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ProcessDir {
  constructor(readonly dir: string) {
    mkdirSync(path.join(dir, "logs"), { recursive: true });
    mkdirSync(path.join(dir, "pids"), { recursive: true });
  }

  log(name: string): string {
    return path.join(this.dir, "logs", `${name}.log`);
  }

  private pidFile(name: string): string {
    return path.join(this.dir, "pids", `${name}.pid`);
  }

  /** pid of a running process started under this name, or undefined. */
  pid(name: string): number | undefined {
    const file = this.pidFile(name);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
  }

  /** Starts `argv` unless it already runs; output appends to logs/<name>.log. */
  start(name: string, argv: readonly string[]): number {
    const running = this.pid(name);
    if (running) return running;
    const out = openSync(this.log(name), "a");
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", out, out] });
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${argv[0]}`);
    child.unref();
    writeFileSync(this.pidFile(name), String(child.pid));
    return child.pid;
  }

  /** Stops a process: TERM, then KILL after a grace period. No-op when it does not run. */
  async stop(name: string, graceMs = 5000): Promise<void> {
    const pid = this.pid(name);
    if (pid) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      for (let waited = 0; pidAlive(pid) && waited < graceMs; waited += 100) await sleep(100);
      if (pidAlive(pid)) process.kill(pid, "SIGKILL");
      for (let i = 0; pidAlive(pid) && i < 50; i++) await sleep(100);
    }
    rmSync(this.pidFile(name), { force: true });
  }

  /** The last lines of a process's log, for error messages. */
  tail(name: string, lines = 12): string {
    const file = this.log(name);
    return existsSync(file) ? readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no log)";
  }
}
