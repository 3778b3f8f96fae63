/**
 * The one way netlab runs kubectl: against one bench only, with its kubeconfig rebuilt by `safeKubeconfig` and
 * kept in a private temporary file (never the user's ~/.kube/config), arguments as a vector, and kubectl's own
 * stderr in the error.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { safeKubeconfig } from "./kubeconfig";

export interface KubectlOptions {
  /** Kill kubectl after this long. @default no limit (kubectl's own --timeout flags apply) */
  readonly timeoutMs?: number;
}

export interface KubectlAnswer {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** The failure when kubectl could not run or exited non-zero. */
  readonly error?: string;
}

/** kubectl against one bench: resolves stdout, rejects with kubectl's error; `answer` never rejects for kubectl's failure. */
export interface Kubectl {
  (args: readonly string[], opts?: KubectlOptions): Promise<string>;
  answer(args: readonly string[], opts?: KubectlOptions): Promise<KubectlAnswer>;
}

/** kubectl with a kubeconfig already on disk (one netlab wrote and checked). */
export function kubectlAt(file: string): Kubectl {
  const answer = (args: readonly string[], opts: KubectlOptions = {}) =>
    new Promise<KubectlAnswer>((resolve) => {
      execFile("kubectl", [`--kubeconfig=${file}`, ...args], { maxBuffer: 256 << 20, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
        // A run stopped at its time limit says so: kubectl printed nothing yet to say why it failed.
        const error = err && err.killed ? `timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s: ${err.message}` : err?.message;
        resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr), ...(error ? { error } : {}) });
      });
    });
  const run = async (args: readonly string[], opts: KubectlOptions = {}) => {
    const r = await answer(args, opts);
    if (!r.ok) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim() || r.error}`);
    return r.stdout;
  };
  return Object.assign(run, { answer });
}

export interface KubeconfigFile {
  readonly kubectl: Kubectl;
  /** Removes the temporary kubeconfig. */
  close(): void;
}

/** Writes a bench's kubeconfig (given as text) to a private temporary file until `close`. */
export function openKubeconfig(kubeconfig: string): KubeconfigFile {
  // Rebuilt: an output written before kubeconfigs were checked may still carry a planted credential plugin.
  const safe = safeKubeconfig(kubeconfig);
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-kc-"));
  const file = path.join(dir, "config");
  writeFileSync(file, safe, { mode: 0o600 });
  return { kubectl: kubectlAt(file), close: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `use` with kubectl against the bench whose kubeconfig is given as text; the temporary file goes afterwards. */
export async function withKubectl<T>(kubeconfig: string, use: (kubectl: Kubectl) => Promise<T>): Promise<T> {
  const file = openKubeconfig(kubeconfig);
  try {
    return await use(file.kubectl);
  } finally {
    file.close();
  }
}
