#!/usr/bin/env bash
# Builds images/: one OCI layout holding every image, blobs shared (lib/bundle/oci.ts writes it), from the Go parts, the shared
# Debian layer and a few small layers made here. Layers (each a deterministic tar.gz, shared where listed twice):
#   debian     the Debian layer (bundle/rootfs.sh)            kube-proxy, kube-router, node-cache, lab-client
#   base       /etc/passwd, group, nsswitch.conf, CA bundle, /tmp   control plane, etcd, coredns
#   coredns    /coredns                                       coredns, node-cache
#   <one per image>  its binaries (and scripts from bundle/image-files)
# Usage: bundle/images.sh GO_BIN_DIR... -- ROOTFS_PART DEBS_PART   (prints the part directory)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# bin NAME: the Go binary NAME from the parts given on the command line.
bin() {
  local d
  for d in "${GO_BINS[@]}"; do [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done
  die "no Go part provides $1"
}

# layer NAME: packs $STAGE/NAME into $OUT/layers/NAME.tar.gz.
layer() {
  det_tar "$STAGE/$1" "$OUT/layers/$1.tar"
  gzip -9nf "$OUT/layers/$1.tar"
}

# put NAME DEST SRC [MODE]: a file into the staged layer NAME.
put() { install -D -m "${4:-0755}" "$3" "$STAGE/$1/$2"; }

stage_layers() {
  local b rootfs_tgz="$ROOTFS/debian.tar.gz"
  mkdir -p "$OUT/layers"
  ln -f "$rootfs_tgz" "$OUT/layers/debian.tar.gz"

  log "images: small layers ..."
  # base: what distroless-style images carry for static binaries.
  mkdir -p "$STAGE/base/etc/ssl/certs" "$STAGE/base/tmp" "$STAGE/base/var/run"
  chmod 1777 "$STAGE/base/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$STAGE/base/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$STAGE/base/etc/group"
  printf 'hosts: files dns\n' >"$STAGE/base/etc/nsswitch.conf"
  tar -xzf "$rootfs_tgz" -C "$STAGE/base" ./etc/ssl/certs/ca-certificates.crt
  layer base

  gcc -static -Os -Wall -Wextra -o "$STAGE/pause.bin" "$BUNDLE_HERE/pause/pause.c"
  strip "$STAGE/pause.bin"
  put pause pause "$STAGE/pause.bin"
  layer pause

  for b in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    put "$b" "usr/local/bin/$b" "$(bin "$b")"
    layer "$b"
  done
  put etcd usr/local/bin/etcd "$(bin etcd)"
  put etcd usr/local/bin/etcdctl "$(bin etcdctl)"
  mkdir -p "$STAGE/etcd/var/lib/etcd"
  layer etcd

  put coredns coredns "$(bin coredns)"
  layer coredns
  put node-cache node-cache "$BUNDLE_HERE/image-files/node-cache"
  layer node-cache

  # kube-router: as upstream's image, plus the CNI plugins from Debian's containernetworking-plugins.
  put kube-router usr/local/bin/kube-router "$(bin kube-router)"
  put kube-router usr/local/bin/gobgp "$(bin gobgp)"
  put kube-router usr/local/bin/cni-install "$BUNDLE_HERE/image-files/cni-install"
  mkdir -p "$STAGE/cni" "$STAGE/kube-router/var/lib/gobgp"
  dpkg-deb -x "$(compgen -G "$DEBS/debs/containernetworking-plugins_*.deb")" "$STAGE/cni"
  for b in bridge host-local loopback portmap; do put kube-router "usr/libexec/cni/$b" "$STAGE/cni/usr/lib/cni/$b"; done
  layer kube-router

  # lab-webserver: Debian's busybox-static with its applet links, nothing else.
  log "images: busybox layer from $BUSYBOX_PACKAGE ..."
  (cd "$STAGE" && apt-get download -q=2 -o APT::Sandbox::User=root "$BUSYBOX_PACKAGE")
  dpkg-deb -x "$(compgen -G "$STAGE/${BUSYBOX_PACKAGE}_*.deb")" "$STAGE/busybox"
  rm -rf "$STAGE/busybox/usr/share"
  local link
  while read -r link; do
    [ -e "$STAGE/busybox/$link" ] || { mkdir -p "$STAGE/busybox/${link%/*}"; ln -s /bin/busybox "$STAGE/busybox/$link"; }
  done < <("$STAGE/busybox/bin/busybox" --list-full)
  mkdir -p "$STAGE/busybox/tmp" "$STAGE/busybox/etc" "$STAGE/busybox/root"
  chmod 1777 "$STAGE/busybox/tmp"
  cp "$STAGE/base/etc/passwd" "$STAGE/base/etc/group" "$STAGE/busybox/etc/"
  layer busybox
}

# image NAME REF LAYERS ENTRYPOINT-JSON [CMD-JSON]: one entry of the image spec (JSON lines).
image() {
  local layers
  layers="$(for l in $3; do printf '%s\n' "$OUT/layers/$l.tar.gz"; done | jq -R . | jq -s -c .)"
  jq -n -c --arg name "$1" --arg ref "$2" --argjson layers "$layers" --argjson ep "$4" --argjson cmd "${5:-null}" \
    '{name: $name, ref: $ref, layers: $layers} + (if $ep then {entrypoint: $ep} else {} end) + (if $cmd then {cmd: $cmd} else {} end)'
}

image_specs() {
  local k="registry.k8s.io" v="v$KUBERNETES_VERSION" b
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    image "$b" "$k/$b:$v" "base $b" "[\"/usr/local/bin/$b\"]"
  done
  image kube-proxy "$k/kube-proxy:$v" "debian kube-proxy" '["/usr/local/bin/kube-proxy"]'
  image etcd "$k/etcd:$ETCD_IMAGE_TAG" "base etcd" '["/usr/local/bin/etcd"]'
  image coredns "$k/coredns/coredns:v$COREDNS_VERSION" "base coredns" '["/coredns"]'
  image pause "$k/pause:$PAUSE_TAG" "pause" '["/pause"]'
  image kube-router "docker.io/cloudnativelabs/kube-router:v$KUBE_ROUTER_VERSION" "debian kube-router" '["/usr/local/bin/kube-router"]'
  image node-cache "netlab.local/node-cache:$NODE_CACHE_TAG" "debian coredns node-cache" '["/node-cache"]'
  image lab-client "netlab.local/lab-client:$LAB_IMAGE_TAG" "debian" null '["/bin/bash"]'
  image lab-webserver "netlab.local/lab-webserver:$LAB_IMAGE_TAG" "busybox" null '["/bin/sh"]'
}

main() {
  GO_BINS=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do GO_BINS+=("$1"); shift; done
  [ "$#" -eq 3 ] || die "usage: images.sh GO_BIN_DIR... -- ROOTFS_PART DEBS_PART"
  ROOTFS="$2" DEBS="$3"
  local files=("${BASH_SOURCE[0]}" "$BUNDLE_HERE/lib.sh" "$BUNDLE_HERE/pause/pause.c" "$REPO_ROOT/lib/bundle/oci.ts")
  files+=("$BUNDLE_HERE"/image-files/*)
  OUT="$PARTS/images-$(key "${GO_BINS[@]}" "$ROOTFS" "$DEBS" "${files[@]}" "$BUSYBOX_PACKAGE")"
  if is_complete "$OUT"; then log "images: cached"; echo "$OUT"; return; fi
  local t0=$SECONDS
  rm -rf "$OUT"  # small parts: an interrupted run starts again
  mkdir -p "$OUT"
  STAGE="$OUT/stage"
  stage_layers
  image_specs >"$OUT/images.jsonl"
  jq -s . "$OUT/images.jsonl" >"$OUT/images.spec.json"
  log "images: writing $(wc -l <"$OUT/images.jsonl") images into one OCI layout ..."
  # shellcheck source=/dev/null # Node >= 22 on PATH
  . "$REPO_ROOT/scripts/env.sh"
  (cd "$REPO_ROOT" && node --import tsx lib/bundle/oci.ts "$OUT/images.spec.json" "$OUT/images" >"$OUT/images.json")
  rm -rf "$STAGE" "$OUT/images.jsonl"
  stamp "$OUT" images $((SECONDS - t0))
  log "images: $(du -sh "$OUT/images" | cut -f1) in $((SECONDS - t0))s"
  echo "$OUT"
}

main "$@"
