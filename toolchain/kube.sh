#!/usr/bin/env bash
# Builds the simulated bench's control plane from the Go module proxy with the
# machine's Go toolchain (no other downloads are possible here):
#   kubernetes-<v>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubeadm,kubectl}
#   etcd-<v>/bin/etcd
#   kwok-<v>/bin/kwok
# under ${NETLAB_TOOLCHAIN_DIR:-$HOME/.cache/k8s-netlab/toolchain}, pins read from
# versions.env beside this file.
#
# Idempotent: a component whose dir holds a `.complete` stamp (written last) and all
# its binaries is skipped, so re-runs are instant and an interrupted run resumes.
# Go's module and build caches stay at their defaults, so rebuilds are incremental.
# A binary already on PATH with exactly the pinned version is symlinked instead of built.
#
# Usage: toolchain/kube.sh [kubernetes|etcd|kwok ...]   (default: all three)
# Env:   NETLAB_TOOLCHAIN_DIR  cache root
#        NETLAB_BUILD_KUBECTL  0 = do not build kubectl (default 1: it costs ~40 s more and
#                              keeps kubectl within the supported +-1 minor version skew)
# Then:  . toolchain/kube-env.sh   (prepends the bin dirs to PATH)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"
: "${KUBERNETES_VERSION:?versions.env must set KUBERNETES_VERSION}"
: "${ETCD_VERSION:?versions.env must set ETCD_VERSION}"
: "${KWOK_VERSION:?versions.env must set KWOK_VERSION}"

ROOT="${NETLAB_TOOLCHAIN_DIR:-$HOME/.cache/k8s-netlab/toolchain}"
WORK="$ROOT/work"
BUILD_KUBECTL="${NETLAB_BUILD_KUBECTL:-1}"

# Static, reproducible, small binaries built with this machine's Go only.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
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

