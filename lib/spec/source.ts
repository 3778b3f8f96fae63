/**
 * Where a raw bench config comes from outside a Pulumi program: a stack file under stacks/, any config file,
 * or command-line room/bench. Pulumi's own config is read only by the program's entry point (index.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { REPO } from "../repo";
import { BenchConfigError } from "./problems";
import { KeyPresence, type RawBenchConfig } from "./raw";
import { NAMESPACE, parseStackFile } from "./stack-file";

export const STACKS_DIR = path.join(REPO, "stacks");
const PREFIX = `${NAMESPACE}:`;

/** stacks/Pulumi.<stack>.yaml for a stack name. */
export function stackFile(stack: string): string {
  return path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
}

/** `{ secure: "v1:..." }`: a value the Pulumi CLI encrypted. */
function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/**
 * Reads the `netlab:` keys of a Pulumi stack config file. Secure values count as present, never decrypted; a
 * plain-text SSH key is marked as such (and refused by the parser). Problems of the file itself are thrown here.
 */
export function readStackConfig(file: string): RawBenchConfig {
  if (!existsSync(file) || !statSync(file).isFile()) {
    const message = `${JSON.stringify(file)} does not exist or is not a file; list the benches with \`ls stacks/\``;
    throw new BenchConfigError([{ field: "stack", message }], "stack selection");
  }
  const { config, problems } = parseStackFile(readFileSync(file, "utf8"), file);
  if (problems.length > 0) throw new BenchConfigError(problems, `stack file ${file}`);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(PREFIX)) raw[key.slice(PREFIX.length)] = value;
  }
  if (raw.sshPrivateKey !== undefined) raw.sshPrivateKey = isSecure(raw.sshPrivateKey) ? KeyPresence.Secret : KeyPresence.PlainText;
  return raw as RawBenchConfig;
}
