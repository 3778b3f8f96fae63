/**
 * What the host learns from a VM's serial console log: the SSH host public keys the guest prints between
 * cloud-init's markers on every boot (netlab-console-host-keys.service in the base image). The serial line is
 * a private channel between QEMU and this host, so a key read there can be pinned.
 */
import { readFileSync } from "node:fs";

export const HOST_KEYS_BEGIN = "-----BEGIN SSH HOST KEY KEYS-----";
export const HOST_KEYS_END = "-----END SSH HOST KEY KEYS-----";

const KEY_LINE = /(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(?:\s|$)/;

/** The public host keys ("type base64", without comment) of the last complete block in a console log. */
export function parseConsoleHostKeys(log: string): string[] {
  const lines = log.split(/\r?\n|\r/);
  let keys: string[] | undefined;
  let current: string[] | undefined;
  for (const line of lines) {
    if (line.includes(HOST_KEYS_BEGIN)) {
      current = [];
    } else if (line.includes(HOST_KEYS_END)) {
      if (current) keys = current;
      current = undefined;
    } else if (current) {
      const m = KEY_LINE.exec(line);
      if (m && blobMatchesType(m[1]!, m[2]!)) current.push(`${m[1]} ${m[2]}`);
    }
  }
  return keys ?? [];
}

/** The base64 blob must decode to a key of the named type (a line garbled by other console output does not). */
function blobMatchesType(type: string, base64: string): boolean {
  const blob = Buffer.from(base64, "base64");
  if (blob.length < 4) return false;
  const n = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + n).toString("latin1") !== type) return false;
  if (type === "ssh-ed25519") return blob.length === 4 + n + 4 + 32 && blob.readUInt32BE(4 + n) === 32;
  return true;
}

/** The ed25519 host key from a console log, or undefined while the guest has not printed it yet. */
export function ed25519HostKey(log: string): string | undefined {
  return parseConsoleHostKeys(log).find((k) => k.startsWith("ssh-ed25519 "));
}

export function readConsoleHostKey(consoleLog: string): string | undefined {
  try {
    return ed25519HostKey(readFileSync(consoleLog, "latin1"));
  } catch {
    return undefined;
  }
}
