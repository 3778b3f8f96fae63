/** The shell scripts a reset runs on the nodes (passed to `bash -c` with arguments) and their output parsers. */
import { stringify } from "yaml";
import { DECODE_NAMES } from "./names";
import type { ListedObject, ResetPlan } from "./plan";


export const NOT_OBSERVABLE = "not observable in simulation";
export interface CleanCheck {
  readonly node: string;
  /** e.g. "file:/etc/cni/net.d/10-kuberouter.conflist", "link:kube-bridge", "routes:proto-17", "ipvs:virtual-servers". */
  readonly what: string;
  readonly result: "clean" | "dirty" | typeof NOT_OBSERVABLE;
  /** What the probe found. */
  readonly found: string;
}

export const LIST_HOME = `[ -d "$1" ] || exit 0
find "$1" -mindepth 1 -maxdepth 1 -printf '%y %P\\0'`;

export const LIST_SKEL = `[ -d "$1" ] || exit 0
find "$1" -mindepth 1 -maxdepth 1 -printf '%P\\0'`;

/**
 * Builds the archive on the controller. Standard input: one "relative-path<TAB>base64" line per generated file
 * (object YAML, reset-plan.json); arguments: home, destination directory, archive name, then the home entries'
 * names in base64 (any bytes). Sparse files keep their holes; copy and tar are bounded in time.
 * Prints "<path> <sha256> <bytes>".
 */
export const MAKE_ARCHIVE = `home=$1 dest=$2 name=$3
shift 3
${DECODE_NAMES}
mkdir -p "$dest"
chmod 0700 "$dest"
[ ! -e "$dest/$name" ] || { echo "$dest/$name already exists" >&2; exit 1; }
stage="$(mktemp -d "$dest/.reset-XXXXXX")"
trap 'rm -rf "$stage"' EXIT
while IFS=$'\\t' read -r rel b64; do
  [ -n "$rel" ] || continue
  mkdir -p "$stage/$(dirname "$rel")"
  printf '%s' "$b64" | base64 -d >"$stage/$rel"
done
if [ "\${#names[@]}" -gt 0 ]; then
  mkdir -p "$stage/home"
  (cd "$home" && timeout 900 cp -a --sparse=always --parents -- "\${names[@]}" "$stage/home/")
fi
timeout 900 tar --sparse -czf "$dest/$name.tmp" -C "$stage" .
chmod 0600 "$dest/$name.tmp"
mv -f "$dest/$name.tmp" "$dest/$name"
printf '%s %s %s\\n' "$dest/$name" "$(sha256sum <"$dest/$name" | cut -d' ' -f1)" "$(stat -c %s "$dest/$name")"`;

/** Removes top-level home entries; arguments: home, then the names in base64. */
export const REMOVE_HOME_ENTRIES = `home=$1
shift
${DECODE_NAMES}
cd "$home"
for entry in "\${names[@]}"; do
  case "$entry" in ''|.|..|*/*) echo "refusing to remove $entry" >&2; exit 1 ;; esac
  rm -rf -- "$entry"
done`;

/** Prints key=value lines of what a rebuilt node must not have. */
export const CLEAN_CHECK = `root=$1 target=$2
for f in /etc/cni/net.d/10-kuberouter.conflist /var/lib/kube-router; do
  if [ -e "$root$f" ]; then echo "file:$f=present"; else echo "file:$f=absent"; fi
done
if [ "$target" != bench ]; then exit 0; fi
for l in kube-bridge kube-ipvs0 nodelocaldns; do
  if ip link show "$l" >/dev/null 2>&1; then echo "link:$l=present"; else echo "link:$l=absent"; fi
done
echo "routes:proto-17=$(ip -4 route show proto 17 | wc -l)"
if command -v ipvsadm >/dev/null 2>&1; then
  echo "ipvs:virtual-servers=$(ipvsadm -Ln | grep -cE '^(TCP|UDP|SCTP|FWM) ' || true)"
else
  echo "ipvs:virtual-servers=no-ipvsadm"
fi`;

/** Flushes the neighbour table inside each named pod's network namespace (containerd via crictl). */
export const FLUSH_ARP = `for pod in "$@"; do
  id="$(crictl pods --namespace default --name "^$pod\\$" --state ready -q | head -n1)"
  if [ -z "$id" ]; then echo "$pod=no-sandbox"; continue; fi
  pid="$(crictl inspectp -o go-template --template '{{.info.pid}}' "$id")"
  nsenter -t "$pid" -n ip neigh flush all
  echo "$pod=flushed"
done`;

export function parseKeyValues(text: string): [string, string][] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}

/** Reads a node's clean-check output into results. */
export function cleanCheckResults(node: string, text: string, target: "bench" | "sim"): CleanCheck[] {
  const checks: CleanCheck[] = parseKeyValues(text).map(([what, found]) => {
    let clean: boolean;
    if (what.startsWith("file:") || what.startsWith("link:")) clean = found === "absent";
    else if (what === "ipvs:virtual-servers") clean = found === "0" || found === "no-ipvsadm";
    else clean = found === "0";
    return { node, what, found, result: clean ? "clean" : "dirty" };
  });
  if (target === "sim") {
    for (const what of ["link:kube-bridge", "link:kube-ipvs0", "link:nodelocaldns", "routes:proto-17", "ipvs:virtual-servers"]) {
      checks.push({ node, what, found: "-", result: NOT_OBSERVABLE });
    }
  }
  return checks;
}

/** The archive's generated files: each object's YAML and the plan itself. */
export function generatedFiles(plan: ResetPlan, objects: readonly ListedObject[], meta: Record<string, unknown>): [string, string][] {
  const files: [string, string][] = [];
  for (const entry of plan.archive) {
    if (!("object" in entry.source)) continue;
    const ref = entry.source.object;
    const obj = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
    if (obj) files.push([entry.path, stringify(obj)]);
  }
  files.push(["reset-plan.json", `${JSON.stringify({ ...meta, plan }, null, 2)}\n`]);
  for (const [rel] of files) {
    if (rel.startsWith("/") || rel.split("/").includes("..") || /[\t\n]/.test(rel)) throw new Error(`bad archive path ${JSON.stringify(rel)}`);
  }
  return files;
}

