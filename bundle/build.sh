#!/usr/bin/env bash
# Builds the air-gapped node bundle (layout and contract: bundle/README.md) into
#   ${NETLAB_CACHE:-~/.cache/k8s-netlab}/bundle/netlab-bundle-<key>/   and the symlink .../bundle/current to it.
# Parts (each cached in .../bundle/parts/<part>-<key>, stamped when whole, so an interrupted build resumes):
#   go.sh      static Go binaries (the toolchain's Kubernetes and etcd builds, plus kubelet, kube-proxy, crictl,
#              etcdctl, CoreDNS, Kube Router, gobgp)
#   debs.sh    the flat apt repository
#   rootfs.sh  the images' Debian layer
#   images.sh  the OCI image archives
# then assembles them (hard links), writes bundle.json and stamps the bundle last. Keys hash the pins
# (toolchain/versions.env, bundle/versions.env) and the recipe files, so a cached run only checks stamps.
# Usage: bundle/build.sh   (prints the bundle directory on stdout, progress "[bundle] ..." on stderr)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The files of bundle.json: every file under bin/ debs/ images/ with its sha256.
files_json() {
  (cd "$1" && find bin debs images -type f -print0 | sort -z | xargs -0 sha256sum) |
    jq -R -n '[inputs | capture("^(?<sum>[0-9a-f]{64})  (?<path>.*)$") | {(.path): .sum}] | add'
}

assemble() {
  local dir="$1" go_bins=("${@:5}") debs="$2" rootfs="$3" images="$4" d
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp/bin"
  for b in kubelet kubeadm kubectl crictl; do
    for d in "${go_bins[@]}"; do [ -x "$d/$b" ] && ln -f "$d/$b" "$dir.tmp/bin/$b"; done
    [ -x "$dir.tmp/bin/$b" ] || die "no Go part provides $b"
  done
  cp -al "$debs/debs" "$dir.tmp/debs"
  cp -al "$images/images" "$dir.tmp/images"
  local containerd
  containerd="$(awk -F= '$1 == "containerd" {print $2}' "$debs/closure.txt")"
  log "assemble: checksums and bundle.json ..."
  jq -n \
    --argjson files "$(files_json "$dir.tmp")" \
    --argjson images "$(cat "$images/images.json")" \
    --arg format "$BUNDLE_FORMAT" --arg kubernetes "$KUBERNETES_VERSION" --arg etcd "$ETCD_VERSION" \
    --arg crictl "$CRI_TOOLS_VERSION" --arg coredns "$COREDNS_VERSION" --arg kubeRouter "$KUBE_ROUTER_VERSION" \
    --arg gobgp "$GOBGP_VERSION" --arg pause "$PAUSE_TAG" --arg debian "$DEBIAN_SUITE" --arg containerd "$containerd" \
    --arg go "$(go env GOVERSION)" \
    '{format: ($format | tonumber),
      versions: {kubernetes: $kubernetes, etcd: $etcd, crictl: $crictl, coredns: $coredns, kubeRouter: $kubeRouter,
                 gobgp: $gobgp, pause: $pause, debian: $debian, containerd: $containerd, go: $go},
      images: $images, files: $files}' >"$dir.tmp/bundle.json"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
}

main() {
  local t0=$SECONDS go_bins=() debs rootfs images
  log "building into $BUNDLE_ROOT"
  mkdir -p "$PARTS" "$WORK"
  mapfile -t go_bins < <(bash "$BUNDLE_HERE/go.sh")
  debs="$(bash "$BUNDLE_HERE/debs.sh")"
  rootfs="$(bash "$BUNDLE_HERE/rootfs.sh")"
  images="$(bash "$BUNDLE_HERE/images.sh" "${go_bins[@]}" -- "$rootfs" "$debs")"
  local dir
  dir="$BUNDLE_ROOT/netlab-bundle-$(key "${go_bins[@]}" "$debs" "$rootfs" "$images" "${BASH_SOURCE[0]}")"
  if is_complete "$dir"; then
    log "bundle: cached"
  else
    assemble "$dir" "$debs" "$rootfs" "$images" "${go_bins[@]}"
    stamp "$dir" bundle $((SECONDS - t0))
    log "bundle: $(du -sh "$dir" | cut -f1) assembled"
  fi
  ln -sfn "${dir##*/}" "$BUNDLE_ROOT/current.tmp" && mv -Tf "$BUNDLE_ROOT/current.tmp" "$BUNDLE_ROOT/current"
  log "ready in $((SECONDS - t0))s: $dir (also $BUNDLE_ROOT/current)"
  echo "$dir"
}

main "$@"
