/**
 * The bundle on a node: a tar of this machine's bundle streamed over the pinned SSH connection into a fresh
 * directory, every file checked against the manifest's sha256 before it replaces the previous bundle. A node that
 * already holds this bundle (same digest) is not sent it again; a refresh reads the node's digest, so a bundle
 * removed or changed on the node is drift that `up` repairs.
 */
import * as pulumi from "@pulumi/pulumi";
import { NODE_BUNDLE_DIR } from "../lib/render/plan";
import { shellJoin } from "../lib/render/shell";
import { runSsh, type SshConnection } from "../lib/remote/ssh";

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
}

interface State extends Omit<BundlePushInputs, "connection"> {
  connection: SshConnection;
  observedDigest?: string;
}

/** As root on the node: the digest it holds, or "missing". */
function readDigest(s: State): string {
  return root(s, `cat ${NODE_BUNDLE_DIR}/.digest 2>/dev/null || echo missing`);
}

/** As root on the node: unpack standard input next to the bundle, verify it, then swap it in. */
function receive(s: State): string {
  const dir = NODE_BUNDLE_DIR;
  return root(s, [
    "set -euo pipefail", `rm -rf ${dir}.new`, `mkdir -p ${dir}.new`, `tar -x -C ${dir}.new`,
    `cd ${dir}.new`, `printf '%s' ${shellJoin([s.sums])} | sha256sum -c --quiet --strict -`,
    `printf '%s\\n' ${s.digest} >${dir}.new/.digest`, `rm -rf ${dir}`, `mv ${dir}.new ${dir}`,
  ].join("\n"));
}

function root(s: State, script: string): string {
  const sudo = s.connection.user === "root" ? [] : ["sudo", "-n", "--"];
  return shellJoin([...sudo, "bash", "-c", script]);
}

async function push(s: State): Promise<string> {
  if ((await runSsh(s.connection, readDigest(s), undefined)).trim() === s.digest) return s.digest;
  const { spawn } = require("node:child_process") as typeof import("node:child_process");
  await runSsh(s.connection, receive(s), () => spawn("tar", ["-c", "-C", s.localDir, "--dereference", "--", ...s.files], { stdio: ["ignore", "pipe", "inherit"] }).stdout);
  return (await runSsh(s.connection, readDigest(s), undefined)).trim();
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: State) {
    const { randomUUID } = require("node:crypto") as typeof import("node:crypto");
    return { id: randomUUID(), outs: { ...inputs, observedDigest: await push(inputs) } };
  },
  async read(id: string, props: State) {
    return { id, props: { ...props, observedDigest: (await runSsh(props.connection, readDigest(props), undefined)).trim() } };
  },
  async diff(_id: string, olds: State, news: State) {
    const changed = olds.digest !== news.digest || olds.observedDigest !== news.digest || olds.node !== news.node
      || olds.connection.host !== news.connection.host || olds.connection.port !== news.connection.port;
    return { changes: changed };
  },
  async update(_id: string, _olds: State, news: State) {
    return { outs: { ...news, observedDigest: await push(news) } };
  },
  async delete(_id: string, props: State) {
    await runSsh(props.connection, root(props, `rm -rf ${NODE_BUNDLE_DIR} ${NODE_BUNDLE_DIR}.new`), undefined);
  },
};

export class BundlePush extends pulumi.dynamic.Resource {
  declare public readonly observedDigest: pulumi.Output<string>;

  constructor(name: string, args: BundlePushInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, observedDigest: undefined }, opts, "netlab", "BundlePush");
  }
}
