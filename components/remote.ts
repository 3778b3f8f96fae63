/**
 * One remote step on a bench node: a @pulumi/command Command whose create and delete run the step's
 * rendered script over SSH, with the host key pinned and the private key kept secret.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { HostStep } from "../lib/render/plan";
import { shellJoin } from "../lib/render/shell";
import type { NodeSpec } from "../lib/spec/types";

/** The SSH connection to a node: management address, pinned host key, secret private key. */
export function connectionFor(node: NodeSpec, privateKey: pulumi.Input<string>): command.types.input.remote.ConnectionArgs {
  return {
    host: node.ssh.host,
    port: node.ssh.port,
    user: node.ssh.user,
    privateKey: pulumi.secret(privateKey),
    hostKey: node.ssh.hostKey,
    // A bench that is off fails fast with a clear error instead of retrying for minutes.
    dialErrorLimit: 3,
    perDialTimeout: 10,
  };
}

/** The command line that runs a rendered script with an action, as root (sudo unless already root). */
export function scriptCommandLine(node: NodeSpec, step: HostStep, action: "create" | "delete"): string {
  const sudo = node.ssh.user === "root" ? [] : ["sudo", "-n", "--"];
  return shellJoin([...sudo, "bash", "-c", step.script, step.file, action]);
}

export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface StepOptions {
  readonly node: NodeSpec;
  readonly step: HostStep;
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** Standard input of create/update (a secret when it carries credentials). */
  readonly stdin?: pulumi.Input<string>;
  /** The step prints a credential: keep stdout secret and out of the logs. */
  readonly secretOutput?: boolean;
}

/**
 * Creates the Command for a step. Scripts are idempotent, so an update re-runs create; a changed script
 * changes the content-hash trigger, which re-runs it.
 */
export function remoteStep(name: string, o: StepOptions, opts: pulumi.CustomResourceOptions): command.remote.Command {
  const create = scriptCommandLine(o.node, o.step, "create");
  return new command.remote.Command(
    name,
    {
      connection: o.connection,
      create,
      update: create,
      delete: scriptCommandLine(o.node, o.step, "delete"),
      stdin: o.stdin,
      triggers: [contentHash(o.step.script)],
      logging: o.secretOutput ? "none" : "stdoutAndStderr",
      addPreviousOutputInEnv: o.secretOutput ?? false,
    },
    { ...opts, additionalSecretOutputs: o.secretOutput ? ["stdout"] : [] },
  );
}
