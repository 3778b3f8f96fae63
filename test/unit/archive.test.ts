/**
 * lib/reset/archive.ts: the reset's archive is made on the controller, copied here, verified (sha256 and every
 * planned entry) and only then may the archived home entries go. The node here is a temporary directory used as
 * the bench's nodeRoot; its "SSH" runs the reset's real scripts with local bash, so the archive is a real tar.gz.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO } from "../../lib/repo";
import type { BenchAccess, NodeShellOptions } from "../../lib/remote/bench-access";
import { localArchivePath, makeVerifiedArchive, remoteArchiveDir, removeArchivedFiles, timestamp, type ArchiveInfo } from "../../lib/reset/archive";
import { planReset, ResetLevel, type HomeEntry, type ListedObject } from "../../lib/reset/plan";
import { labHome } from "../../lib/spec/nodes";
import { specFor } from "../helpers/spec";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
const scratch = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "netlab-archive-"));
  roots.push(dir);
  return dir;
};

interface Call {
  readonly node: string;
  readonly argv: readonly string[];
  readonly opts?: NodeShellOptions;
}
type Answer = (argv: readonly string[], stdin: string | undefined) => Promise<string>;

/** Runs argv here, feeding stdin; resolves stdout, rejects with stderr on failure. */
const runHere: Answer = (argv, stdin) =>
  new Promise((resolve, reject) => {
    const child = execFile(argv[0]!, argv.slice(1), { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr || err.message));
      else resolve(stdout);
    });
    child.stdin!.end(stdin ?? "");
  });

/** A bench whose controller's files live under a temporary root, and whose SSH calls are recorded and answered by `answer`. */
function localBench(answer: Answer = runHere) {
  const root = scratch();
  const spec = specFor(27, 4, { nodeRoot: root });
  const calls: Call[] = [];
  const access = {
    spec,
    ssh: (node: string, argv: readonly string[], opts?: NodeShellOptions) => {
      calls.push({ node, argv, opts });
      return answer(argv, opts?.stdin);
    },
  } as unknown as BenchAccess;
  return { root, spec, calls, access, home: labHome(spec) };
}

/** A student ConfigMap in default, and a home with the lab's files, the account's dotfiles and the students' files. */
const OBJECTS: ListedObject[] = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "student-cm", namespace: "default", uid: "u1", managedFields: [{ manager: "kubectl-create" }] } },
];
const TAB = "tab\\x09name"; // a name holding a tab, as plans show it
const LATIN1 = "caf\\xe9"; // a name whose byte 0xe9 is not UTF-8
const HOME: HomeEntry[] = [
  { name: "admin.conf", type: "file" },
  { name: ".bashrc", type: "file" },
  { name: "capture-1.pcap", type: "file" },
  { name: "notes", type: "dir" },
  { name: TAB, type: "file" },
  { name: LATIN1, type: "file" },
];
const plan = planReset({ level: ResetLevel.Workloads, objects: OBJECTS, home: HOME });

function fillHome(home: string): void {
  mkdirSync(path.join(home, "notes"), { recursive: true });
  for (const f of ["admin.conf", ".bashrc", "capture-1.pcap", "notes/inside.txt", "tab\tname"]) writeFileSync(path.join(home, f), `${f}\n`);
  writeFileSync(Buffer.concat([Buffer.from(`${home}/caf`), Buffer.from([0xe9])]), "latin-1 name\n");
}

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const mode = (p: string) => statSync(p).mode & 0o777;
const untar = (archive: string, entry: string) => execFileSync("tar", ["-xzOf", archive, `./${entry}`], { encoding: "utf8" });

