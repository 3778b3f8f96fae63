/**
 * The shape of the `netlab:` config below the top level: which keys each block has, which values are single
 * values and which are blocks. A misspelled nested key (`network.podSubnt`), a block written as a single value
 * (`network: 10.0.0.0/16`) or a list where a value goes is reported, never ignored in favour of a default.
 */
import { Problems, show } from "./problems";
import type { RawBenchConfig } from "./raw";
import { NODE_NAMES } from "./types";

/** A single value (string, number or boolean), a block with known keys, or a block of same-shaped entries. */
type Shape = "value" | { readonly keys: Readonly<Record<string, Shape>> } | { readonly each: Shape; readonly names: readonly string[] };

const V = "value" as const;
const block = (...names: string[]): Shape => ({ keys: Object.fromEntries(names.map((n) => [n, V])) });

const NODE = block("managementIp", "sshHost", "sshPort", "hostKey");

/** Top-level keys not listed here (added by other features) are only checked at the top level. */
export const SHAPE: Readonly<Record<string, Shape>> = {
  room: V,
  bench: V,
  labUser: V,
  kubernetesVersion: V,
  containerRuntime: V,
  sshPrivateKey: V,
  nodeRoot: V,
  remoteExecutor: V,
  network: block(
    "podSubnet",
    "serviceSubnet",
    "nodePrefixLength",
    "managementSubnet",
    "managementPortMode",
    "providerPortMode",
    "nodeLocalDnsIp",
    "clusterDomain",
  ),
  ssh: block("user", "port"),
  nodes: { each: NODE, names: NODE_NAMES },
  images: block("kubeRouter", "nodeLocalDns", "webserver", "client"),
  placement: block("webserverNode", "client2Node"),
  packages: block("source", "bundle"),
  timeouts: block("scale"),
};

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks `raw` against SHAPE; returns a copy where every block of the wrong type is dropped (already reported). */
export function checkShape(p: Problems, raw: RawBenchConfig): RawBenchConfig {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const shape = Object.hasOwn(SHAPE, key) ? SHAPE[key]! : undefined;
    out[key] = shape === undefined ? value : checkValue(p, key, value, shape);
  }
  return out as RawBenchConfig;
}

function checkValue(p: Problems, field: string, value: unknown, shape: Shape): unknown {
  if (value === undefined) return undefined;
  if (shape === V) {
    if (["string", "number", "boolean"].includes(typeof value)) return value;
    p.add(field, `${show(value)} is a ${Array.isArray(value) ? "list" : "block"}; give a single value (${field}: <value>)`);
    return undefined;
  }
  if (!isMapping(value)) {
    const example = "keys" in shape ? Object.keys(shape.keys)[0] : shape.names[0];
    p.add(
      field,
      `${show(value)} is not a block of keys; write its keys under it (e.g. ${field}: { ${example}: ... }), ` + `known keys: ${knownKeys(shape).join(", ")}`,
    );
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const innerShape = childShape(shape, key);
    if (innerShape === undefined) {
      // Unknown node names and images are kept: the parser reports them with their own messages.
      if (field === "nodes" || field === "images") out[key] = inner;
      else p.add(`${field}.${key}`, `unknown key${suggest(key, knownKeys(shape))}; known keys of ${field} are ${knownKeys(shape).join(", ")}`);
      continue;
    }
    out[key] = checkValue(p, `${field}.${key}`, inner, innerShape);
  }
  return out;
}

function childShape(shape: Exclude<Shape, "value">, key: string): Shape | undefined {
  if ("keys" in shape) return Object.hasOwn(shape.keys, key) ? shape.keys[key] : undefined;
  return shape.names.includes(key) ? shape.each : undefined;
}

function knownKeys(shape: Exclude<Shape, "value">): string[] {
  return "keys" in shape ? Object.keys(shape.keys) : [...shape.names];
}

/** " (did you mean X?)" when a known key differs only in case or by one or two letters. */
export function suggest(key: string, known: readonly string[]): string {
  const k0 = key.toLowerCase();
  const near =
    known.find((k) => editDistance(k.toLowerCase(), k0) <= 2) ??
    known.find((k) => k0.length >= 4 && (k.toLowerCase().startsWith(k0) || k0.startsWith(k.toLowerCase())));
  return near === undefined ? "" : ` (did you mean ${near}?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
