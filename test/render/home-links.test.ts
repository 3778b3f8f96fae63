/**
 * Links planted in the lab user's home are never followed by the root-run node steps: the real helpers of
 * scripts/node (lib.sh, home.sh, 40-kubeadm-init.sh's install_user_kubeconfig) run with bash, as root, in a
 * temporary root, with two lab accounts: an unprivileged one (here "nobody": the writes run as it), and root
 * standing in for it as on a simulated node (its id/setpriv/chown from lib/sim/node/bin): link-safe writes alone.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NODE_SCRIPT_DIR } from "../../lib/render/load";
import { SIM_NODE_BIN } from "../../lib/sim/node-env";

const LAB_USER = "nobody";
let root: string;
let victim: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "netlab-home-"));
  chmodSync(root, 0o755);
  mkdirSync(path.join(root, "home", LAB_USER), { recursive: true });
  spawnSync("chown", [`${LAB_USER}:`, path.join(root, "home", LAB_USER)]);
  // What a planted link points at: root's files, which a root-run step must never touch.
  victim = path.join(root, "victim");
  mkdirSync(victim, { mode: 0o755 });
  writeFileSync(path.join(victim, "shadow"), "root-only\n", { mode: 0o600 });
  writeFileSync(path.join(victim, "config"), "root-only\n", { mode: 0o600 });
  mkdirSync(path.join(root, "etc", "kubernetes"), { recursive: true });
  writeFileSync(path.join(root, "etc", "kubernetes", "admin.conf"), "apiVersion: v1\nkind: Config\n", { mode: 0o600 });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The lab user's account: its own (unprivileged), or root standing in for it (a simulated node's commands). */
type Account = "unprivileged" | "root";

/** Runs `body` in bash with the node helpers loaded, as a step would, the lab user's writes made as `account`. */
function run(account: Account, body: string): { status: number | null; stderr: string } {
  const sim = {
    PATH: `${SIM_NODE_BIN}:${process.env.PATH}`,
    NETLAB_SIM_ROOT: root,
    NETLAB_SIM_STATE: path.join(root, ".sim"),
    NETLAB_SIM_PATH: process.env.PATH ?? "",
    NETLAB_SIM_LAB_USER: LAB_USER,
    NETLAB_SIM_NODE: "controller",
  };
  const script = [
    `NETLAB_NODE=controller NETLAB_STEP=test NETLAB_ROOT=${root} NETLAB_LAB_USER=${LAB_USER}`,
    readFileSync(path.join(NODE_SCRIPT_DIR, "lib.sh"), "utf8"),
    readFileSync(path.join(NODE_SCRIPT_DIR, "home.sh"), "utf8"),
    readFileSync(path.join(NODE_SCRIPT_DIR, "40-kubeadm-init.sh"), "utf8"),
    body,
  ].join("\n");
  const r = spawnSync("bash", ["-c", script, "test"], { encoding: "utf8", env: account === "root" ? { ...process.env, ...sim } : process.env });
  return { status: r.status, stderr: r.stderr };
}

const home = (...p: string[]) => path.join(root, "home", LAB_USER, ...p);
const victimUntouched = () => {
  expect(readFileSync(path.join(victim, "shadow"), "utf8")).toBe("root-only\n");
  expect(readFileSync(path.join(victim, "config"), "utf8")).toBe("root-only\n");
  expect(statSync(path.join(victim, "shadow")).uid).toBe(0);
  expect(readdirSync(victim).sort()).toEqual(["config", "shadow"]);
};

describe.each(["unprivileged", "root"] as const)("lab user's home, written as a %s account", (target) => {
  it("install_user_kubeconfig replaces planted links instead of writing through them", () => {
    symlinkSync(victim, home(".kube"));
    symlinkSync(path.join(victim, "shadow"), home("admin.conf"));
    const r = run(target, "install_user_kubeconfig");
    expect(r.status, r.stderr).toBe(0);
    victimUntouched();
    expect(lstatSync(home(".kube")).isDirectory()).toBe(true);
    expect(lstatSync(home("admin.conf")).isFile()).toBe(true);
    expect(readFileSync(home(".kube", "config"), "utf8")).toBe("apiVersion: v1\nkind: Config\n");
    expect(statSync(home("admin.conf")).mode & 0o777).toBe(0o600);
    expect(statSync(home("admin.conf")).uid === 0).toBe(target === "root"); // written as the lab user
  });

  it("put_user_file over a link to a root file leaves the file alone", () => {
    symlinkSync(path.join(victim, "shadow"), home("k8s-network-lab-s1.yml"));
    const r = run(target, 'put_user_file k8s-network-lab-s1.yml "kind: Pod"');
    expect(r.status, r.stderr).toBe(0);
    victimUntouched();
    expect(readFileSync(home("k8s-network-lab-s1.yml"), "utf8")).toBe("kind: Pod\n");
  });

  it("a home that is itself a link is refused, nothing written", () => {
    rmSync(home(), { recursive: true });
    symlinkSync(victim, home());
    const r = run(target, 'put_user_file k8s-network-lab-s1.yml "kind: Pod"');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("is not a real directory (a planted link?)");
    victimUntouched();
  });

  it("remove_user_file never removes through a linked directory", () => {
    symlinkSync(victim, home(".kube"));
    const r = run(target, "remove_user_file .kube/config; remove_user_file admin.conf");
    expect(r.status, r.stderr).toBe(0);
    victimUntouched();
  });
});

describe("archive_student_files (the destroy path)", () => {
  it("is root's only (0700 directory, 0600 archive) and leaves the kubeconfigs out", () => {
    writeFileSync(home("notes.txt"), "student work\n");
    mkdirSync(home(".kube"));
    writeFileSync(home(".kube", "config"), "admin credentials\n");
    writeFileSync(home("admin.conf"), "admin credentials\n");
    const r = run("unprivileged", "archive_student_files");
    expect(r.status, r.stderr).toBe(0);
    const dest = path.join(root, "var", "backups", "netlab");
    expect(statSync(dest).mode & 0o777).toBe(0o700);
    const [archive] = readdirSync(dest);
    expect(statSync(path.join(dest, archive!)).mode & 0o777).toBe(0o600);
    const list = spawnSync("tar", ["-tzf", path.join(dest, archive!)], { encoding: "utf8" }).stdout.split("\n");
    expect(list).toContain("./notes.txt");
    expect(list.filter((e) => /admin\.conf|\.kube/.test(e))).toEqual([]);
    expect(existsSync(home("admin.conf"))).toBe(true);
  });
});
