/**
 * The one reading of a bench's config values as text (the form both the engine, inside the program, and the
 * Automation API, for the instructor's commands, hand them over): the `netlab:` keys, structured values parsed
 * from their JSON. The SSH key never enters the raw config: only its presence (a KeyPresence) does.
 */
import type { RawBenchConfig } from "./raw";
import { NAMESPACE } from "./stack-file";

const PREFIX = `${NAMESPACE}:`;

/**
 * `values`: every config key ("netlab:room" ...) to its text. `keyPresence`: how the SSH key is held, when set.
 * `only`: read just these keys (the others are left out instead of reported by the parser).
 */
export function rawConfigFromValues(values: Readonly<Record<string, string>>, keyPresence: string | undefined, only?: readonly string[]): RawBenchConfig {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(values)) {
    if (!fullKey.startsWith(PREFIX)) continue;
    const key = fullKey.slice(PREFIX.length);
    if (key === "sshPrivateKey" || (only !== undefined && !only.includes(key))) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  if (keyPresence !== undefined) raw.sshPrivateKey = keyPresence;
  return raw as RawBenchConfig;
}
