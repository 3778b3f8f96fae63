/**
 * Where a bench's files are: under which directory each node keeps its own (nodeRoot), and where the built bundle
 * is on the instructor's machine (packages.bundle). Both end up in shell commands, so both are plain paths.
 */
import { show, type Problems } from "./problems";
import { PackageSource } from "./types";

/** Absolute, no empty, "." or ".." segment, no trailing "/": `${root}/${node}` is then a plain path too. */
const NODE_ROOT = /^(\/[A-Za-z0-9._-]+)+$/;

/** netlab:nodeRoot: "" (the nodes' own /) unless set to an absolute directory. */
export function parseNodeRoot(p: Problems, value: unknown): string {
  if (value === undefined || value === "") return "";
  if (typeof value === "string" && NODE_ROOT.test(value) && !value.split("/").some((s) => s === "." || s === "..")) return value;
  p.add(
    "nodeRoot",
    `${show(value)} is not an absolute directory path made of letters, digits and "._-/" (no "." or ".." segment, ` +
      'no trailing "/"); give the directory under which each node\'s files live, e.g. "/srv/netlab/nodes", or remove the key (each node\'s own /)',
  );
  return "";
}

/**
 * packages.bundle: the directory holding the built bundle's bundle.json, as an absolute path on this machine
 * (the program may run from another working directory than the instructor's shell). Undefined when not set.
 */
export function parseBundleDir(p: Problems, value: unknown, source: PackageSource): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !value.startsWith("/") || /[\n\r\0]/.test(value)) {
    p.add(
      "packages.bundle",
      `${show(value)} is not an absolute path; give the directory of a built bundle (the one holding bundle.json, ` +
        "e.g. ~/.cache/k8s-netlab/bundle/current written out in full), or remove the key for netlab's own",
    );
    return undefined;
  }
  if (source !== PackageSource.Bundle) {
    p.add(
      "packages.bundle",
      `${show(value)} is set, but packages.source is "${source}": nothing is pushed from it; remove packages.bundle ` + 'or set packages.source to "bundle"',
    );
  }
  return value;
}
