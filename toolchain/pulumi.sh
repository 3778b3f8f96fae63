#!/usr/bin/env bash
# Builds the pinned Pulumi toolchain from the Go module proxy with the machine's Go,
# and installs the resource providers into a private plugin cache (PULUMI_HOME),
# so that Pulumi never tries to download anything.
#
#   toolchain/pulumi.sh            build what is missing (idempotent, resumable)
#   source toolchain/pulumi-env.sh put the tools on PATH (written by this script)
#
# Pins: toolchain/versions.env. Cache: ${NETLAB_TOOLCHAIN_DIR:-$HOME/.cache/k8s-netlab/toolchain}.
# Each component lives in $ROOT/<component>-<version>/bin and is marked done by
# $ROOT/<component>-<version>/.complete, written last; a component whose stamp names the same
# module versions (its "recipe") is skipped, so re-runs are instant and interrupted runs resume.
# Go's module and build caches stay at their defaults (outside the repo).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$HERE/versions.env"

ROOT="${NETLAB_TOOLCHAIN_DIR:-$HOME/.cache/k8s-netlab/toolchain}"
SRC="$ROOT/src"
export PULUMI_HOME="$ROOT/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Never let go.mod 'toolchain' lines trigger a toolchain download.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

: "${PULUMI_VERSION:?versions.env must set PULUMI_VERSION}"
: "${PULUMI_KUBERNETES_VERSION:?versions.env must set PULUMI_KUBERNETES_VERSION}"
: "${PULUMI_COMMAND_VERSION:?versions.env must set PULUMI_COMMAND_VERSION}"
: "${PULUMI_KUBERNETES_PROVIDER_MODULE:?versions.env must set PULUMI_KUBERNETES_PROVIDER_MODULE}"
: "${PULUMI_KUBERNETES_SDK_MODULE:?versions.env must set PULUMI_KUBERNETES_SDK_MODULE}"
: "${PULUMI_LANGUAGE_NODEJS_MODULE:?versions.env must set PULUMI_LANGUAGE_NODEJS_MODULE}"
: "${PULUMI_KUBERNETES_PROVIDER_SUM:?versions.env must set PULUMI_KUBERNETES_PROVIDER_SUM}"

PULUMI_LANGUAGE_NODEJS_VERSION="${PULUMI_LANGUAGE_NODEJS_VERSION:-$PULUMI_VERSION}"
PULUMI_GO=github.com/pulumi/pulumi
K8S_GO=github.com/pulumi/pulumi-kubernetes
CMD_GO=github.com/pulumi/pulumi-command
SDK_VERSION_VAR="$PULUMI_GO/sdk/v3/go/common/version.Version"
FAILED=()

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s; }

# mod_field MODULE@VERSION FIELD: download a module version into the module cache and print
# one field (Dir, Sum) of `go mod download -json`. Extra environment (GONOSUMDB) may be given.
mod_field() {
  local mod="$1" field="$2" json value
  if ! json="$(go mod download -json "$mod" 2>&1)"; then
    printf '%s\n' "$json" >&2
    die "go mod download $mod failed"
  fi
  value="$(printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$field\": \"\(.*\)\",\$/\1/p")"
  [[ -n "$value" ]] || die "go mod download $mod: no $field"
  printf '%s\n' "$value"
}

# copy_mod MODULE@VERSION DEST: fresh, writable copy of a module's source from the module cache.
copy_mod() {
  local from
  from="$(mod_field "$1" Dir)"
  rm -rf "$2"
  mkdir -p "$(dirname "$2")"
  cp -R "$from" "$2"
  chmod -R u+w "$2"
}

# run_component NAME VERSION RECIPE FUNC: build NAME into $ROOT/NAME-VERSION/bin with FUNC, unless
# its stamp .complete exists and names the same RECIPE (the module versions it is built from).
run_component() {
  local name="$1" version="$2" recipe="$3" fn="$4" dir start rc
  dir="$ROOT/$name-$version"
  if [[ -f "$dir/.complete" && "$(head -n1 "$dir/.complete")" == "$recipe" ]]; then
    log "$name $version: cached"
    return 0
  fi
  log "building $name $version ..."
  start="$(now)"
  rm -rf "${dir:?}/bin"
  mkdir -p "$dir/bin"
  # A failing component does not stop the others; main() reports it and exits non-zero.
  set +e
  (set -e; "$fn" "$dir" "$version")
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    log "$name $version: FAILED after $(($(now) - start))s"
    FAILED+=("$name-$version")
    return 0
  fi
  printf '%s\nbuilt %s with %s\n' "$recipe" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(go env GOVERSION)" \
    >"$dir/.complete"
  log "$name $version: done in $(($(now) - start))s"
}

