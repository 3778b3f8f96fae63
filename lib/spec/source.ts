/**
 * Where a raw bench config comes from outside a Pulumi program: a stack file under stacks/, any config file,
 * or command-line room/bench. Pulumi's own config is read only by the program's entry point (index.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { BenchConfigError } from "./problems";
import type { RawBenchConfig } from "./raw";

export const STACKS_DIR = path.resolve(__dirname, "..", "..", "stacks");
const NAMESPACE = "netlab:";

/** stacks/Pulumi.<stack>.yaml for a stack name. */
export function stackFile(stack: string): string {
  return path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
}

/** Reads the `netlab:` keys of a Pulumi stack config file. Secure values count as present, never decrypted. */
export function readStackConfig(file: string): RawBenchConfig {
  if (!existsSync(file)) {
    throw new BenchConfigError([{ field: "stack", message: `${JSON.stringify(file)} does not exist; list the benches with \`ls stacks/\`` }], "stack selection");
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new BenchConfigError([{ field: "config", message: `${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}` }], "stack file");
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(NAMESPACE)) raw[key.slice(NAMESPACE.length)] = value;
  }
  return raw as RawBenchConfig;
}
