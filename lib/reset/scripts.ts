/** The shell scripts a reset runs on the nodes (passed to `bash -c` with arguments) and their output parsers. */
import { stringify } from "yaml";
import type { BenchAccess } from "../remote/bench-access";
import type { SshLimits } from "../remote/ssh";
import { DECODE_NAMES, displayName } from "./names";
import type { ListedObject, ObjectRef, ResetPlan } from "./plan";

/** Runs one of these scripts as root on a node (`name` is its $0); resolves stdout. */
export function runScript(
  a: BenchAccess,
  node: string,
  name: string,
  script: string,
  args: readonly string[],
  stdin?: string,
  limits?: SshLimits,
): Promise<string> {
  return a.ssh(node, ["bash", "-c", `set -euo pipefail\n${script}`, name, ...args], { root: true, stdin, limits });
}

/** What a node-clean check found. */
export const CleanResult = { Clean: "clean", Dirty: "dirty" } as const;
export type CleanResult = (typeof CleanResult)[keyof typeof CleanResult];

export interface CleanCheck {
  readonly node: string;
  /** e.g. "file:/etc/cni/net.d/10-kuberouter.conflist", "link:kube-bridge", "routes:proto-17", "ipvs:virtual-servers", "cri:ps". */
  readonly what: string;
  readonly result: CleanResult;
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
 * For the removal (REMOVE_ARCHIVED), the archive also holds home-removal/since, a time taken before the copy, and
 * home-removal/dirs, the directories copied (NUL-separated, parents first).
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
while IFS=$'\t' read -r rel b64; do
  [ -n "$rel" ] || continue
  mkdir -p "$stage/$(dirname "$rel")"
  printf '%s' "$b64" | base64 -d >"$stage/$rel"
done
if [ "\${#names[@]}" -gt 0 ]; then
  mkdir -p "$stage/home" "$stage/home-removal"
  date +%s.%N >"$stage/home-removal/since"
  (cd "$home" && find "\${names[@]/#/./}" -type d -print0) >"$stage/home-removal/dirs"
  # File times come from a clock up to one tick behind: whatever is written once the copy starts is newer than since.
  sleep 0.1
  (cd "$home" && timeout 900 cp -a --sparse=always --parents -- "\${names[@]}" "$stage/home/")
fi
timeout 900 tar --sparse -czf "$dest/$name.tmp" -C "$stage" .
chmod 0600 "$dest/$name.tmp"
mv -f "$dest/$name.tmp" "$dest/$name"
printf '%s %s %s\\n' "$dest/$name" "$(sha256sum <"$dest/$name" | cut -d' ' -f1)" "$(stat -c %s "$dest/$name")"`;

/** The archive entries MAKE_ARCHIVE adds for the removal when it copies home entries. */
export const HOME_REMOVAL_ENTRIES: readonly string[] = ["home-removal/since", "home-removal/dirs"];

/**
 * Removes from the home exactly what the archive holds, nothing written after it. Arguments: home, the archive,
 * its verified sha256, then the top-level names in base64. Files, links and other non-directories go only when
 * their status has not changed since the archive's `since` (taken before the copy; the kernel sets a file's
 * change time on every write, rename, link or chmod), directories only when they were copied and are empty.
 * Prints "gone <base64 name>" for each entry now gone and "kept <base64 path>" (at most 200, then
 * "more <count>") for what stays: files written or changed after the archive, directories holding them.
 */
export const REMOVE_ARCHIVED = `home=$1 archive=$2 sha=$3
shift 3
${DECODE_NAMES}
[ -d "$home" ] && [ ! -L "$home" ] || { echo "$home is not a real directory; nothing removed" >&2; exit 1; }
[ "$(sha256sum <"$archive" | cut -d' ' -f1)" = "$sha" ] || { echo "$archive is not the archive verified (sha256 $sha); nothing removed" >&2; exit 1; }
work="$(mktemp -d "$(dirname "$archive")/.remove-XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work" ./home-removal/since ./home-removal/dirs
touch -d "@$(cat "$work/home-removal/since")" "$work/since"
cd "$home"
roots=()
for entry in "\${names[@]}"; do
  case "$entry" in ''|.|..|*/*) echo "refusing to remove $entry" >&2; exit 1 ;; esac
  if [ -e "./$entry" ] || [ -L "./$entry" ]; then roots+=("./$entry"); fi
done
[ "\${#roots[@]}" -gt 0 ] || exit 0
find "\${roots[@]}" -ignore_readdir_race ! -type d ! -newercm "$work/since" -delete
dirs=()
while IFS= read -r -d '' d; do dirs+=("$d"); done <"$work/home-removal/dirs"
for ((i = \${#dirs[@]} - 1; i >= 0; i--)); do rmdir -- "\${dirs[i]}" 2>/dev/null || true; done
for r in "\${roots[@]}"; do
  if [ ! -e "$r" ] && [ ! -L "$r" ]; then printf 'gone %s\\n' "$(printf '%s' "\${r#./}" | base64 -w0)"; fi
done
left=()
for r in "\${roots[@]}"; do if [ -e "$r" ] || [ -L "$r" ]; then left+=("$r"); fi; done
[ "\${#left[@]}" -gt 0 ] || exit 0
n=0
while IFS= read -r -d '' p; do
  n=$((n + 1))
  if [ "$n" -le 200 ]; then printf 'kept %s\\n' "$(printf '%s' "\${p#./}" | base64 -w0)"; fi
done < <(find "\${left[@]}" -ignore_readdir_race \\( ! -type d -o -empty \\) -print0)
if [ "$n" -gt 200 ]; then echo "more $((n - 200))"; fi`;

/** Reads REMOVE_ARCHIVED's output: the top-level names gone, the paths kept (display names), and how many more were kept. */
export function parseRemoval(text: string): { gone: string[]; kept: string[]; more: number } {
  const out = { gone: [] as string[], kept: [] as string[], more: 0 };
  for (const [word, value] of text.split("\n").map((l) => l.trim().split(" "))) {
    if (word === "gone" && value) out.gone.push(displayName(Buffer.from(value, "base64")));
    else if (word === "kept" && value) out.kept.push(displayName(Buffer.from(value, "base64")));
    else if (word === "more" && /^\d+$/.test(value ?? "")) out.more = Number(value);
  }
  return out;
}

/**
 * Prints key=value lines of what a rebuilt node must not have: the concerns' footprint (lib/concerns), the same
 * list its clean-up removed. Arguments: the node root ("" on a bench), then the footprint as cleanupVars renders
 * it: paths (one per line), links, route protocols, "yes" when IPVS is the concerns'.
 */
export const CLEAN_CHECK = `root=$1 paths=$2 links=$3 protocols=$4 ipvs=$5
while IFS= read -r f; do
  [ -n "$f" ] || continue
  if [ -e "$root$f" ] || [ -L "$root$f" ]; then echo "file:$f=present"; else echo "file:$f=absent"; fi
done <<<"$paths"
for l in $links; do
  if ip link show "$l" >/dev/null 2>&1; then echo "link:$l=present"; else echo "link:$l=absent"; fi
done
for p in $protocols; do echo "routes:proto-$p=$(ip -4 route show proto "$p" | wc -l)"; done
# What the runtime still holds of the cluster's pods (containerd, or Docker through cri-dockerd): kubeadm reset
# removes them all; Docker's own docker0 and images are not the cluster's and stay.
for kind in pods ps; do
  if ids="$(crictl "$kind" -a -q 2>/dev/null)"; then echo "cri:$kind=$(printf '%s' "$ids" | grep -c . || true)"; else echo "cri:$kind=unreachable"; fi
done
if [ "$ipvs" != yes ]; then exit 0; fi
if command -v ipvsadm >/dev/null 2>&1; then
  echo "ipvs:virtual-servers=$(ipvsadm -Ln | grep -cE '^(TCP|UDP|SCTP|FWM) ' || true)"
else
  echo "ipvs:virtual-servers=no-ipvsadm"
fi`;

/**
 * Flushes the neighbour table inside each named pod's network namespace, entered through one of its containers'
 * PID: crictl reports a container's PID with either runtime (cri-dockerd gives none for a sandbox).
 */
export const FLUSH_ARP = `for pod in "$@"; do
  id="$(crictl pods --namespace default --name "^$pod\\$" --state ready -q | head -n1)"
  if [ -z "$id" ]; then echo "$pod=no-sandbox"; continue; fi
  container="$(crictl ps --pod "$id" --state running -q | head -n1)"
  if [ -z "$container" ]; then echo "$pod=no-container"; continue; fi
  pid="$(crictl inspect -o go-template --template '{{.info.pid}}' "$container")"
  nsenter -t "$pid" -n ip neigh flush all
  echo "$pod=flushed"
done`;

export function parseKeyValues(text: string): [string, string][] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}

