# Container runtime and Kubernetes: containerd (systemd cgroups, kubeadm's pause image), the CNI plugins, kubelet,
# kubeadm, kubectl and crictl, from the bundle or from the online repositories; with the bundle, its images too.
# NETLAB_CONTAINER_RUNTIME docker (bundle only) adds Docker Engine and cri-dockerd, the kubelet's CRI then.
create() {
  put_file /etc/crictl.yaml "$NETLAB_CRICTL_YAML"
  if [ "$NETLAB_PACKAGE_SOURCE" = bundle ]; then
    put_file /etc/systemd/system/kubelet.service "$NETLAB_KUBELET_UNIT"
    put_file /etc/systemd/system/kubelet.service.d/10-kubeadm.conf "$NETLAB_KUBELET_DROPIN"
  fi
  # pigz: containerd 1.6 unpacks gzip'd layers with unpigz when it is on PATH, about three times faster than Go's
  # gzip (measured on an emulated node: 39 MB out in 3-7 s against 10-17 s).
  install_packages containerd runc containernetworking-plugins pigz
  if [ "$NETLAB_PACKAGE_SOURCE" = bundle ]; then install_kubernetes_from_bundle; else install_kubernetes_online; fi
  link_cni_plugins
  configure_containerd
  systemctl daemon-reload
  systemctl enable --now containerd
  if [ "$NETLAB_CONTAINER_RUNTIME" = docker ]; then install_docker; fi
  if [ "$NETLAB_PACKAGE_SOURCE" = bundle ]; then import_bundle_images; fi
  systemctl enable kubelet
}

# Docker Engine (docker.io and docker-cli from the bundle) and cri-dockerd with its socket. daemon.json is in
# place before the package first starts dockerd, so Docker never runs with its own iptables rules.
install_docker() {
  put_file /etc/docker/daemon.json "$NETLAB_DOCKER_DAEMON_JSON"
  install_packages docker.io docker-cli
  install -m 0755 "$NETLAB_BUNDLE_DIR/bin/cri-dockerd" "$NETLAB_ROOT/usr/bin/cri-dockerd.netlab-tmp"
  mv -f "$NETLAB_ROOT/usr/bin/cri-dockerd.netlab-tmp" "$NETLAB_ROOT/usr/bin/cri-dockerd"
  put_file /etc/systemd/system/cri-docker.service "$NETLAB_CRI_DOCKERD_SERVICE"
  put_file /etc/systemd/system/cri-docker.socket "$NETLAB_CRI_DOCKERD_SOCKET"
  systemctl daemon-reload
  systemctl enable --now docker
  # A re-run that rewrote daemon.json: dockerd reads it only when it starts.
  if [ "$(docker_cgroup_driver)" != systemd ]; then systemctl restart docker; fi
  systemctl enable --now cri-docker.socket
  systemctl enable cri-docker.service
  systemctl restart cri-docker.service
  log "Docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), cri-dockerd $(cri-dockerd --version 2>&1 | head -n1)"
}

docker_cgroup_driver() {
  docker info --format '{{.CgroupDriver}}' 2>/dev/null || echo unreachable
}

# kubelet, kubeadm, kubectl and crictl as the bundle built them (create() wrote the kubelet units the packages ship).
install_kubernetes_from_bundle() {
  local bin
  for bin in kubelet kubeadm kubectl crictl; do
    install -m 0755 "$NETLAB_BUNDLE_DIR/bin/$bin" "$NETLAB_ROOT/usr/bin/$bin.netlab-tmp"
    mv -f "$NETLAB_ROOT/usr/bin/$bin.netlab-tmp" "$NETLAB_ROOT/usr/bin/$bin"
  done
  log "kubelet, kubeadm, kubectl, crictl $("$NETLAB_ROOT/usr/bin/kubeadm" version -o short) installed from the bundle"
}

