/**
 * File names from a student's home are bytes: not always UTF-8, and they may hold a newline or a backslash.
 * They travel between the node and here in base64, are shown (and planned with) as an injective escaped text
 * (`\\` for a backslash, `\xNN` for a control character or a byte that is not UTF-8), and are matched against
 * GNU tar's listing in its `escape` quoting style (C locale). So no name can make the archive's verification
 * fail, or make a removal miss or hit the wrong entry.
 */
import type { HomeEntry, HomeEntryType } from "./plan";

/** A home entry with its name's bytes and the disk space it takes (-1: unknown). */
export interface ListedHomeEntry extends HomeEntry {
  readonly raw: Buffer;
  readonly bytes: number;
}

const SEQUENCE_LENGTH = (lead: number) => (lead < 0x80 ? 1 : lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 && lead < 0xe0 ? 2 : 0);

/** Bytes -> display text; `nameBytes` inverts it exactly. */
export function displayName(raw: Buffer): string {
  let out = "";
  for (let i = 0; i < raw.length;) {
    const len = SEQUENCE_LENGTH(raw[i]!);
    const slice = len > 0 && i + len <= raw.length ? raw.subarray(i, i + len) : undefined;
    const text = slice?.toString("utf8");
    const cp = text?.codePointAt(0) ?? 0xfffd;
    if (slice && text && cp !== 0xfffd && Buffer.from(text, "utf8").equals(slice) && !(cp < 0x20 || (cp >= 0x7f && cp < 0xa0))) {
      out += text === "\\" ? "\\\\" : text;
      i += len;
    } else {
      out += `\\x${raw[i]!.toString(16).padStart(2, "0")}`;
      i += 1;
    }
  }
  return out;
}

/** Display text -> the name's bytes. */
export function nameBytes(display: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < display.length;) {
    if (display[i] === "\\" && display[i + 1] === "\\") {
      parts.push(Buffer.from("\\"));
      i += 2;
    } else if (display[i] === "\\" && display[i + 1] === "x") {
      parts.push(Buffer.from([Number.parseInt(display.slice(i + 2, i + 4), 16)]));
      i += 4;
    } else {
      const ch = String.fromCodePoint(display.codePointAt(i)!);
      parts.push(Buffer.from(ch, "utf8"));
      i += ch.length;
    }
  }
  return Buffer.concat(parts);
}

const C_ESCAPES: Record<number, string> = { 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 92: "\\" };

/** How `LC_ALL=C tar -t --quoting-style=escape` prints a name. */
export function tarEscape(raw: Buffer): string {
  let out = "";
  for (const b of raw) {
    if (C_ESCAPES[b] !== undefined) out += `\\${C_ESCAPES[b]}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, "0")}`;
  }
  return out;
}

/** Lists a home's top-level entries: "<type> <bytes on disk> <base64 name>" lines (LIST_HOME_ENCODED). */
export const LIST_HOME_ENCODED = `[ -d "$1" ] && [ ! -L "$1" ] || exit 0
# Bytes, not characters: in a UTF-8 locale \`read -d ''\` can swallow the NUL after a broken multibyte name.
export LC_ALL=C
cd "$1"
find . -mindepth 1 -maxdepth 1 -printf '%y\\0%P\\0' | while IFS= read -r -d '' t && IFS= read -r -d '' n; do
  size="$(timeout 60 du -sxB1 -- "$n" 2>/dev/null | head -n1 | cut -f1)" || size=-1
  printf '%s %s %s\\n' "$t" "\${size:--1}" "$(printf '%s' "$n" | base64 -w0)"
done`;

export function parseEncodedListing(text: string): ListedHomeEntry[] {
  const types: Record<string, HomeEntryType> = { f: "file", d: "dir", l: "link" };
  return text
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f.length === 3 && f[2] !== "")
    .map(([t, size, b64]) => {
      const raw = Buffer.from(b64!, "base64");
      return { name: displayName(raw), type: types[t!] ?? "other", raw, bytes: /^\d+$/.test(size!) ? Number(size) : -1 };
    });
}

/** Shell lines that decode the base64 arguments into the array `names` (trailing newlines kept). */
export const DECODE_NAMES = `names=()
for b in "$@"; do n="$(printf '%s' "$b" | base64 -d; printf x)"; names+=("\${n%x}"); done`;

/** What one reset archives at most: per entry and in all (disk space, holes of sparse files not counted). */
export const ARCHIVE_LIMITS = { entryBytes: 64 << 20, totalBytes: 256 << 20 } as const;

/**
 * Entries too big to archive (or whose size could not be measured in time) are left in place, neither archived
 * nor removed: the reset goes on and nothing is lost. Returns the names to archive and remove, and those left.
 */
export function boundArchive(
  remove: readonly string[],
  listing: readonly ListedHomeEntry[],
  limits = ARCHIVE_LIMITS,
): { keep: string[]; leftInPlace: { name: string; bytes: number }[] } {
  const keep: string[] = [];
  const leftInPlace: { name: string; bytes: number }[] = [];
  let total = 0;
  for (const name of remove) {
    const bytes = listing.find((e) => e.name === name)?.bytes ?? -1;
    if (bytes < 0 || bytes > limits.entryBytes || total + bytes > limits.totalBytes) {
      leftInPlace.push({ name, bytes });
    } else {
      keep.push(name);
      total += bytes;
    }
  }
  return { keep, leftInPlace };
}
