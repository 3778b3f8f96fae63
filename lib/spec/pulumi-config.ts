/** Reads a bench's raw config from Pulumi's stack config. Only the program's entry point calls this. */
import * as pulumi from "@pulumi/pulumi";
import { KNOWN_KEYS, type RawBenchConfig } from "./raw";

/** Every netlab: key, structured values parsed; the SSH key stays a secret Output. */
export function readPulumiConfig(config = new pulumi.Config("netlab")): { raw: RawBenchConfig; privateKey?: pulumi.Output<string> } {
  const raw: Record<string, unknown> = {};
  for (const key of KNOWN_KEYS) {
    if (key === "sshPrivateKey") continue;
    const text = config.get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  const privateKey = config.getSecret("sshPrivateKey");
  if (privateKey !== undefined) raw.sshPrivateKey = "(secret)";
  return { raw: raw as RawBenchConfig, privateKey };
}