install_kubernetes_online() {
  install_packages curl gpg ca-certificates
  put_file /etc/apt/sources.list.d/kubernetes.list \
    "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v$NETLAB_K8S_MINOR/deb/ /"
  mkdir -p "$NETLAB_ROOT/etc/apt/keyrings"
  if [ ! -s "$NETLAB_ROOT/etc/apt/keyrings/kubernetes-apt-keyring.gpg" ]; then
    curl -fsSL "https://pkgs.k8s.io/core:/stable:/v$NETLAB_K8S_MINOR/deb/Release.key" | gpg --dearmor -o "$NETLAB_ROOT/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
  fi
  apt_get update
  apt_get install --allow-change-held-packages cri-tools \
    "kubelet=$NETLAB_K8S_VERSION-*" "kubeadm=$NETLAB_K8S_VERSION-*" "kubectl=$NETLAB_K8S_VERSION-*"
  apt-mark hold kubelet kubeadm kubectl
}

# Debian's containernetworking-plugins live in /usr/lib/cni; containerd and kube-router look in /opt/cni/bin.
link_cni_plugins() {
  local plugin name
  mkdir -p "$NETLAB_ROOT/opt/cni/bin"
  for plugin in "$NETLAB_ROOT"/usr/lib/cni/*; do
    [ -e "$plugin" ] || continue
    name="${plugin##*/}"
    [ -e "$NETLAB_ROOT/opt/cni/bin/$name" ] || ln -s "/usr/lib/cni/$name" "$NETLAB_ROOT/opt/cni/bin/$name"
  done
}

# containerd's defaults with the two settings kubeadm depends on, checked before they replace the file containerd
# loads, on every run: a sed that matched nothing (containerd 2.x's defaults have no sandbox_image line) would
# otherwise leave cgroupfs (kubelet and containerd disagreeing) or an old pause image, and a re-run would find it
# unchanged and pass.
configure_containerd() {
  local config="$NETLAB_ROOT/etc/containerd/config.toml" found
  local new="$config.netlab-tmp"
  mkdir -p "$NETLAB_ROOT/etc/containerd"
  containerd config default |
    sed -E -e 's/^([[:space:]]*SystemdCgroup[[:space:]]*=).*/\1 true/' \
      -e "s#^([[:space:]]*sandbox_image[[:space:]]*=).*#\\1 \"$NETLAB_PAUSE_IMAGE\"#" >"$new"
  found="$(containerd_settings "$new")"
  if [ "$found" != "$NETLAB_CONTAINERD_EXPECTED" ]; then
    rm -f "$new"
    log "containerd config is not what kubeadm needs: found '$found', want '$NETLAB_CONTAINERD_EXPECTED'" \
      "(netlab sets containerd 1.x's keys; 2.x names them differently)"
    return 1
  fi
  if cmp -s "$new" "$config"; then
    rm -f "$new"
    log "containerd: config unchanged"
    return 0
  fi
  mv -f "$new" "$config"
  systemctl restart containerd
  log "containerd: $found"
}

