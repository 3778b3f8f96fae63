/**
 * One remote step on a bench node: its rendered script's create and delete run over SSH, with the host key
 * pinned and the private key kept secret. Two executors with the same semantics:
 * - "command": @pulumi/command's remote.Command (the upstream provider plugin);
 * - "ssh": netlab's SshStep (OpenSSH client from a dynamic provider), for where that plugin cannot be had.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { HostStep } from "../lib/render/plan";
import { shellJoin } from "../lib/render/shell";
import type { NodeSpec, RemoteExecutor } from "../lib/spec/types";
import { SshStep } from "./ssh-step";

/** What later stages use of a step: it exists, and what it printed. */
export type RemoteStep = pulumi.CustomResource & { readonly stdout: pulumi.Output<string> };

export interface NodeAccess {
  readonly node: NodeSpec;
  /** SSH private key, a secret. */
  readonly privateKey: pulumi.Input<string>;
  readonly executor: RemoteExecutor;
}

/** The command line that runs a rendered script with an action, as root (sudo unless already root). */
export function scriptCommandLine(node: NodeSpec, step: HostStep, action: "create" | "delete" | "check"): string {
  const sudo = node.ssh.user === "root" ? [] : ["sudo", "-n", "--"];
  return shellJoin([...sudo, "bash", "-c", step.script, step.file, action]);
}

export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface StepOptions {
  readonly access: NodeAccess;
  readonly step: HostStep;
  /** Standard input of create/update (a secret when it carries credentials). */
  readonly stdin?: pulumi.Input<string>;
  /** The step prints a credential: keep stdout secret and out of the logs. */
  readonly secretOutput?: boolean;
}

/**
 * Creates the resource for a step. Scripts are idempotent, so an update re-runs create; a changed script
 * changes the content-hash trigger, which re-runs it. Undo runs before redo (deleteBeforeReplace).
 */
export function remoteStep(name: string, o: StepOptions, opts: pulumi.CustomResourceOptions): RemoteStep {
  const { node, privateKey, executor } = o.access;
  const create = scriptCommandLine(node, o.step, "create");
  const del = scriptCommandLine(node, o.step, "delete");
  const check = scriptCommandLine(node, o.step, "check");
  const triggers = [contentHash(o.step.script)];
  const secretOutputs = o.secretOutput ? ["stdout"] : [];
  if (executor === "ssh") {
    const connection = pulumi.secret({ node: node.name, host: node.ssh.host, port: node.ssh.port, user: node.ssh.user, privateKey, hostKey: node.ssh.hostKey });
    return new SshStep(name, { node: node.name, connection, create, delete: del, check, expect: { ...o.step.expect }, stdin: o.stdin, triggers }, {
      ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["connection", ...secretOutputs],
    });
  }
  return new command.remote.Command(
    name,
    {
      connection: {
        host: node.ssh.host,
        port: node.ssh.port,
        user: node.ssh.user,
        privateKey: pulumi.secret(privateKey),
        hostKey: node.ssh.hostKey,
        // A bench that is off fails fast with a clear error instead of retrying for minutes.
        dialErrorLimit: 3,
        perDialTimeout: 10,
      },
      create,
      update: create,
      delete: del,
      stdin: o.stdin,
      triggers,
      logging: o.secretOutput ? "none" : "stdoutAndStderr",
      addPreviousOutputInEnv: o.secretOutput ?? false,
    },
    { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: secretOutputs },
  );
}
