# shellcheck shell=bash
# Sourced by toolchain/kube.sh: how a pinned Go binary gets into the toolchain cache. Reused from PATH when
# it has exactly the pinned version, else built with this machine's Go from the module proxy (a wrapper module
# when the upstream go.mod cannot be required as is), then stamped: a component dir holding a `.complete`
# stamp (written last) and all its binaries is skipped. The caller sets ROOT (the cache root).

# Static, reproducible, small binaries built with this machine's Go only.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# shellcheck disable=SC2034 # used by kube.sh
GO_BUILD=(go build -trimpath)

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# go_at_least MAJOR.MINOR: is the local Go at least that version?
go_at_least() {
  local have want="$1"
  have="$(go env GOVERSION)"; have="${have#go}"
  local lowest
  lowest="$(printf '%s\n%s\n' "$want" "$have" | sort -V)"
  [ "${lowest%%$'\n'*}" = "$want" ]
}

# on_path NAME EXPECTED ARGS...: print the path of NAME on PATH (outside the cache root)
# if running it with ARGS (e.g. --version) prints a line that is EXPECTED, or EXPECTED
# followed by a space and more; fail otherwise.
on_path() {
  local name="$1" expected="$2" p out line
  shift 2
  p="$(command -v "$name" 2>/dev/null)" || return 1
  p="$(readlink -f "$p")"
  case "$p" in "$ROOT"/*) return 1 ;; esac
  out="$("$p" "$@" 2>/dev/null)" || return 1
  while IFS= read -r line; do
    case "$line" in
      "$expected" | "$expected "*) printf '%s\n' "$p"; return 0 ;;
    esac
  done <<<"$out"
  return 1
}

# is_complete DIR BIN...: stamped and every binary present.
is_complete() {
  local dir="$1" b
  shift
  [ -f "$dir/.complete" ] || return 1
  for b in "$@"; do [ -x "$dir/bin/$b" ] || return 1; done
}

# stamp DIR COMPONENT VERSION: marks DIR complete (the stamp is written last).
stamp() {
  local dir="$1" component="$2" version="$3"
  printf 'component=%s\nversion=%s\ngo=%s\nbuilt=%s\n' "$component" "$version" \
    "$(go env GOVERSION)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/.complete.tmp"
  mv "$dir/.complete.tmp" "$dir/.complete"
}

# Time of the module version on the proxy (the tag's commit time): a reproducible build date.
module_time() {
  local info
  info="$(go mod download -json "$1@$2" | sed -n 's/.*"Info": *"\([^"]*\)".*/\1/p')"
  [ -f "$info" ] || die "could not fetch $1 $2 from the module proxy"
  sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$info"
}

# use_wrapper_mod WD: WD/go.mod.new is the wrapper module's generated go.mod; when it differs from the one generated
# last (a new pin), start from it again (go.mod and go.sum are the build's, resolved by Go); else keep them.
use_wrapper_mod() {
  local wd="$1"
  if ! cmp -s "$wd/go.mod.new" "$wd/go.mod.gen"; then
    cp "$wd/go.mod.new" "$wd/go.mod.gen"
    cp "$wd/go.mod.new" "$wd/go.mod"
    rm -f "$wd/go.sum"
  fi
  rm -f "$wd/go.mod.new"
}