# The two settings as one line, read back from the file containerd loads (or the file named).
containerd_settings() {
  local file="${1:-$NETLAB_ROOT/etc/containerd/config.toml}" cgroup sandbox
  cgroup="$(sed -n -E 's/^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*//p' "$file" 2>/dev/null | head -n1)"
  sandbox="$(sed -n -E 's/^[[:space:]]*sandbox_image[[:space:]]*=[[:space:]]*"?([^"]*)"?.*$/\1/p' "$file" 2>/dev/null | head -n1)"
  printf 'SystemdCgroup=%s sandbox_image=%s' "${cgroup:-missing}" "${sandbox:-missing}"
}

# Every image of the bundle the node holds into the kubelet's runtime: containerd's k8s.io namespace, or Docker
# Engine. A pushed bundle is a fresh directory, so its stamp says whether this bundle's images are in already.
import_bundle_images() {
  local stamp="$NETLAB_BUNDLE_DIR/.images-imported-$NETLAB_CONTAINER_RUNTIME" names
  if [ -f "$stamp" ]; then return 0; fi
  if [ "$NETLAB_CONTAINER_RUNTIME" = docker ]; then
    docker_load_layout "$NETLAB_BUNDLE_DIR/images"
  else
    import_image_layout "$NETLAB_BUNDLE_DIR/images" ctr -n k8s.io
  fi
  names=("$NETLAB_BUNDLE_DIR"/images/refs/*.json)
  names=("${names[@]##*/}")
  log "imported ${names[*]%.json}"
  touch "$stamp"
}

# docker_load_layout DIR: the images whose docker/*.json entries the node holds, as one `docker load` stream: a
# manifest.json made of those entries and the blobs they name (each layer read once, however many images share it).
docker_load_layout() {
  local dir="$1" manifest
  manifest="$(mktemp -d)"
  {
    printf '['
    cat "$dir"/docker/*.json | paste -sd,
    printf ']\n'
  } >"$manifest/manifest.json"
  # shellcheck disable=SC2046 # one blob path per word
  tar -c -C "$manifest" manifest.json -C "$dir" $(grep -ohE 'blobs/sha256/[0-9a-f]{64}' "$dir"/docker/*.json | sort -u) |
    docker load >/dev/null || {
    rm -rf "$manifest"
    return 1
  }
  rm -rf "$manifest"
}

# import_image_layout DIR CTR...: the bundle's one OCI layout in DIR, as one tar stream, into `CTR images import`.
# Its index.json is made of the refs/*.json the node holds (a worker holds no control-plane image), so a blob
# several images share is read and unpacked once. bundle/verify.sh uses this function too.
import_image_layout() {
  local dir="$1" index
  shift
  index="$(mktemp -d)"
  {
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
    cat "$dir"/refs/*.json | paste -sd,
    printf ']}\n'
  } >"$index/index.json"
  tar -c -C "$dir" oci-layout blobs -C "$index" index.json | "$@" images import --all-platforms - >/dev/null || {
    rm -rf "$index"
    return 1
  }
  rm -rf "$index"
}

delete() {
  if [ "$NETLAB_PACKAGE_SOURCE" = bundle ]; then
    systemctl disable --now kubelet 2>/dev/null || true
    rm -f "$NETLAB_ROOT/usr/bin/kubelet" "$NETLAB_ROOT/usr/bin/kubeadm" "$NETLAB_ROOT/usr/bin/kubectl" "$NETLAB_ROOT/usr/bin/crictl"
    remove_file /etc/systemd/system/kubelet.service
    remove_file /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
    systemctl daemon-reload
  else
    apt-mark unhold kubelet kubeadm kubectl
    apt_get purge kubelet kubeadm kubectl cri-tools
    remove_file /etc/apt/sources.list.d/kubernetes.list
  fi
  if [ "$NETLAB_CONTAINER_RUNTIME" = docker ]; then remove_docker; fi
  apt_get purge containerd
  remove_file /etc/crictl.yaml
}

remove_docker() {
  systemctl disable --now cri-docker.socket cri-docker.service 2>/dev/null || true
  rm -f "$NETLAB_ROOT/usr/bin/cri-dockerd"
  remove_file /etc/systemd/system/cri-docker.service
  remove_file /etc/systemd/system/cri-docker.socket
  apt_get purge docker.io docker-cli
  remove_file /etc/docker/daemon.json
  systemctl daemon-reload
}

check() {
  check_files
  printf 'containerd=%s\n' "$(containerd_settings)"
  printf 'crictl=%s\n' "$([ -x "$NETLAB_ROOT/usr/bin/crictl" ] && echo installed || echo missing)"
  if [ "$NETLAB_CONTAINER_RUNTIME" = docker ]; then
    printf 'docker-cgroup-driver=%s\n' "$(docker_cgroup_driver)"
    printf 'cri-dockerd=%s\n' "$(systemctl is-active cri-docker.service 2>/dev/null || true)"
  fi
}
