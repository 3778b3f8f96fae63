/**
 * One remote step on a bench node: its rendered script's create and delete run over SSH (netlab's SshStep: the
 * OpenSSH client from a dynamic provider), with the host key pinned and the private key kept secret; a worker's
 * join is one JoinStep across the worker and the controller.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { HostStep } from "../lib/render/steps";
import { asRoot, shellJoin } from "../lib/render/shell";
import type { NodeSpec } from "../lib/spec/types";
import { JoinStep } from "./join-step";
import { SshStep, type SshConnection } from "./ssh-step";

/** What later stages use of a step: it exists, and what it printed. */
export type RemoteStep = pulumi.CustomResource & { readonly stdout: pulumi.Output<string> };

export interface NodeAccess {
  readonly node: NodeSpec;
  /** SSH private key, a secret. */
  readonly privateKey: pulumi.Input<string>;
}

export type ScriptAction = "create" | "delete" | "check" | "joined" | "finish";

/** The command line that runs a rendered script with an action, as root (sudo unless already root). */
export function scriptCommandLine(node: NodeSpec, step: HostStep, action: ScriptAction): string {
  return shellJoin(asRoot(node.ssh.user, ["bash", "-c", step.script, step.file, action]));
}

export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The node's SSH connection, a secret (it carries the private key). */
export function sshConnection(access: NodeAccess): pulumi.Output<SshConnection> {
  const { node, privateKey } = access;
  return pulumi.secret(
    pulumi.output(privateKey).apply((key) => ({
      node: node.name,
      host: node.ssh.host,
      port: node.ssh.port,
      user: node.ssh.user,
      privateKey: key,
      hostKey: node.ssh.hostKey,
      connectTimeout: node.ssh.connectTimeout,
      aliveTimeout: node.ssh.aliveTimeout,
    })),
  );
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
  const { node } = o.access;
  return new SshStep(
    name,
    {
      node: node.name,
      connection: sshConnection(o.access),
      create: scriptCommandLine(node, o.step, "create"),
      delete: scriptCommandLine(node, o.step, "delete"),
      check: scriptCommandLine(node, o.step, "check"),
      expect: { ...o.step.expect },
      stdin: o.stdin,
      triggers: [contentHash(o.step.script)],
    },
    { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["connection", ...(o.secretOutput ? ["stdout"] : [])] },
  );
}

export interface JoinOptions {
  readonly worker: NodeAccess;
  readonly controller: NodeAccess;
  /** The worker's kubeadm join step. */
  readonly join: HostStep;
  /** The controller's token step for this worker. */
  readonly token: HostStep;
}

/** A worker's join with a token minted and revoked in the same operation (components/join-step.ts). */
export function joinStep(name: string, o: JoinOptions, opts: pulumi.CustomResourceOptions): JoinStep {
  const w = o.worker.node;
  const c = o.controller.node;
  return new JoinStep(
    name,
    {
      node: w.name,
      worker: sshConnection(o.worker),
      controller: sshConnection(o.controller),
      joined: scriptCommandLine(w, o.join, "joined"),
      mint: scriptCommandLine(c, o.token, "create"),
      create: scriptCommandLine(w, o.join, "create"),
      finish: scriptCommandLine(c, o.token, "finish"),
      delete: scriptCommandLine(w, o.join, "delete"),
      check: scriptCommandLine(w, o.join, "check"),
      expect: { ...o.join.expect },
      triggers: [contentHash(o.join.script), contentHash(o.token.script)],
    },
    { ...opts, deleteBeforeReplace: true, additionalSecretOutputs: ["worker", "controller"] },
  );
}