describe("archive names and places", () => {
  it("stamps file names in UTC to the second", () => {
    expect(timestamp(new Date("2025-03-01T14:15:02.987Z"))).toBe("20250301T141502Z");
    expect(timestamp(new Date("1999-12-31T23:59:59Z"))).toBe("19991231T235959Z");
  });

  it("property: stamps sort as the times do, and equal seconds give equal stamps", () => {
    const when = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true });
    fc.assert(
      fc.property(when, when, (a, b) => {
        const [sa, sb] = [Math.floor(a.getTime() / 1000), Math.floor(b.getTime() / 1000)];
        expect(Math.sign(timestamp(a).localeCompare(timestamp(b)))).toBe(Math.sign(sa - sb));
        expect(timestamp(a)).toMatch(/^\d{8}T\d{6}Z$/);
      }),
    );
  });

  it("keeps local copies per bench under the checkout's .netlab/archives", () => {
    expect(localArchivePath("room27-bench4", "20250301T141502Z")).toBe(path.join(REPO, ".netlab", "archives", "room27-bench4", "20250301T141502Z.tar.gz"));
  });

  it("puts the controller's archives in /var/backups/netlab, under the node's root when there is one", () => {
    expect(remoteArchiveDir(specFor(27, 4))).toBe("/var/backups/netlab");
    expect(remoteArchiveDir(specFor(27, 4, { nodeRoot: "/srv/nodes/r27" }))).toBe("/srv/nodes/r27/controller/var/backups/netlab");
  });
});

/** One real archive of a filled home, made by the first test that asks for it and shared by the tests below. */
const bench = localBench();
const remote = `${remoteArchiveDir(bench.spec)}/reset-20250301T141502Z.tar.gz`;
const local = path.join(scratch(), "archives", "room27-bench4", "20250301T141502Z.tar.gz");
const notes: [string, string][] = [];
let archive: Promise<ArchiveInfo> | undefined;
const made = (): Promise<ArchiveInfo> => {
  if (!archive) {
    fillHome(bench.home);
    archive = makeVerifiedArchive(bench.access, plan, OBJECTS, { bench: "room27-bench4" }, remote, local, (s, d) => notes.push([s, d]));
  }
  return archive;
};

describe("makeVerifiedArchive with the real scripts", () => {
  it("plans to archive the students' objects and files only", () => {
    expect(plan.removeFiles).toEqual(["caf\\xe9", "capture-1.pcap", "notes", "tab\\x09name"]);
  });

  it("returns the copy's path, size and sha256, equal to the controller's file", async () => {
    const info = await made();
    const bytes = readFileSync(local);
    expect(info).toMatchObject({ remote, local, bytes: bytes.length, sha256: sha(bytes) });
    expect(readFileSync(remote).equals(bytes)).toBe(true);
    expect(readdirSync(path.dirname(local))).toEqual([path.basename(local)]); // no .tmp left
  });

  it("keeps both copies private: 0600 files in 0700 directories", async () => {
    await made();
    expect([mode(local), mode(path.dirname(local)), mode(remote), mode(path.dirname(remote))]).toEqual([0o600, 0o700, 0o600, 0o700]);
  });

  it("lists every planned entry, names with a tab or a non-UTF-8 byte in tar's escaped form, and no kept file", async () => {
    const { entries } = await made();
    for (const want of [
      "reset-plan.json",
      "objects/configmap-student-cm.yaml",
      "home/capture-1.pcap",
      "home/notes",
      "home/notes/inside.txt",
      "home/tab\\tname",
      "home/caf\\351",
      "home-removal/since",
      "home-removal/dirs",
    ]) {
      expect(entries, want).toContain(want);
    }
    expect(entries.filter((e) => e.startsWith("./") || e.endsWith("/"))).toEqual([]);
    expect(entries).not.toContain("home/admin.conf");
    expect(entries).not.toContain("home/.bashrc");
  });

  it("holds the plan with its meta, and the object's YAML without managedFields", async () => {
    await made();
    const saved = JSON.parse(untar(local, "reset-plan.json")) as { bench: string; plan: { removeFiles: string[] } };
    expect(saved.bench).toBe("room27-bench4");
    expect(saved.plan.removeFiles).toEqual(plan.removeFiles);
    const cm = parse(untar(local, "objects/configmap-student-cm.yaml")) as ListedObject;
    expect(cm.metadata).toEqual({ name: "student-cm", namespace: "default", uid: "u1" });
    expect(untar(local, "home/notes/inside.txt")).toBe("notes/inside.txt\n");
  });

  it("runs every step as root on the controller and notes both steps", async () => {
    const info = await made();
    expect(bench.calls.map((c) => [c.node, c.opts?.root])).toEqual([
      ["controller", true],
      ["controller", true],
    ]);
    expect(notes.map(([step]) => step)).toEqual(["archive", "archive-copy"]);
    expect(notes[0]![1]).toBe(`${remote} on controller (${info.bytes} bytes)`);
    expect(notes[1]![1]).toContain(`(${info.bytes} bytes, sha256 verified, ${info.entries.length} entries)`);
  });
});

