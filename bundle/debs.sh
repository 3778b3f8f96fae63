#!/usr/bin/env bash
# Builds debs/: a flat apt repository with BUNDLE_DEBS (and BUNDLE_DEBS_EXTRA) plus their whole dependency closure
# for a bare DEBIAN_SUITE node, downloaded with apt-get download from this machine's apt sources. The closure is
# resolved against an empty dpkg status, so nothing this machine has installed is left out; a node just ignores
# what it already has. Indexed with dpkg-scanpackages (Packages, Packages.gz) for
#   deb [trusted=yes] file:/var/lib/netlab/bundle/debs ./
# Usage: bundle/debs.sh  (prints the part directory; cached by the package lists and this script)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local pkgs out
  mapfile -t pkgs < <(words "$BUNDLE_DEBS $BUNDLE_DEBS_EXTRA")
  out="$PARTS/debs-$(key "$DEBIAN_SUITE" "${pkgs[*]}" "${BASH_SOURCE[0]}")"
  if is_complete "$out"; then log "debs: cached"; echo "$out"; return; fi
  command -v dpkg-scanpackages >/dev/null || die "dpkg-scanpackages missing: apt-get install dpkg-dev"
  local t0=$SECONDS empty
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ "$codename" = "$DEBIAN_SUITE" ] || die "this machine's apt serves ${codename:-?}, the nodes run $DEBIAN_SUITE"
  mkdir -p "$out/debs" "$WORK"
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
  stamp "$out" debs $((SECONDS - t0))
  log "debs: $(wc -l <"$out/closure.txt") packages, $(du -sh "$out/debs" | cut -f1) in $((SECONDS - t0))s"
  echo "$out"
}

main "$@"
