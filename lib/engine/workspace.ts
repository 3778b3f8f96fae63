/**
 * Opening a bench's stack with the Automation API: this repo's program, stack config under stacks/, the
 * local file backend under .netlab/state, a passphrase secrets provider, and the offline toolchain.
 */
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO } from "../repo";
import { programDir } from "./program";
import { pulumiEnv, requireToolchain } from "./toolchain";

export { REPO };
export const NETLAB_DIR = path.join(REPO, ".netlab");
export const STATE_DIR = path.join(NETLAB_DIR, "state");
const PASSPHRASE_FILE = path.join(NETLAB_DIR, "passphrase");

/**
 * The passphrase that encrypts stack secrets: PULUMI_CONFIG_PASSPHRASE(_FILE) when the instructor sets one,
 * otherwise one generated for this checkout in .netlab/passphrase (mode 0600, never committed).
 */
export function passphraseEnv(): Record<string, string> {
  if (process.env.PULUMI_CONFIG_PASSPHRASE !== undefined) return { PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE };
  if (process.env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) return { PULUMI_CONFIG_PASSPHRASE_FILE: process.env.PULUMI_CONFIG_PASSPHRASE_FILE };
  if (!existsSync(PASSPHRASE_FILE)) {
    mkdirSync(NETLAB_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(PASSPHRASE_FILE, randomBytes(24).toString("base64url"), { mode: 0o600, flag: "wx" });
  }
  return { PULUMI_CONFIG_PASSPHRASE: readFileSync(PASSPHRASE_FILE, "utf8").trim() };
}

/** Every variable the engine runs with. */
export function engineEnv(): Record<string, string> {
  const t = requireToolchain();
  mkdirSync(STATE_DIR, { recursive: true });
  return {
    ...pulumiEnv(t),
    ...passphraseEnv(),
    PULUMI_BACKEND_URL: `file://${STATE_DIR}`,
    // Node's compiled-code cache for the language host and the dynamic providers (Pulumi's SDK is large): they
    // start without compiling the same modules again on every run.
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(NETLAB_DIR, "node-compile-cache"),
  };
}

/**
 * The bench's stack. `create` (for `up` and the simulator) makes it on first use; every other command only
 * selects it, so asking about a bench that was never brought up leaves nothing behind.
 */
export async function openStack(stackName: string, create = true): Promise<Stack> {
  const t = requireToolchain();
  // The program compiled here, once, before benches run side by side (each would otherwise compile it itself).
  programDir();
  const pulumiCommand = await PulumiCommand.get({ root: t.pulumiRoot, skipVersionCheck: true });
  const args = { stackName, workDir: REPO };
  const opts = { pulumiCommand, envVars: engineEnv() };
  return create ? LocalWorkspace.createOrSelectStack(args, opts) : LocalWorkspace.selectStack(args, opts);
}
