# Shared helpers of the bundle scripts (sourced, not run). Sets the pins and the cache paths.
# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR disable=SC2034

BUNDLE_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BUNDLE_HERE/.." && pwd)"
# shellcheck source=../toolchain/versions.env
. "$REPO_ROOT/toolchain/versions.env"
# shellcheck source=versions.env
. "$BUNDLE_HERE/versions.env"

NETLAB_CACHE="${NETLAB_CACHE:-$HOME/.cache/k8s-netlab}"
BUNDLE_ROOT="$NETLAB_CACHE/bundle"
PARTS="$BUNDLE_ROOT/parts"   # one directory per built part, <name>-<key>, stamped .complete when whole
WORK="$BUNDLE_ROOT/work"     # scratch: Go wrapper modules, downloads in progress
TOOLCHAIN_ROOT="${NETLAB_TOOLCHAIN_DIR:-$NETLAB_CACHE/toolchain}"

# A fixed timestamp for every file in the layers and archives (reproducible digests).
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1700000000}"
export SOURCE_DATE_EPOCH

log() { printf '[bundle] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# key STRING...: a short stable hash of the strings; a string naming a file stands for its name and content (not
# its path, so the key does not depend on where the repo is or how a script was called).
key() {
  local a
  for a in "$@"; do
    if [ -f "$a" ]; then printf 'file %s %s\n' "${a##*/}" "$(sha256sum <"$a")"; else printf '%s\n' "$a"; fi
  done | sha256sum | cut -c1-12
}

# is_complete DIR: the part was finished (its stamp is written last).
is_complete() { [ -f "$1/.complete" ]; }

# stamp DIR NAME SECONDS: mark a part finished, recording how long it took.
stamp() {
  printf 'part=%s\nseconds=%s\nbuilt=%s\n' "$2" "$3" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$1/.complete.tmp"
  mv "$1/.complete.tmp" "$1/.complete"
}

# Deterministic GNU tar of a directory's contents (DIR, OUT.tar), keeping owners by number and file capabilities.
det_tar() {
  tar --create --file "$2" --directory "$1" --sort=name --numeric-owner \
    --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
    --xattrs --xattrs-include='security.capability' \
    --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' --format=posix .
}

# words STRING: the whitespace-separated words of STRING (a list from versions.env), one per line.
words() {
  local w
  # shellcheck disable=SC2048 # splitting the list is the point; its words are package names, no globs
  for w in $*; do printf '%s\n' "$w"; done
}
