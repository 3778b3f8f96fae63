# kubeadm init on the controller, guarded so a re-run on an initialised node changes nothing. kubeadm's own
# 24-hour bootstrap token is revoked at once: workers join with a short-lived token minted for each join.
create() {
  put_file "$NETLAB_KUBEADM_FILE" "$NETLAB_KUBEADM_YAML" 0600
  write_kubeadm_patches
  kubeadm config validate --config "$NETLAB_ROOT$NETLAB_KUBEADM_FILE"
  if [ -f "$NETLAB_ROOT/etc/kubernetes/admin.conf" ]; then
    log "already initialised: /etc/kubernetes/admin.conf exists"
  else
    kubeadm init --config "$NETLAB_ROOT$NETLAB_KUBEADM_FILE" --skip-token-print
    revoke_all_tokens
  fi
  # The first Node of a new cluster gets the first prefix; the workers' are set before they join (45-join-token).
  expect_pod_prefix "$NETLAB_NODE" "$NETLAB_EXPECTED_POD_CIDR"
  patch_addon deployment coredns "${NETLAB_COREDNS_PATCH:-}"
  patch_addon daemonset kube-proxy "${NETLAB_KUBE_PROXY_PATCH:-}"
  link_kubelet_config
  install_user_kubeconfig
}

# patch_addon KIND NAME PATCH: a strategic merge patch of one of kubeadm's addons (none when PATCH is empty).
patch_addon() {
  [ -n "$3" ] || return 0
  api kubectl --kubeconfig "$NETLAB_ROOT/etc/kubernetes/admin.conf" -n kube-system patch "$1" "$2" --type strategic -p "$3" >&2
}

# The control plane's probe patches (timeouts.scale > 1): file i of NETLAB_KUBEADM_PATCH_FILES holds
# NETLAB_KUBEADM_PATCH_<i>. kubeadm applies them as it writes the static pod manifests.
write_kubeadm_patches() {
  local i=0 file var
  while IFS= read -r file; do
    [ -n "$file" ] || continue
    var="NETLAB_KUBEADM_PATCH_$i"
    put_file "$file" "${!var}" 0600
    i=$((i + 1))
  done <<<"${NETLAB_KUBEADM_PATCH_FILES:-}"
}

revoke_all_tokens() {
  local admin="$NETLAB_ROOT/etc/kubernetes/admin.conf" token
  for token in $(api kubeadm token list --kubeconfig "$admin" | awk 'NR > 1 { print $1 }'); do
    api kubeadm token delete --kubeconfig "$admin" "$token" >/dev/null
    log "revoked kubeadm's default bootstrap token ${token%%.*}"
  done
}

# The handout's students find the admin kubeconfig in their home and in ~/.kube/config (written as the lab
# user, never through a link planted there: home.sh).
install_user_kubeconfig() {
  local conf
  conf="$(cat "$NETLAB_ROOT/etc/kubernetes/admin.conf")"
  put_user_file .kube/config "$conf" 0600
  put_user_file admin.conf "$conf" 0600
  log "kubeconfig installed for $NETLAB_LAB_USER"
}

check() {
  check_files
  observe_kubelet
}

delete() {
  cluster_cleanup
  remove_user_file .kube/config
  remove_user_file admin.conf
}
