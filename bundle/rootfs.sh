#!/usr/bin/env bash
# Builds the images' shared Debian layer: a `mmdebstrap --variant=minbase DEBIAN_SUITE` root file system with
# ROOTFS_PACKAGES, without apt lists, docs (but copyright), man pages, info and locales, packed with GNU tar
# (owners by number, file capabilities kept, sorted, fixed mtimes) and gzip -n: the same bytes every time it is
# packed, so every image that uses it names the same layer digest.
# Writes $PARTS/rootfs-<key>/debian.tar.gz and packages.txt (name version). Usage: bundle/rootfs.sh
# Env: BUNDLE_APT_SOURCES  apt sources for the root file system (default: this machine's debian.sources)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local pkgs out
  mapfile -t pkgs < <(words "$ROOTFS_PACKAGES")
  out="$PARTS/rootfs-$(key "$DEBIAN_SUITE" "${pkgs[*]}" "${BASH_SOURCE[0]}" "$BUNDLE_HERE/lib.sh")"
  if is_complete "$out"; then log "rootfs: cached"; echo "$out"; return; fi
  command -v mmdebstrap >/dev/null || die "mmdebstrap missing: apt-get install mmdebstrap"
  local t0=$SECONDS sources="${BUNDLE_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}" dir include
  local mirror=()
  [ -f "$sources" ] && mirror=("$sources")
  mkdir -p "$out"
  dir="$out/rootfs"
  rm -rf "$dir"  # an interrupted mmdebstrap starts again
  log "rootfs: mmdebstrap --variant=minbase $DEBIAN_SUITE with ${#pkgs[@]} packages ..."
  include="$(IFS=,; echo "${pkgs[*]}")"
  # shellcheck disable=SC2016 # the hooks are scripts mmdebstrap runs with the root directory as $1
  mmdebstrap --quiet --variant=minbase --include="$include" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook='chroot "$1" dpkg-query -W -f "\${Package} \${Version}\n" > "$1/../packages.txt"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/cache/debconf/*-old "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache' \
    --customize-hook=': > "$1/etc/machine-id"; rm -f "$1"/etc/hostname "$1"/etc/resolv.conf' \
    "$DEBIAN_SUITE" "$dir" "${mirror[@]}" >&2
  getcap "$dir/bin/ping" 2>/dev/null | grep -q cap_net_raw || log "rootfs: WARNING: ping has no cap_net_raw capability"
  log "rootfs: packing the Debian layer ($(du -sh "$dir" | cut -f1)) ..."
  det_tar "$dir" "$out/debian.tar"
  gzip -9nf "$out/debian.tar"
  rm -rf "$dir"
  stamp "$out" rootfs $((SECONDS - t0))
  log "rootfs: debian.tar.gz $(du -h "$out/debian.tar.gz" | cut -f1) in $((SECONDS - t0))s"
  echo "$out"
}

main "$@"
