/** `netlab ssh`: one command on one node of a bench, with the stack's key and the node's pinned host key. */
import { openNodeShell } from "../lib/remote/bench-access";
import { openStack } from "../lib/engine/workspace";
import { BenchConfigError, show } from "../lib/spec/problems";
import { NODE_NAMES, type NodeName } from "../lib/spec/types";

export interface SshOptions {
  readonly stack: string;
  readonly root?: boolean;
}

export async function sshCommand(node: string, argv: readonly string[], opts: SshOptions): Promise<void> {
  if (!NODE_NAMES.includes(node as NodeName)) {
    throw new BenchConfigError(
      [{ field: "<node>", message: `${show(node)} is not a bench node; use one of ${NODE_NAMES.join(", ")}` }],
      "netlab ssh arguments",
    );
  }
  const ssh = await openNodeShell(await openStack(opts.stack));
  process.stdout.write(await ssh(node, argv, { root: Boolean(opts.root) }));
}
