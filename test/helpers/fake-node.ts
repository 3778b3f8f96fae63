/**
 * Runs functions of a rendered node step under bash, with NETLAB_ROOT in a temporary directory (every file a step
 * names is under it) and fake commands first on PATH: each fake appends "name arg..." to a log and runs a few
 * lines of sh for its canned output.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";

/** What one run printed and how it ended. */
export interface FakeRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Drops the dispatch on $1 at the end of a rendered script, leaving its variables and functions. */
export function stepFunctions(script: string): string {
  return script.replace(/^case "\$\{1:-\}" in.*$/m, "");
}

/** Every fake node's root, removed after the test file that made it (each file imports this module afresh). */
const roots: string[] = [];
afterAll(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

export class FakeNode {
  /** The node's NETLAB_ROOT. */
  public readonly root: string;
  private readonly bin: string;
  private readonly log: string;

  constructor(prefix: string) {
    this.root = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    roots.push(this.root);
    this.bin = path.join(this.root, ".fake-bin");
    this.log = path.join(this.root, ".fake-calls");
    mkdirSync(this.bin);
  }

  /** A fake `name`: logs its arguments, then runs `sh` (which sees them as "$@"). */
  fake(name: string, sh = ""): this {
    writeFileSync(path.join(this.bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>'${this.log}'\n${sh}\n`, { mode: 0o755 });
    return this;
  }

  /** Each fake's call, in order: "kubeadm token list --kubeconfig ...". */
  calls(): string[] {
    return existsSync(this.log)
      ? readFileSync(this.log, "utf8")
          .split("\n")
          .filter((l) => l !== "")
      : [];
  }

  /** Runs `code` after the step's functions (`script`, already redirected where needed), NETLAB_ROOT set to the root. */
  run(script: string, code: string, o: { env?: Record<string, string>; input?: string } = {}): FakeRun {
    const r = spawnSync("bash", ["-c", `${stepFunctions(script)}\nNETLAB_ROOT=${this.root}\n${code}`], {
      encoding: "utf8",
      input: o.input ?? "",
      env: { ...process.env, ...o.env, PATH: `${this.bin}:${process.env.PATH}` },
      timeout: 20_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
}
