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

# node_with_prefix NODE PREFIX: the Node object, before its kubelet registers it, with the pod prefix the plan
# gives it. The controller-manager's allocator takes a prefix a Node already has as used and hands out none; left
# to itself it gives the next prefix after the last one it handed out, so one failed or retried allocation (slow
# control planes) shifts every later node. The kubelet adopts the Node when it registers; kubeadm join refuses
# only a Node of that name that is Ready.
node_with_prefix() {
  printf '%s\n' "apiVersion: v1" "kind: Node" "metadata:" "  name: $1" "spec:" "  podCIDR: $2" "  podCIDRs:" "  - $2" |
    kubectl --kubeconfig "$NETLAB_ROOT/etc/kubernetes/admin.conf" apply --server-side --field-manager=netlab -f -
}

# expect_pod_prefix NODE PREFIX: waits (NETLAB_JOIN_TIMEOUT) for NODE's spec.podCIDR and fails unless it is PREFIX.
expect_pod_prefix() {
  local admin="$NETLAB_ROOT/etc/kubernetes/admin.conf" deadline=$((SECONDS + NETLAB_JOIN_TIMEOUT)) prefix=""
  while [ -z "$prefix" ] && [ "$SECONDS" -lt "$deadline" ]; do
    prefix="$(kubectl --kubeconfig "$admin" get node "$1" -o jsonpath='{.spec.podCIDR}' 2>/dev/null || true)"
    [ -n "$prefix" ] || sleep 2
  done
  if [ "$prefix" != "$2" ]; then
    log "$1 has pod prefix '${prefix:-none}', the plan says $2; reset the bench with 'netlab reset --level cluster'"
    return 1
  fi
  log "$1 has pod prefix $prefix, as planned"
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
