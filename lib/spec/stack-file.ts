/**
 * What a stack file may hold beyond the netlab: keys' own rules, so that the Pulumi CLI (which reads the file
 * with Go's YAML 1.1-flavoured reader and hands the program JSON) and netlab's render (YAML 1.2) can never
 * read one file two ways, and nothing in it is silently ignored:
 * - no YAML merge keys (`<<`): the CLI merges them, render would see a key named "<<";
 * - no numbers with a leading zero, `_` separators or `0b`: the CLI reads `026` as octal 22, render as 26;
 * - no keys of another namespace than netlab: (and pulumi:): `netlb:labUser` would configure nothing.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { type Problem, show } from "./problems";
import { suggest } from "./shape";
import { KNOWN_KEYS } from "./raw";

export const NAMESPACE = "netlab";
/** Namespaces a stack may set besides netlab's: the engine's own. */
const OTHER_NAMESPACES = ["pulumi"];

/** Problems of config keys outside netlab's namespace (a typo such as `netlb:` or a missing namespace). */
export function foreignKeyProblems(keys: readonly string[], values: Readonly<Record<string, unknown>> = {}): Problem[] {
  const problems: Problem[] = [];
  for (const key of keys) {
    const colon = key.indexOf(":");
    const ns = colon < 0 ? "" : key.slice(0, colon);
    if (ns === NAMESPACE || OTHER_NAMESPACES.includes(ns)) continue;
    const name = key.slice(colon + 1);
    const hint = (KNOWN_KEYS as readonly string[]).includes(name) ? ` (did you mean ${NAMESPACE}:${name}?)` : suggest(name, KNOWN_KEYS);
    // A credential under a misspelled namespace is never echoed.
    const secretLike = /key|secret|password|token/i.test(name) || /PRIVATE KEY/.test(String(values[key]));
    const value = !Object.hasOwn(values, key) ? "" : secretLike ? "(not shown) " : `${show(values[key])} `;
    const what = ns === "" ? `${value}has no namespace` : `${value}is in namespace ${show(ns)}, which netlab does not read`;
    problems.push({ field: key, message: `${what}${hint}; write bench keys as ${NAMESPACE}:<key> (${KNOWN_KEYS.join(", ")})` });
  }
  return problems;
}

/** A plain number that YAML readers disagree on, or undefined. */
function ambiguousNumber(text: string): string | undefined {
  const sign = text.startsWith("-") ? "-" : "";
  const body = text.replace(/^[-+]/, "");
  if (!/^[0-9]/.test(body)) return undefined;
  if (/^0[0-9]/.test(body)) {
    const octal = /^[0-7_]+$/.test(body) ? `${sign}${Number.parseInt(body.replaceAll("_", ""), 8)}` : "something else";
    return (
      `has a leading zero: the Pulumi CLI reads it as octal (${octal}), netlab's render as ${sign}${Number(body.replaceAll("_", ""))}; ` +
      "write the number without the leading zero (or quote it if text is meant)"
    );
  }
  if (body.includes("_")) return `has "_" separators: the Pulumi CLI reads it as a number, netlab's render as text; write the digits without "_"`;
  if (/^0[bB]/.test(body)) return `is a binary literal: the Pulumi CLI reads it as a number, netlab's render as text; write it in decimal`;
  return undefined;
}

/** Field name of a config path: "netlab:network" + "podSubnet" -> "network.podSubnet". */
function fieldOf(path: readonly string[]): string {
  const [top, ...rest] = path;
  const name = top?.startsWith(`${NAMESPACE}:`) ? top.slice(NAMESPACE.length + 1) : (top ?? "");
  return [name, ...rest].join(".");
}

function lintNode(node: unknown, path: string[], out: Problem[]): void {
  if (isAlias(node)) return; // its anchor is checked where it is defined
  if (isScalar(node)) {
    const source = (node as { source?: string }).source;
    const why = node.type === "PLAIN" && typeof source === "string" ? ambiguousNumber(source) : undefined;
    if (why) out.push({ field: fieldOf(path), message: `${source} ${why}` });
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, i) => lintNode(item, [...path.slice(0, -1), `${path[path.length - 1]}[${i}]`], out));
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (key === "<<" && isScalar(pair.key) && pair.key.type === "PLAIN") {
      out.push({
        field: fieldOf([...path, "<<"]),
        message: 'YAML merge keys (<<) are read differently by the Pulumi CLI (merged) and netlab\'s render (a key named "<<"); write the keys out in full',
      });
      continue;
    }
    lintNode(pair.value, [...path, key], out);
  }
}

/** Parses a stack file's text: its config map and every problem of the file itself (YAML, merge keys, numbers, namespaces). */
export function parseStackFile(text: string, file: string): { config: Record<string, unknown>; problems: Problem[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const why = doc.errors[0]!.message.split("\n")[0]!.replace(/:$/, "");
    return { config: {}, problems: [{ field: "config", message: `${file} is not valid YAML: ${why}; fix the YAML syntax` }] };
  }
  const problems: Problem[] = [];
  const contents = doc.contents as Node | null;
  const configNode = isMap(contents) ? contents.get("config", true) : undefined;
  if (configNode !== undefined && configNode !== null) lintNode(configNode, [], problems);
  const js = doc.toJS({ maxAliasCount: 100 }) as { config?: unknown } | null;
  const config = js?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return { config: {}, problems: [{ field: "config", message: `${show(config)} is not a block of keys; write netlab:<key>: <value> lines under config:` }] };
  }
  problems.push(...foreignKeyProblems(Object.keys(config), config as Record<string, unknown>));
  return { config: config as Record<string, unknown>, problems };
}