describe("removeArchivedFiles after that archive", () => {
  it("removes what the archive holds, keeping whatever changed after it", async () => {
    const info = await made();
    appendFileSync(path.join(bench.home, "capture-1.pcap"), "more packets\n");
    writeFileSync(path.join(bench.home, "notes", "later.txt"), "written after the archive\n");
    const result = await removeArchivedFiles(bench.access, info, plan.removeFiles);
    expect(result.removed).toEqual(["caf\\xe9", "tab\\x09name"]);
    expect(result.kept.sort()).toEqual(["capture-1.pcap", "notes/later.txt"]);
    expect(result.more).toBe(0);
    expect(readdirSync(bench.home).sort()).toEqual([".bashrc", "admin.conf", "capture-1.pcap", "notes"]);
    expect(readdirSync(path.join(bench.home, "notes"))).toEqual(["later.txt"]);
  });
});

describe("makeVerifiedArchive refuses a copy it cannot trust", () => {
  const remoteOf = (b: ReturnType<typeof localBench>) => `${remoteArchiveDir(b.spec)}/reset-x.tar.gz`;
  const attempt = (b: ReturnType<typeof localBench>, local: string) => makeVerifiedArchive(b.access, plan, OBJECTS, {}, remoteOf(b), local, () => undefined);

  it("stops at an answer that is not the archive it asked for", async () => {
    const odd = localBench(async () => "/elsewhere/reset-x.tar.gz 0123 10\n");
    await expect(attempt(odd, path.join(scratch(), "a.tar.gz"))).rejects.toThrow(/^archive on controller: unexpected answer "\/elsewhere/);
    expect(odd.calls).toHaveLength(1);
    const noSha = localBench(async () => `${remoteOf(noSha)} notasha 10\n`);
    await expect(attempt(noSha, path.join(scratch(), "a.tar.gz"))).rejects.toThrow(/unexpected answer/);
  });

  it("stops when the copy's sha256 differs, writing no local copy", async () => {
    const wrong = "0".repeat(64);
    const b = localBench(async (argv) => (argv[3] === "netlab-reset-archive" ? `${remoteOf(b)} ${wrong} 5\n` : Buffer.from("hello").toString("base64")));
    const local = path.join(scratch(), "copy", "a.tar.gz");
    await expect(attempt(b, local)).rejects.toThrow(`sha256 ${sha(Buffer.from("hello"))} differs from the controller's ${wrong}; nothing was deleted`);
    expect(existsSync(local)).toBe(false);
  });

  it("stops when the archive lacks a planned entry, naming each missing one", async () => {
    const stage = scratch();
    writeFileSync(path.join(stage, "reset-plan.json"), "{}\n");
    const tarball = path.join(scratch(), "partial.tar.gz");
    execFileSync("tar", ["-czf", tarball, "-C", stage, "."]);
    const bytes = readFileSync(tarball);
    const b = localBench(async (argv) => (argv[3] === "netlab-reset-archive" ? `${remoteOf(b)} ${sha(bytes)} ${bytes.length}\n` : bytes.toString("base64")));
    const local = path.join(scratch(), "a.tar.gz");
    const error = await attempt(b, local).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message.startsWith(`archive ${local} lacks `)).toBe(true);
    expect(error?.message.endsWith("home-removal/since, home-removal/dirs; nothing was deleted")).toBe(true);
    // Every planned entry but the plan itself is named, once (the object's YAML is both generated and planned).
    for (const p of ["objects/configmap-student-cm.yaml", "home/caf\\xe9", "home/capture-1.pcap", "home/notes", "home/tab\\x09name"]) {
      expect((error?.message ?? "").split(` ${p},`).length - 1, p).toBe(1);
    }
    expect(error?.message).not.toContain("reset-plan.json");
  });
});

describe("removeArchivedFiles without entries", () => {
  it("asks the controller nothing when no home entry is to go", async () => {
    const b = localBench(() => Promise.reject(new Error("no call expected")));
    const info = { remote: "/x.tar.gz", local: "/y.tar.gz", entries: [], sha256: "", bytes: 0 };
    expect(await removeArchivedFiles(b.access, info, [])).toEqual({ removed: [], kept: [], more: 0 });
    expect(b.calls).toEqual([]);
  });
});
