/**
 * Where the Go-built toolchain lives (toolchain/versions.env, built by `npm run toolchain`) and the environment
 * that runs Pulumi offline with it: no plugin download, no update check.
 */
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "../repo";

export function toolchainRoot(): string {
  return process.env.NETLAB_TOOLCHAIN_DIR ?? path.join(os.homedir(), ".cache", "k8s-netlab", "toolchain");
}

export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(path.join(REPO, "toolchain", "versions.env"), "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split("=", 2) as [string, string]),
  );
}

/** The toolchain's components: cache directory name -> the binaries it must hold. */
function components(v: Record<string, string>): Record<string, string[]> {
  return {
    // The CLI's bin also holds the Node.js language host and the dynamic-provider shim.
    [`pulumi-${v.PULUMI_VERSION}`]: ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"],
    [`pulumi-resource-kubernetes-${v.PULUMI_KUBERNETES_VERSION}`]: ["pulumi-resource-kubernetes"],
    [`kubernetes-${v.KUBERNETES_VERSION}`]: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubeadm"],
    [`etcd-${v.ETCD_VERSION}`]: ["etcd"],
    [`kwok-${v.KWOK_VERSION}`]: ["kwok"],
  };
}

export interface Toolchain {
  readonly root: string;
  /** bin directories, in PATH order. */
  readonly binDirs: string[];
  /** The bin directories that go on PATH: not the providers' (Pulumi would take a provider on PATH over the plugin cache). */
  readonly pathDirs: string[];
  /** Directory holding bin/pulumi, for the Automation API's PulumiCommand. */
  readonly pulumiRoot: string;
  readonly pulumiHome: string;
  bin(name: string): string;
}

/** The built toolchain, or an error saying exactly what is missing and how to build it. */
export function requireToolchain(): Toolchain {
  const root = toolchainRoot();
  const v = pinnedVersions();
  const missing: string[] = [];
  const binDirs: string[] = [];
  const where = new Map<string, string>();
  for (const [dir, bins] of Object.entries(components(v))) {
    const binDir = path.join(root, dir, "bin");
    if (!existsSync(path.join(root, dir, ".complete"))) missing.push(dir);
    binDirs.push(binDir);
    for (const b of bins) where.set(b, path.join(binDir, b));
  }
  if (missing.length > 0) {
    throw new Error(`the Go-built toolchain is incomplete in ${root} (missing: ${missing.join(", ")}); build it with \`npm run toolchain\``);
  }
  return {
    root,
    binDirs,
    pathDirs: binDirs.filter((d) => !/pulumi-resource-/.test(d)),
    pulumiRoot: path.join(root, `pulumi-${v.PULUMI_VERSION}`),
    pulumiHome: path.join(root, "pulumi-home"),
    bin(name: string) {
      const file = where.get(name);
      if (!file) throw new Error(`no ${name} in the toolchain`);
      return file;
    },
  };
}

/** Environment for the Pulumi CLI, its language host and providers: offline, from the toolchain. */
export function pulumiEnv(t: Toolchain): Record<string, string> {
  return {
    PATH: [...t.pathDirs, path.dirname(process.execPath), process.env.PATH ?? ""].join(":"),
    PULUMI_HOME: t.pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}