# prefer_path BIN WANT DIR VERSIONCMD...: if BIN on PATH (outside the cache) reports WANT, symlink it.
prefer_path() {
  local bin="$1" want="$2" dir="$3" found got
  shift 3
  found="$(command -v "$bin" 2>/dev/null || true)"
  [[ -n "$found" ]] || return 1
  case "$(readlink -f "$found")" in "$ROOT"/*) return 1 ;; esac
  got="$("$found" "$@" 2>/dev/null | head -n1 || true)"
  [[ "$got" == *"$want"* ]] || return 1
  ln -sf "$found" "$dir/bin/$bin"
  log "using $found ($got) from PATH"
}

# --- 1. Pulumi CLI ----------------------------------------------------------------------------
# pkg/v3 replaces the sdk with ../sdk, so `go install ...@version` refuses it: lay the two
# module-cache copies out like the monorepo (pkg/, sdk/) and build ./cmd/pulumi there.
build_pulumi() {
  local dir="$1" version="$2" work="$SRC/pulumi-$2"
  prefer_path pulumi "v$version" "$dir" version && return 0
  copy_mod "$PULUMI_GO/pkg/v3@v$version" "$work/pkg"
  copy_mod "$PULUMI_GO/sdk/v3@v$version" "$work/sdk"
  (cd "$work/pkg" && go build -trimpath -ldflags "-s -w -X $SDK_VERSION_VAR=v$version" \
    -o "$dir/bin/pulumi" ./cmd/pulumi)
  # The release tarball also ships the Node.js dynamic-provider shim next to pulumi (a sh script).
  install -m 0755 "$work/sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$dir/bin/"
  rm -rf "$work"
  [[ "$("$dir/bin/pulumi" version)" == "v$version" ]] || die "pulumi version mismatch"
}

# --- 2. Node.js language host ------------------------------------------------------------------
# Since v3.69 it is an untagged nested module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) whose go.mod
# replaces pkg/v3 => ../../../../pkg and sdk/v3 => ../../.. : lay it out inside the monorepo copy.
# The proxy here refuses that module at the release pseudo-version (403), so versions.env may set
# PULUMI_LANGUAGE_NODEJS_VERSION to an sdk/v3 release that still contained the host (<= 3.68.0):
# it is then built from that sdk module as it is, and stamped with that version.
build_language_nodejs() {
  local dir="$1" version="$2" work="$SRC/pulumi-language-nodejs-$2"
  prefer_path pulumi-language-nodejs "$version" "$dir" -version && return 0
  copy_mod "$PULUMI_GO/sdk/v3@v$version" "$work/sdk"
  if [[ "$version" == "$PULUMI_VERSION" ]]; then
    copy_mod "$PULUMI_GO/pkg/v3@v$version" "$work/pkg"
    copy_mod "$PULUMI_GO/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$PULUMI_LANGUAGE_NODEJS_MODULE" \
      "$work/sdk/nodejs/cmd/pulumi-language-nodejs"
    (cd "$work/sdk/nodejs/cmd/pulumi-language-nodejs" &&
      go build -trimpath -ldflags "-s -w -X $SDK_VERSION_VAR=v$version" \
        -o "$dir/bin/pulumi-language-nodejs" .)
  else
    [[ -d "$work/sdk/nodejs/cmd/pulumi-language-nodejs" ]] ||
      die "sdk/v3@v$version has no nodejs/cmd/pulumi-language-nodejs (only releases <= 3.68.0 do)"
    (cd "$work/sdk" && go build -trimpath -ldflags "-s -w -X $SDK_VERSION_VAR=v$version" \
      -o "$dir/bin/pulumi-language-nodejs" ./nodejs/cmd/pulumi-language-nodejs)
  fi
  rm -rf "$work"
}

# --- 3. Kubernetes resource provider -----------------------------------------------------------
# provider/v4 replaces sdk/v4 => ../sdk (its Go SDK is compiled in, for yaml/v2 and helm/v4), and
# go:embeds schema-embed.json / terraform-mapping-embed.json, which are not in the module zip:
# they are made by the module's own cmd/pulumi-resource-kubernetes/generate.go (go generate)
# from the committed schema.json and terraform-mapping.json, with VERSION stamped into the schema.
build_kubernetes() {
  local dir="$1" version="$2" work="$SRC/pulumi-kubernetes-$2" mod sum
  mod="$K8S_GO/provider/v4@$PULUMI_KUBERNETES_PROVIDER_MODULE"
  # This pseudo-version is served by the proxy but is not in the checksum database (404):
  # skip the sumdb for this one module and check the hash pinned in versions.env instead.
  sum="$(GONOSUMDB="$K8S_GO/provider" mod_field "$mod" Sum)"
  [[ "$sum" == "$PULUMI_KUBERNETES_PROVIDER_SUM" ]] ||
    die "$mod: module hash $sum, versions.env pins $PULUMI_KUBERNETES_PROVIDER_SUM"
  GONOSUMDB="$K8S_GO/provider" copy_mod "$mod" "$work/provider"
  copy_mod "$K8S_GO/sdk/v4@$PULUMI_KUBERNETES_SDK_MODULE" "$work/sdk"
  (cd "$work/provider/cmd/pulumi-resource-kubernetes" && VERSION="$version" go run ./generate.go)
  (cd "$work/provider" && go build -trimpath \
    -ldflags "-s -w -X $K8S_GO/provider/v4/pkg/version.Version=$version" \
    -o "$dir/bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)
  rm -rf "$work"
}

# --- 4. Command resource provider --------------------------------------------------------------
# github.com/pulumi/pulumi-command/provider has no tags of its own (provider/v1.2.1: 404), and the
# proxy here refuses its pseudo-versions at the v1.2.1 and sdk/v1.2.1 tag commits (403).
build_command() {
  local dir="$1" version="$2"
  GOBIN="$dir/bin" go install -trimpath \
    -ldflags "-s -w -X $CMD_GO/provider/pkg/version.Version=$version" \
    "$CMD_GO/provider/cmd/pulumi-resource-command@$PULUMI_COMMAND_PROVIDER_MODULE"
}

# --- 5. Providers into the plugin cache --------------------------------------------------------
# Installs (or re-installs, when the binary changed) a provider into $PULUMI_HOME/plugins.
install_plugin() {
  local name="$1" version="$2" binary="$3" installed
  installed="$PULUMI_HOME/plugins/resource-$name-v$version/pulumi-resource-$name"
  if [[ ! -x "$binary" || ! -x "$PULUMI_BIN/pulumi" ]]; then
    log "plugin resource $name $version: SKIPPED (no binary)"
    return 0
  fi
  if cmp -s "$binary" "$installed" && [[ ! -e "$PULUMI_HOME/plugins/resource-$name-v$version.partial" ]]; then
    log "plugin resource $name $version: cached"
    return 0
  fi
  log "installing plugin resource $name $version from $binary ..."
  "$PULUMI_BIN/pulumi" plugin install resource "$name" "$version" --file "$binary" --reinstall
  cmp -s "$binary" "$installed" || die "plugin resource $name $version: not installed at $installed"
}

# Pulumi looks for its language hosts next to the real `pulumi` executable first (where the release
# tarball puts them) and warns when it takes one from elsewhere on $PATH: link the host there.
link_language_host() {
  local host="$ROOT/pulumi-language-nodejs-$PULUMI_LANGUAGE_NODEJS_VERSION/bin/pulumi-language-nodejs" cli
  [[ -x "$host" && -e "$PULUMI_BIN/pulumi" ]] || return 0
  cli="$(dirname "$(readlink -f "$PULUMI_BIN/pulumi")")"
  [[ "$cli" == "$ROOT"/* ]] || return 0 # a pulumi from PATH: leave its directory alone
  ln -sfn "$host" "$cli/pulumi-language-nodejs"
}

# pulumi-env.sh puts only the CLI's bin dir on PATH (it also holds the language host and the
# dynamic-provider shim): a provider found on $PATH would override the plugin cache entirely
# (ignoring versions) and make Pulumi warn on every run, so providers are taken from PULUMI_HOME.
write_env() {
  local env="$HERE/pulumi-env.sh" tmp
  tmp="$(mktemp "$env.XXXXXX")"
  cat >"$tmp" <<EOF
# Generated by toolchain/pulumi.sh from toolchain/versions.env; do not edit.
# Source it to use the pinned Pulumi toolchain offline (no update checks, no plugin downloads).
# shellcheck shell=bash
_netlab_tc="\${NETLAB_TOOLCHAIN_DIR:-\$HOME/.cache/k8s-netlab/toolchain}"
export PATH="\$_netlab_tc/pulumi-$PULUMI_VERSION/bin:\$PATH"
export PULUMI_HOME="\$_netlab_tc/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
unset _netlab_tc
EOF
  chmod 0644 "$tmp"
  mv "$tmp" "$env"
}

main() {
  local t0 recipe
  t0="$(now)"
  command -v go >/dev/null || die "go is not installed"
  mkdir -p "$ROOT" "$PULUMI_HOME"
  log "cache root $ROOT ($(go version))"

  run_component pulumi "$PULUMI_VERSION" \
    "$PULUMI_GO/pkg/v3@v$PULUMI_VERSION $PULUMI_GO/sdk/v3@v$PULUMI_VERSION" build_pulumi
  PULUMI_BIN="$ROOT/pulumi-$PULUMI_VERSION/bin"
  if [[ "$PULUMI_LANGUAGE_NODEJS_VERSION" == "$PULUMI_VERSION" ]]; then
    recipe="$PULUMI_GO/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$PULUMI_LANGUAGE_NODEJS_MODULE"
  else
    recipe="$PULUMI_GO/sdk/v3@v$PULUMI_LANGUAGE_NODEJS_VERSION"
  fi
  [[ "$PULUMI_LANGUAGE_NODEJS_VERSION" == "$PULUMI_VERSION" ]] ||
    log "note: Node.js language host $PULUMI_LANGUAGE_NODEJS_VERSION, not $PULUMI_VERSION (see versions.env)"
  run_component pulumi-language-nodejs "$PULUMI_LANGUAGE_NODEJS_VERSION" "$recipe" build_language_nodejs
  link_language_host
  run_component pulumi-resource-kubernetes "$PULUMI_KUBERNETES_VERSION" \
    "$K8S_GO/provider/v4@$PULUMI_KUBERNETES_PROVIDER_MODULE $K8S_GO/sdk/v4@$PULUMI_KUBERNETES_SDK_MODULE" \
    build_kubernetes
  # An empty PULUMI_COMMAND_PROVIDER_MODULE skips the command provider (the proxy refuses it here).
  if [[ -n "${PULUMI_COMMAND_PROVIDER_MODULE:-}" ]]; then
    run_component pulumi-resource-command "$PULUMI_COMMAND_VERSION" \
      "$CMD_GO/provider@$PULUMI_COMMAND_PROVIDER_MODULE" build_command
  else
    log "pulumi-resource-command $PULUMI_COMMAND_VERSION: skipped (PULUMI_COMMAND_PROVIDER_MODULE is empty)"
  fi

  install_plugin kubernetes "$PULUMI_KUBERNETES_VERSION" \
    "$ROOT/pulumi-resource-kubernetes-$PULUMI_KUBERNETES_VERSION/bin/pulumi-resource-kubernetes"
  [[ -z "${PULUMI_COMMAND_PROVIDER_MODULE:-}" ]] ||
    install_plugin command "$PULUMI_COMMAND_VERSION" \
      "$ROOT/pulumi-resource-command-$PULUMI_COMMAND_VERSION/bin/pulumi-resource-command"

  write_env
  if [[ ${#FAILED[@]} -gt 0 ]]; then
    log "FAILED: ${FAILED[*]} (after $(($(now) - t0))s); the rest is usable via toolchain/pulumi-env.sh"
    exit 1
  fi
  log "toolchain ready in $(($(now) - t0))s; use: source toolchain/pulumi-env.sh"
}

main "$@"