# ---------------------------------------------------------------- kubernetes
build_kubernetes() {
  local v="$KUBERNETES_VERSION" dir="$ROOT/kubernetes-$KUBERNETES_VERSION"
  local bins=(kube-apiserver kube-controller-manager kube-scheduler kubeadm)
  [ "$BUILD_KUBECTL" = 1 ] && bins+=(kubectl)
  if is_complete "$dir" "${bins[@]}"; then log "kubernetes $v ... cached ($dir/bin)"; return; fi
  go_at_least 1.24 || die "k8s.io/kubernetes v$v needs Go >= 1.24, have $(go env GOVERSION)"
  mkdir -p "$dir/bin"
  rm -f "$dir/.complete"

  # Binaries on PATH with the exact version are linked, the rest are built (but not
  # again if an earlier, interrupted run already moved them into place).
  local todo=() b p
  for b in "${bins[@]}"; do
    [ -x "$dir/bin/$b" ] && continue
    case "$b" in
      kubeadm) p="$(on_path kubeadm "v$v" version -o short)" || p="" ;;
      kubectl) p="$(on_path kubectl "Client Version: v$v" version --client)" || p="" ;;
      *) p="$(on_path "$b" "Kubernetes v$v" --version)" || p="" ;;
    esac
    if [ -n "$p" ]; then
      ln -sfn "$p" "$dir/bin/$b"
      log "$b $v ... using $p"
    else
      todo+=("$b")
    fi
  done

  if [ "${#todo[@]}" -gt 0 ]; then
    local t0=$SECONDS wd="$WORK/kubernetes-$v" mod staging_v minor m build_date
    mkdir -p "$wd"
    log "resolving k8s.io/kubernetes v$v ..."
    mod="$(go mod download -json "k8s.io/kubernetes@v$v" | sed -n 's/.*"GoMod": *"\([^"]*\)".*/\1/p')"
    [ -f "$mod" ] || die "could not fetch k8s.io/kubernetes v$v from the module proxy"
    staging_v="v0.${v#*.}"   # 1.34.3 -> v0.34.3, the published staging modules
    minor="${v#*.}"; minor="${minor%%.*}"
    # The wrapper module: k8s.io/kubernetes itself replaces its staging modules by
    # ./staging/... paths, which a dependency cannot use; replace every staging module it
    # requires (at v0.0.0) by the published v0.<minor>.<patch> instead.
    {
      printf '// Generated by toolchain/kube.sh: wrapper to build k8s.io/kubernetes v%s.\n' "$v"
      printf 'module netlab.local/toolchain/kubernetes\n\ngo 1.24.0\n\n'
      printf 'godebug default=go1.24\n\n'
      printf 'require k8s.io/kubernetes v%s\n\nreplace (\n' "$v"
      grep -E '=>[[:space:]]*\./staging/' "$mod" | sed -E 's/^[[:space:]]*(replace[[:space:]]+)?//' | awk '{print $1}' |
        while read -r m; do
        if grep -qE "^[[:space:]]*(require[[:space:]]+)?${m//./\\.}[[:space:]]+v0\.0\.0([[:space:]]|$)" "$mod"; then
          printf '\t%s => %s %s\n' "$m" "$m" "$staging_v"
        fi
        done
      printf ')\n'
    } >"$wd/go.mod.new"
    if ! cmp -s "$wd/go.mod.new" "$wd/go.mod.gen"; then
      # Wrapper changed (new pin): start from the generated file again.
      cp "$wd/go.mod.new" "$wd/go.mod.gen"
      cp "$wd/go.mod.new" "$wd/go.mod"
      rm -f "$wd/go.sum"
    fi
    rm -f "$wd/go.mod.new"

    build_date="$(module_time k8s.io/kubernetes "v$v")"
    local ldflags="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=v$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
      ldflags+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000"
      ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
    done
    local pkgs=()
    for b in "${todo[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
    log "building ${todo[*]} $v (wrapper $wd) ..."
    mkdir -p "$wd/out"
    (cd "$wd" && "${GO_BUILD[@]}" -mod=mod -ldflags "$ldflags" -o "$wd/out/" "${pkgs[@]}")
    for b in "${todo[@]}"; do mv -f "$wd/out/$b" "$dir/bin/$b"; done
    log "built ${todo[*]} $v in $((SECONDS - t0))s"
  fi

  local got
  got="$("$dir/bin/kube-apiserver" --version)"
  [ "$got" = "Kubernetes v$v" ] || die "kube-apiserver --version printed '$got', want 'Kubernetes v$v'"
  stamp "$dir" kubernetes "$v"
  log "kubernetes $v ... done ($got)"
}

# ---------------------------------------------------------------------- etcd
build_etcd() {
  local v="$ETCD_VERSION" dir="$ROOT/etcd-$ETCD_VERSION" p
  if is_complete "$dir" etcd; then log "etcd $v ... cached ($dir/bin)"; return; fi
  mkdir -p "$dir/bin"
  rm -f "$dir/.complete"
  if p="$(on_path etcd "etcd Version: $v" --version)"; then
    ln -sfn "$p" "$dir/bin/etcd"
    log "etcd $v ... using $p"
  else
    go_at_least "$(etcd_go_version "$v")" || die "etcd v$v needs Go >= $(etcd_go_version "$v"), have $(go env GOVERSION)"
    local t0=$SECONDS wd="$WORK/etcd-$v" m
    mkdir -p "$wd/cmd/etcd"
    # The server module's own go.mod replaces its sibling modules by ../ paths, so it
    # cannot be `go install`ed: wrap it, requiring every go.etcd.io/etcd module at $v.
    {
      printf '// Generated by toolchain/kube.sh: wrapper to build etcd v%s.\n' "$v"
      printf 'module netlab.local/toolchain/etcd\n\ngo %s\n\nrequire (\n' "$(etcd_go_version "$v")"
      for m in server/v3 api/v3 client/pkg/v3 client/v3 pkg/v3; do
        printf '\tgo.etcd.io/etcd/%s v%s\n' "$m" "$v"
      done
      printf ')\n'
    } >"$wd/go.mod.new"
    if ! cmp -s "$wd/go.mod.new" "$wd/go.mod.gen"; then
      cp "$wd/go.mod.new" "$wd/go.mod.gen"
      cp "$wd/go.mod.new" "$wd/go.mod"
      rm -f "$wd/go.sum"
    fi
    rm -f "$wd/go.mod.new"
    cat >"$wd/cmd/etcd/main.go" <<'EOF'
// Generated by toolchain/kube.sh: the etcd server binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
    log "building etcd $v (wrapper $wd) ..."
    (cd "$wd" && "${GO_BUILD[@]}" -mod=mod \
      -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$v" \
      -o "$wd/etcd.out" ./cmd/etcd)
    mv -f "$wd/etcd.out" "$dir/bin/etcd"
    log "built etcd $v in $((SECONDS - t0))s"
  fi
  local got
  got="$("$dir/bin/etcd" --version)"
  got="${got%%$'\n'*}"  # first line (no `| head`: SIGPIPE would fail it under pipefail)
  [ "$got" = "etcd Version: $v" ] || die "etcd --version printed '$got', want 'etcd Version: $v'"
  stamp "$dir" etcd "$v"
  log "etcd $v ... done ($got)"
}

# The `go` line of go.etcd.io/etcd/server/v3's go.mod (the least Go it builds with).
etcd_go_version() {
  local mod
  mod="$(go mod download -json "go.etcd.io/etcd/server/v3@v$1" | sed -n 's/.*"GoMod": *"\([^"]*\)".*/\1/p')"
  [ -f "$mod" ] || die "could not fetch go.etcd.io/etcd/server/v3 v$1 from the module proxy"
  awk '$1 == "go" {print $2; exit}' "$mod"
}

# ---------------------------------------------------------------------- kwok
build_kwok() {
  local v="$KWOK_VERSION" dir="$ROOT/kwok-$KWOK_VERSION" p
  if is_complete "$dir" kwok; then log "kwok $v ... cached ($dir/bin)"; return; fi
  mkdir -p "$dir/bin"
  rm -f "$dir/.complete"
  if p="$(on_path kwok "kwok version v$v" --version)"; then
    ln -sfn "$p" "$dir/bin/kwok"
    log "kwok $v ... using $p"
  else
    local t0=$SECONDS
    log "building kwok $v ..."
    # Its go.mod has no replace directives, so a plain `go install pkg@version` works.
    GOBIN="$dir/bin" go install -trimpath \
      -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$v" \
      "sigs.k8s.io/kwok/cmd/kwok@v$v"
    log "built kwok $v in $((SECONDS - t0))s"
  fi
  "$dir/bin/kwok" --help >/dev/null || die "kwok does not run"
  stamp "$dir" kwok "$v"
  log "kwok $v ... done"
}

# ---------------------------------------------------------------------- main
write_env() {
  local f="$HERE/kube-env.sh"
  cat >"$f.tmp" <<'EOF'
# Generated by toolchain/kube.sh. Source it: `. toolchain/kube-env.sh`
# Prepends the Go-built control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubeadm, kubectl, etcd, kwok) of the versions pinned in versions.env to PATH.
# shellcheck shell=bash
# shellcheck source=versions.env
. "$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)/versions.env"
_netlab_root="${NETLAB_TOOLCHAIN_DIR:-$HOME/.cache/k8s-netlab/toolchain}"
for _netlab_dir in "$_netlab_root/kwok-$KWOK_VERSION/bin" \
  "$_netlab_root/etcd-$ETCD_VERSION/bin" \
  "$_netlab_root/kubernetes-$KUBERNETES_VERSION/bin"; do
  case ":$PATH:" in
    *":$_netlab_dir:"*) ;;
    *) PATH="$_netlab_dir:$PATH" ;;
  esac
done
export PATH
unset _netlab_root _netlab_dir
EOF
  if cmp -s "$f.tmp" "$f"; then rm -f "$f.tmp"; else mv -f "$f.tmp" "$f"; fi
}

main() {
  command -v go >/dev/null || die "go is not on PATH"
  local components=("$@") c t0=$SECONDS
  [ "${#components[@]}" -gt 0 ] || components=(etcd kwok kubernetes)
  log "cache root $ROOT, $(go env GOVERSION), modules from $(go env GOPROXY)"
  mkdir -p "$ROOT" "$WORK"
  for c in "${components[@]}"; do
    case "$c" in
      kubernetes) build_kubernetes ;;
      etcd) build_etcd ;;
      kwok) build_kwok ;;
      *) die "unknown component '$c' (want kubernetes, etcd or kwok)" ;;
    esac
  done
  write_env
  log "all done in $((SECONDS - t0))s; use: . $HERE/kube-env.sh"
}

main "$@"
