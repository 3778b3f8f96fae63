# kubeadm join on a worker. Standard input carries the discovery kubeconfig (cluster CA + a short-lived token).
create() {
  local discovery
  discovery="$(cat)"
  put_file "$NETLAB_DISCOVERY_FILE" "$discovery" 0600
  put_file "$NETLAB_KUBEADM_FILE" "$NETLAB_KUBEADM_YAML" 0600
  put_file /etc/kubernetes/kubelet-config.yaml "$NETLAB_KUBELET_YAML"
  validate_join_config
  if on_bench; then
    if [ -f /etc/kubernetes/kubelet.conf ]; then
      log "already joined: /etc/kubernetes/kubelet.conf exists"
    else
      kubeadm join --config "$NETLAB_KUBEADM_FILE"
    fi
  else
    log "sim: the simulated node $NETLAB_NODE is registered by the simulated control plane"
  fi
  remove_file "$NETLAB_DISCOVERY_FILE"
}

# kubeadm checks that the discovery file exists. The config names it by its path on a real node; in
# simulation it lives under NETLAB_ROOT, so the simulated node validates a copy pointing there.
validate_join_config() {
  local config="$NETLAB_ROOT$NETLAB_KUBEADM_FILE"
  if ! on_bench; then
    config="$NETLAB_ROOT$NETLAB_KUBEADM_DIR/kubeadm-sim-check.yaml"
    sed "s#$NETLAB_DISCOVERY_FILE#$NETLAB_ROOT$NETLAB_DISCOVERY_FILE#" "$NETLAB_ROOT$NETLAB_KUBEADM_FILE" >"$config"
  fi
  kubeadm config validate --config "$config"
}

check() {
  check_files
  observe_node
}

delete() {
  cluster_cleanup
  remove_file /etc/kubernetes/kubelet-config.yaml
}
