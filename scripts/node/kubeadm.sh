# Helpers of the kubeadm steps (init and join): the kubelet-config link, what the kubelet shows, and the clean-up
# of a node whose cluster is taken down.

# The handout points students at /etc/kubernetes/kubelet-config.yaml: it is the kubelet's own config, linked.
link_kubelet_config() {
  mkdir -p "$NETLAB_ROOT/etc/kubernetes"
  ln -sfn "$NETLAB_KUBELET_CONFIG_LINK" "$NETLAB_ROOT/etc/kubernetes/kubelet-config.yaml"
}

# The kubelet's clusterDNS and the kubelet-config link (the kubeadm steps' check).
observe_kubelet() {
  local kubelet="$NETLAB_ROOT/var/lib/kubelet/config.yaml"
  if [ -f "$kubelet" ]; then
    printf 'clusterDNS=%s\n' "$(sed -n '/^clusterDNS:/{n;s/^ *- *//p}' "$kubelet")"
  else
    printf 'clusterDNS=missing\n'
  fi
  printf 'link:/etc/kubernetes/kubelet-config.yaml=%s\n' "$(readlink "$NETLAB_ROOT/etc/kubernetes/kubelet-config.yaml" || echo missing)"
}

# Everything kubeadm reset leaves behind, so a rebuilt node starts clean (a stale kube-bridge keeps its old /24):
# the footprint of every concern (lib/concerns), rendered as NETLAB_CLEAN_* (the same list a reset's clean-check reads).
cluster_cleanup() {
  local path link proto pattern
  archive_student_files
  kubeadm reset --force --cri-socket "$NETLAB_CRI_SOCKET"
  while IFS= read -r path; do
    if [ -n "$path" ]; then rm -rf "$NETLAB_ROOT$path"; fi
  done <<<"$NETLAB_CLEAN_PATHS"
  for link in $NETLAB_CLEAN_LINKS; do
    if ip link show "$link" >/dev/null 2>&1; then ip link delete "$link"; fi
  done
  if [ "$NETLAB_CLEAN_IPVS" = yes ] && command -v ipvsadm >/dev/null 2>&1; then ipvsadm --clear; fi
  for proto in $NETLAB_CLEAN_ROUTE_PROTOCOLS; do ip route flush proto "$proto"; done
  local -a drop=()
  for pattern in $NETLAB_CLEAN_IPTABLES; do drop+=(-e "$pattern"); done
  if [ "${#drop[@]}" -gt 0 ]; then iptables-save | grep -v "${drop[@]}" | iptables-restore; fi
}