/** Reads a node's clean-check output into results. */
export function cleanCheckResults(node: string, text: string): CleanCheck[] {
  return parseKeyValues(text).map(([what, found]) => {
    let clean: boolean;
    if (what.startsWith("file:") || what.startsWith("link:")) clean = found === "absent";
    else if (what === "ipvs:virtual-servers") clean = found === "0" || found === "no-ipvsadm";
    else clean = found === "0";
    return { node, what, found, result: clean ? CleanResult.Clean : CleanResult.Dirty };
  });
}

/** The archive's generated files: each object's YAML (as listed, without its managedFields) and the plan itself. */
export function generatedFiles(plan: ResetPlan, objects: readonly ListedObject[], meta: Record<string, unknown>): [string, string][] {
  const files: [string, string][] = [];
  for (const entry of plan.archive) {
    if (!("object" in entry.source)) continue;
    const ref = entry.source.object as ObjectRef & { apiVersion?: string; uid?: string };
    const obj = objects.find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata.name === ref.name &&
        (o.metadata.namespace ?? "") === ref.namespace &&
        (ref.apiVersion === undefined || o.apiVersion === ref.apiVersion) &&
        (ref.uid === undefined || o.metadata.uid === ref.uid),
    );
    if (!obj) throw new Error(`archive: ${entry.path} is planned but its object is not in the listing`);
    const { managedFields: _, ...metadata } = obj.metadata;
    files.push([entry.path, stringify({ ...obj, metadata })]);
  }
  files.push(["reset-plan.json", `${JSON.stringify({ ...meta, plan }, null, 2)}\n`]);
  for (const [rel] of files) {
    if (rel.startsWith("/") || rel.split("/").includes("..") || /[\t\n]/.test(rel)) throw new Error(`bad archive path ${JSON.stringify(rel)}`);
  }
  return files;
}
