/**
 * Collects every problem in a bench config so the instructor sees them all at once, each naming the field,
 * the value and the fix. Nothing is provisioned while a single problem remains.
 */
import { isIpv4, isNetworkForm, parseCidr } from "./network";

export interface Problem {
  /** Dotted config path, e.g. "network.podSubnet". */
  readonly field: string;
  readonly message: string;
}

export class BenchConfigError extends Error {
  constructor(
    public readonly problems: readonly Problem[],
    public readonly source = "bench config",
  ) {
    super(`Invalid ${source}:\n${problems.map((p) => ` - ${p.field}: ${p.message}`).join("\n")}`);
    this.name = "BenchConfigError";
  }
}

/** Renders a config value for a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === "string") {
    return value.length > 200 ? `${JSON.stringify(`${value.slice(0, 80)}...`)} (${value.length} characters)` : JSON.stringify(value);
  }
  if (value === undefined) return "(missing)";
  return JSON.stringify(value) ?? String(value);
}

export class Problems {
  readonly list: Problem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  /** An integer in [min, max], given as a number or a numeric string; undefined (and a problem) otherwise. */
  integer(field: string, value: unknown, min: number, max: number, what: string): number | undefined {
    const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      const kind = typeof n === "number" || typeof value === "string" ? "is not" : "must be";
      this.add(field, `${show(value)} ${kind} a valid ${what} (an integer ${min}-${max}); set it with \`pulumi config set netlab:${field} <${min}-${max}>\``);
      return undefined;
    }
    return n;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    this.add(field, `${show(value)} is not allowed; use one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
    return fallback;
  }

  /** A non-empty string without whitespace. */
  word(field: string, value: unknown, fallback: string, pattern = /^[A-Za-z0-9._:/@+-]+$/): string {
    if (value === undefined) return fallback;
    if (typeof value === "string" && pattern.test(value)) return value;
    this.add(field, `${show(value)} is not valid; expected a value matching ${pattern}`);
    return fallback;
  }

  /** An IPv4 network in network form, e.g. 10.233.64.0/18. */
  cidr(field: string, value: unknown, fallback: string): string | undefined {
    const v = value ?? fallback;
    if (typeof v !== "string" || !parseCidr(v)) {
      this.add(field, `${show(v)} is not an IPv4 network; write it as a.b.c.d/len, e.g. "${fallback}"`);
      return undefined;
    }
    if (!isNetworkForm(v)) {
      this.add(field, `${show(v)} has host bits set; use its network address instead`);
      return undefined;
    }
    return v;
  }

  /** A plain IPv4 address. */
  ipv4(field: string, value: unknown): string | undefined {
    if (typeof value === "string" && isIpv4(value)) return value;
    this.add(field, `${show(value)} is not an IPv4 address; write it as a.b.c.d`);
    return undefined;
  }

  throwIfAny(source?: string): void {
    if (this.list.length > 0) throw new BenchConfigError(this.list, source);
  }
}
