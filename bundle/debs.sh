#!/usr/bin/env bash
# Builds debs/: a flat apt repository with BUNDLE_DEBS (and BUNDLE_DEBS_EXTRA) plus their whole dependency closure
# for a bare DEBIAN_SUITE node, and DOCKER_DEBS from DOCKER_SUITE (their dependencies from DEBIAN_SUITE),
# downloaded with apt-get download from this machine's apt mirror. The closure is resolved against an empty dpkg
# status, so nothing this machine has installed is left out; a node just ignores
# what it already has. Indexed with dpkg-scanpackages (Packages, Packages.gz) for
#   deb [trusted=yes] file:/var/lib/netlab/bundle/debs ./
# Usage: bundle/debs.sh  (prints the part directory; cached by the package lists and this script)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# apt_private DIR SOURCE-LINE ARGS...: apt-get with a private state under DIR (lists, cache, an empty dpkg status)
# reading only SOURCE-LINE, never this machine's own sources or installed packages.
apt_private() {
  local dir="$1" source="$2"
  shift 2
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  printf '%s\n' "$source" >"$dir/sources.list"
  : >"$dir/status"
  apt-get -q=2 -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::lists="$dir/lists" \
    -o Dir::Cache="$dir/cache" -o Dir::State::status="$dir/status" -o APT::Sandbox::User=root "$@"
}

# apt_in SUITE ARGS...: apt_private reading SUITE's main from the mirror this machine's apt uses for DEBIAN_SUITE.
apt_in() {
  local suite="$1" mirror
  shift
  # shellcheck disable=SC2016 # $(...) here is apt's format syntax, not the shell's
  mirror="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' | awk -v s="$DEBIAN_SUITE" '$2 == s { print $1; exit }')"
  [ -n "$mirror" ] || die "this machine's apt sources have no $DEBIAN_SUITE mirror"
  apt_private "$WORK/apt-$suite" "deb $mirror $suite main" "$@"
}

# later_suite_debs DIR: DOCKER_DEBS as DOCKER_SUITE has them (not their dependencies) into DIR/debs; prints the
# names their Depends need (first of each alternative), for the closure from DEBIAN_SUITE.
later_suite_debs() {
  local dir="$1" pkgs deb
  mapfile -t pkgs < <(words "$DOCKER_DEBS")
  [ "${#pkgs[@]}" -gt 0 ] || return 0
  log "debs: ${pkgs[*]} from $DOCKER_SUITE ..."
  apt_in "$DOCKER_SUITE" update
  (cd "$dir/debs" && apt_in "$DOCKER_SUITE" download "${pkgs[@]}")
  for deb in "${pkgs[@]}"; do
    deb="$(compgen -G "$dir/debs/${deb}_*.deb")" || die "apt-get download gave no $deb"
    dpkg-deb -f "$deb" Package Version | paste -sd= | sed 's/^Package: //; s/=Version: /=/' >>"$dir/later-suite.txt"
    dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' | grep -v '^$'
  done | sort -u
}

# installable DIR PKG...: a bare node with only DIR/debs as its apt source can install PKG... (apt resolves every
# dependency and version constraint, the later suite's packages included).
installable() {
  local dir="$1" repo="$WORK/apt-bundle-check"
  shift
  apt_private "$repo" "deb [trusted=yes] file:$dir/debs ./" update
  apt_private "$repo" "deb [trusted=yes] file:$dir/debs ./" -s -o APT::Install-Recommends=false install "$@" >/dev/null ||
    die "the bundle's debs cannot install: $*"
  rm -rf "$repo"
}

main() {
  local pkgs out later=() later_deps
  mapfile -t pkgs < <(words "$BUNDLE_DEBS $BUNDLE_DEBS_EXTRA")
  mapfile -t later < <(words "$DOCKER_DEBS")
  out="$PARTS/debs-$(key "$DEBIAN_SUITE" "${pkgs[*]}" "$DOCKER_SUITE" "${later[*]}" "${BASH_SOURCE[0]}")"
  if is_complete "$out"; then log "debs: cached"; echo "$out"; return; fi
  command -v dpkg-scanpackages >/dev/null || die "dpkg-scanpackages missing: apt-get install dpkg-dev"
  local t0=$SECONDS empty
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ "$codename" = "$DEBIAN_SUITE" ] || die "this machine's apt serves ${codename:-?}, the nodes run $DEBIAN_SUITE"
  mkdir -p "$out/debs" "$WORK"
  rm -f "$out/later-suite.txt"
  later_deps="$(later_suite_debs "$out")"
  mapfile -t -O "${#pkgs[@]}" pkgs <<<"$later_deps"
  empty="$(mktemp "$WORK/dpkg-status.XXXXXX")"
  # What a machine with no packages at all would install (no recommends), as name=version.
  log "debs: resolving the closure of ${#pkgs[@]} packages ..."
  apt-get -s -o Dir::State::status="$empty" -o APT::Install-Recommends=false install "${pkgs[@]}" |
    awk '$1 == "Inst" { v = $3; gsub(/[()]/, "", v); print $2 "=" v }' | sort >"$out/closure.txt"
  rm -f "$empty"
  [ -s "$out/closure.txt" ] || die "apt-get resolved no packages"
  log "debs: downloading $(wc -l <"$out/closure.txt") .deb files ..."
  # apt-get download skips nothing: drop what an interrupted run already fetched (complete files only).
  local todo=() line
  while read -r line; do
    compgen -G "$out/debs/${line%%=*}_*.deb" >/dev/null || todo+=("$line")
  done <"$out/closure.txt"
  if [ "${#todo[@]}" -gt 0 ]; then
    (cd "$out/debs" && apt-get download -q=2 -o APT::Sandbox::User=root "${todo[@]}")
  fi
  log "debs: indexing with dpkg-scanpackages ..."
  (cd "$out/debs" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages.tmp && mv Packages.tmp Packages &&
    gzip -9nc Packages >Packages.gz)
  installable "$out" "${pkgs[@]}" "${later[@]}"
  stamp "$out" debs $((SECONDS - t0))
  log "debs: $(wc -l <"$out/closure.txt") packages, $(du -sh "$out/debs" | cut -f1) in $((SECONDS - t0))s"
  echo "$out"
}

main "$@"
