/** Reads a bench's raw config from Pulumi's stack config. Only the program's entry point calls this. */
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { rawConfigFromValues } from "./config-values";
import { BenchConfigError } from "./problems";
import { KeyPresence, type RawBenchConfig } from "./raw";
import { readStackConfig, stackFile } from "./source";
import { foreignKeyProblems } from "./stack-file";

/**
 * Whether the SSH key is a secret. The stack file is the authority (the same reading as `netlab render`); without
 * one, the engine's list of secret keys, when it gives one.
 */
function keyPresence(fromFile: RawBenchConfig | undefined): string {
  if (fromFile?.sshPrivateKey !== undefined) return String(fromFile.sshPrivateKey);
  // Internal to the SDK (no public API says whether a config value is secret), and left out of its .d.ts files:
  // required with the shape the SDK's JavaScript has.
  /* eslint-disable @typescript-eslint/no-require-imports -- the SDK's type declarations omit these internals */
  const { isConfigSecret, configSecretKeysEnvKey } = require("@pulumi/pulumi/runtime/config") as {
    isConfigSecret(k: string): boolean;
    configSecretKeysEnvKey: string;
  };
  const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { config: Record<string, string | undefined> } };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const secretKeysKnown = getStore().config[configSecretKeysEnvKey] !== undefined;
  return !secretKeysKnown || isConfigSecret("netlab:sshPrivateKey") ? KeyPresence.Secret : KeyPresence.PlainText;
}

/** Every netlab: key, structured values parsed; the SSH key stays a secret Output. */
export function readPulumiConfig(config = new pulumi.Config("netlab")): { raw: RawBenchConfig; privateKey?: pulumi.Output<string> } {
  // The stack file itself, read as render reads it: merge keys, ambiguous numbers and foreign keys are refused.
  const file = stackFile(pulumi.getStack());
  const fromFile = existsSync(file) ? readStackConfig(file) : undefined;
  const all = pulumi.runtime.allConfig();
  const foreign = foreignKeyProblems(Object.keys(all));
  if (foreign.length > 0) throw new BenchConfigError(foreign, "stack config");
  const privateKey = config.getSecret("sshPrivateKey");
  // Every netlab: key, not only the known ones: a misspelled key is reported by the parser, never ignored.
  const raw = rawConfigFromValues(all, privateKey === undefined ? undefined : keyPresence(fromFile));
  return { raw, privateKey };
}
