/**
 * The reset's archive: made on the controller, copied to the instructor's machine and verified there (same sha256,
 * every planned entry listed), and the removal of exactly the home entries it holds. Both copies are private:
 * mode 0600 in a 0700 directory (the archive may hold the students' Secrets).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { NETLAB_DIR } from "../engine/workspace";
import type { BenchAccess } from "../remote/bench-access";
import { controllerOf, labHome, nodeRoot } from "../spec/nodes";
import type { BenchSpec } from "../spec/types";
import { nameBytes, tarEscape } from "./names";
import type { ListedObject, ResetPlan } from "./plan";
import { generatedFiles, HOME_REMOVAL_ENTRIES, MAKE_ARCHIVE, parseRemoval, REMOVE_ARCHIVED, runScript } from "./scripts";

export interface ArchiveInfo {
  /** On the controller (its real path; in simulation the path under the sim root). */
  readonly remote: string;
  /** On the instructor's machine. */
  readonly local: string;
  /** Entries of the archive (tar -tzf of the local copy), or the planned ones in a dry run. */
  readonly entries: string[];
  /** sha256 of the archive (empty in a dry run). */
  readonly sha256: string;
  readonly bytes: number;
}

type Note = (step: string, detail: string) => void;

/** UTC time stamp for file names, e.g. 20250301T141502Z. */
export function timestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The local copy's path: .netlab/archives/<benchId>/<timestamp>.tar.gz. */
export function localArchivePath(benchId: string, stamp: string): string {
  return path.join(NETLAB_DIR, "archives", benchId, `${stamp}.tar.gz`);
}

/** The controller's archive directory as the node sees it (the sim root prefixed in simulation). */
export function remoteArchiveDir(spec: BenchSpec): string {
  return `${nodeRoot(spec, controllerOf(spec).name)}/var/backups/netlab`;
}

function localRun(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

const base64Names = (names: readonly string[]) => names.map((n) => nameBytes(n).toString("base64"));

/**
 * Makes the archive on the controller, copies it here and verifies the copy; throws (nothing deleted yet) when
 * anything differs. `objects`: the listing the plan's objects come from.
 */
export async function makeVerifiedArchive(
  access: BenchAccess,
  plan: ResetPlan,
  objects: readonly ListedObject[],
  meta: Record<string, unknown>,
  remote: string,
  local: string,
  note: Note,
): Promise<ArchiveInfo> {
  const { spec } = access;
  const controller = controllerOf(spec);
  const generated = generatedFiles(plan, objects, meta);
  const stdin = generated.map(([rel, text]) => `${rel}\t${Buffer.from(text).toString("base64")}\n`).join("");
  const args = [labHome(spec), remoteArchiveDir(spec), path.basename(remote), ...base64Names(plan.removeFiles)];
  const made = (await runScript(access, controller.name, "netlab-reset-archive", MAKE_ARCHIVE, args, stdin)).trim().split(" ");
  const [remotePath, remoteSha, remoteBytes] = [made[0] ?? "", made[1] ?? "", Number(made[2])];
  if (remotePath !== remote || !/^[0-9a-f]{64}$/.test(remoteSha)) {
    throw new Error(`archive on ${controller.name}: unexpected answer ${JSON.stringify(made.join(" "))}`);
  }
  note("archive", `${remote} on ${controller.name} (${remoteBytes} bytes)`);

  const encoded = await runScript(access, controller.name, "netlab-reset-fetch", `base64 -w0 -- "$1"`, [remote], undefined, { maxOutputBytes: 512 << 20 });
  const bytes = Buffer.from(encoded.trim(), "base64");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== remoteSha) throw new Error(`archive copy of ${remote}: sha256 ${sha256} differs from the controller's ${remoteSha}; nothing was deleted`);
  mkdirSync(path.dirname(local), { recursive: true, mode: 0o700 });
  writeFileSync(`${local}.tmp`, bytes, { mode: 0o600 });
  renameSync(`${local}.tmp`, local);
  // Listed with every byte escaped, one entry per line whatever the names hold; compared in the same escape.
  const entries = (await localRun("env", ["LC_ALL=C", "tar", "--quoting-style=escape", "-tzf", local]))
    .split("\n")
    .map((e) => e.replace(/^\.\//, "").replace(/\/$/, ""))
    .filter((e) => e !== "" && e !== ".");
  const asListed = (p: string) => (p.startsWith("home/") ? `home/${tarEscape(nameBytes(p.slice(5)))}` : p);
  const planned = [...generated.map(([rel]) => rel), ...plan.archive.map((a) => a.path), ...(plan.removeFiles.length > 0 ? HOME_REMOVAL_ENTRIES : [])];
  const expected = [...new Set(planned)];
  const missing = expected.filter((p) => !entries.includes(asListed(p)));
  if (missing.length > 0) throw new Error(`archive ${local} lacks ${missing.join(", ")}; nothing was deleted`);
  note("archive-copy", `${path.relative(process.cwd(), local)} (${bytes.length} bytes, sha256 verified, ${entries.length} entries)`);
  return { remote, local, entries, sha256, bytes: bytes.length };
}

export interface HomeRemoval {
  /** Top-level entries now gone. */
  readonly removed: string[];
  /** Paths left in place because they were written or changed after the archive (the next reset archives them). */
  readonly kept: string[];
  /** Kept paths beyond those listed. */
  readonly more: number;
}

/** Removes from the lab user's home what the verified archive holds, and nothing written since. */
export async function removeArchivedFiles(access: BenchAccess, archive: ArchiveInfo, names: readonly string[]): Promise<HomeRemoval> {
  if (names.length === 0) return { removed: [], kept: [], more: 0 };
  const { spec } = access;
  const out = await runScript(access, controllerOf(spec).name, "netlab-reset-remove", REMOVE_ARCHIVED, [
    labHome(spec),
    archive.remote,
    archive.sha256,
    ...base64Names(names),
  ]);
  const { gone, kept, more } = parseRemoval(out);
  return { removed: names.filter((n) => gone.includes(n)), kept, more };
}
