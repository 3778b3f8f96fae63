/**
 * The bundle on a node: the files the node lacks (by the sums it reports) streamed as a tar over the pinned SSH
 * connection into a fresh directory beside what it keeps, every file checked against the manifest's sha256 before
 * it replaces the previous bundle. A node that already holds this bundle (same digest) is sent nothing; a refresh
 * reads the node's digest, so a bundle removed or changed on the node is drift that `up` repairs.
 */
import * as pulumi from "@pulumi/pulumi";
import { NODE_BUNDLE_DIR } from "../lib/render/steps";
import { asRoot, shellJoin, shellQuote } from "../lib/render/shell";
import { runSsh, type SshConnection } from "../lib/remote/ssh";
import { probeSsh } from "../lib/remote/ssh-probe";
import { connectionChanged } from "./ssh-step";

export interface BundlePushInputs {
  node: string;
  connection: pulumi.Input<SshConnection>;
  /** Where the bundle is on this machine (not compared: another instructor's path is the same bundle). */
  localDir: string;
  /** Names exactly the files this node holds (a worker is not sent the control plane's images). */
  digest: string;
  /** The files sent, relative to the bundle. */
  files: string[];
  /** `sha256sum -c` lines of those files. */
  sums: string;
  /** Where the bundle goes on the node, as its SSH sessions name it: NODE_BUNDLE_DIR under the node's root. */
  remoteDir: string;
}

export interface BundlePushState extends Omit<BundlePushInputs, "connection" | "remoteDir"> {
  connection: SshConnection;
  /** Absent from the state of a push made before it was an input: that bundle is at NODE_BUNDLE_DIR. */
  remoteDir?: string;
  observedDigest?: string;
}

/** The bundle's directory on the node, quoted for the scripts below. */
function dirOf(s: BundlePushState): string {
  return shellQuote(s.remoteDir ?? NODE_BUNDLE_DIR);
}

/** As root on the node: the digest it holds, or "missing". */
function readDigest(s: BundlePushState): string {
  return root(s, `cat ${dirOf(s)}/.digest 2>/dev/null || echo missing`);
}

/** As root on the node: the sums of the files it holds (empty when it holds none). */
function readSums(s: BundlePushState): string {
  return root(s, `cat ${dirOf(s)}/.sums 2>/dev/null || true`);
}

/**
 * As root on the node: a new directory holding the files kept from the current bundle (hard links) and those on
 * standard input, every wanted file verified, nothing else left in it; then swapped in.
 */
function receive(s: BundlePushState): string {
  const dir = dirOf(s);
  return root(
    s,
    [
      "set -euo pipefail",
      `rm -rf ${dir}.new`,
      `mkdir -p ${dir}`,
      `cp -al ${dir} ${dir}.new`,
      `rm -f ${dir}.new/.digest ${dir}.new/.sums`,
      // No compression on the way: half of it (debs, image layers) is compressed already, and on a slow node the
      // gunzip of the stream cost more CPU than SSH spends on the bytes it would save.
      `tar -x -C ${dir}.new`,
      `cd ${dir}.new`,
      `printf '%s' ${shellJoin([s.sums])} >.sums.wanted`,
      // Whatever the wanted list does not name goes (an older version's files, a stamp of the previous bundle).
      `find . -type f ! -name .sums.wanted ! -name .held -printf '%P\\n' | sort >.held`,
      `sed 's/^[0-9a-f]*  //' .sums.wanted | sort | comm -23 .held - | while IFS= read -r f; do rm -f -- "$f"; done`,
      `sha256sum -c --quiet --strict .sums.wanted`,
      `mv .sums.wanted .sums`,
      `rm -f .held`,
      `printf '%s\\n' ${s.digest} >.digest`,
      `rm -rf ${dir}`,
      `mv ${dir}.new ${dir}`,
    ].join("\n"),
  );
}

function root(s: BundlePushState, script: string): string {
  return shellJoin(asRoot(s.connection.user, ["bash", "-c", script]));
}

/** The files the node lacks, by the sums it reports. */
export function missingFiles(files: readonly string[], wanted: string, held: string): string[] {
  const have = new Set(held.split("\n").filter(Boolean));
  const line = new Map(
    wanted
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(66), l]),
  );
  return files.filter((f) => !have.has(line.get(f) ?? ""));
}

/** Brings the node's bundle to `s.digest`, sending only what it lacks; returns the digest the node then holds. */
export async function pushBundle(s: BundlePushState): Promise<string> {
  if ((await runSsh(s.connection, readDigest(s), undefined)).trim() === s.digest) return s.digest;
  const send = missingFiles(s.files, s.sums, await runSsh(s.connection, readSums(s), undefined));
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  const tarArgs = ["-c", "-C", s.localDir, "--dereference", "--files-from=/dev/null", "--", ...send];
  const tar = () => spawn("tar", tarArgs, { stdio: ["ignore", "pipe", "inherit"] }).stdout!;
  await runSsh(s.connection, receive(s), tar);
  return (await runSsh(s.connection, readDigest(s), undefined)).trim();
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: BundlePushState) {
    const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
    return { id: randomUUID(), outs: { ...inputs, observedDigest: await pushBundle(inputs) } };
  },
  async read(id: string, props: BundlePushState) {
    return { id, props: { ...props, observedDigest: (await probeSsh(props.connection, readDigest(props))).trim() } };
  },
  async diff(_id: string, olds: BundlePushState, news: BundlePushState) {
    const changed =
      olds.digest !== news.digest ||
      olds.observedDigest !== news.digest ||
      olds.node !== news.node ||
      dirOf(olds) !== dirOf(news) ||
      connectionChanged(olds.connection, news.connection);
    return { changes: changed };
  },
  async update(_id: string, _olds: BundlePushState, news: BundlePushState) {
    return { outs: { ...news, observedDigest: await pushBundle(news) } };
  },
  async delete(_id: string, props: BundlePushState) {
    await runSsh(props.connection, root(props, `rm -rf ${dirOf(props)} ${dirOf(props)}.new`), undefined);
  },
};

export class BundlePush extends pulumi.dynamic.Resource {
  declare public readonly observedDigest: pulumi.Output<string>;

  constructor(name: string, args: BundlePushInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, observedDigest: undefined }, opts, "netlab", "BundlePush");
  }
}
