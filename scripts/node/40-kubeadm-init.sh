# kubeadm init on the controller, guarded so a re-run on an initialised node changes nothing.
create() {
  put_file "$NETLAB_KUBEADM_FILE" "$NETLAB_KUBEADM_YAML" 0600
  # The handout points students at this file for clusterDNS; kubeadm itself writes /var/lib/kubelet/config.yaml.
  put_file /etc/kubernetes/kubelet-config.yaml "$NETLAB_KUBELET_YAML"
  kubeadm config validate --config "$NETLAB_ROOT$NETLAB_KUBEADM_FILE"
  if on_bench; then
    if [ -f /etc/kubernetes/admin.conf ]; then
      log "already initialised: /etc/kubernetes/admin.conf exists"
    else
      kubeadm init --config "$NETLAB_KUBEADM_FILE" --skip-token-print
    fi
  elif [ ! -s "$NETLAB_ROOT/etc/kubernetes/admin.conf" ]; then
    log "sim: no simulated control plane at $NETLAB_ROOT/etc/kubernetes/admin.conf; run 'netlab sim up' first"
    return 1
  else
    log "sim: adopting the simulated control plane"
  fi
  install_user_kubeconfig
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
  observe_node
}

delete() {
  cluster_cleanup
  remove_user_file .kube/config
  remove_user_file admin.conf
  remove_file /etc/kubernetes/kubelet-config.yaml
}
