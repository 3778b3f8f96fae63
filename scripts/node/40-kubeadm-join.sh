# kubeadm join on a worker. Standard input carries the discovery kubeconfig (cluster CA + a token minted for this
# join on the controller just before, revoked just after). `joined` says whether the node already is.
create() {
  put_file "$NETLAB_KUBEADM_FILE" "$NETLAB_KUBEADM_YAML" 0600
  if ! on_bench; then
    validate_sim_join_config
    log "sim: the simulated node $NETLAB_NODE is registered by the simulated control plane"
    put_file /var/lib/kubelet/config.yaml "$NETLAB_KUBELET_YAML"
  elif [ -f /etc/kubernetes/kubelet.conf ]; then
    log "already joined: /etc/kubernetes/kubelet.conf exists"
  else
    local discovery
    discovery="$(cat)"
    [ -n "$discovery" ] || { log "no discovery kubeconfig on standard input"; return 1; }
    put_file "$NETLAB_DISCOVERY_FILE" "$discovery" 0600
    kubeadm config validate --config "$NETLAB_KUBEADM_FILE"
    kubeadm join --config "$NETLAB_KUBEADM_FILE"
    remove_file "$NETLAB_DISCOVERY_FILE"
  fi
  link_kubelet_config
}

joined() {
  if on_bench && [ -f /etc/kubernetes/kubelet.conf ]; then echo joined; else echo not-joined; fi
}

# kubeadm checks that the discovery file exists: the simulated node validates a copy naming a placeholder there.
validate_sim_join_config() {
  local config="$NETLAB_ROOT$NETLAB_KUBEADM_DIR/kubeadm-sim-check.yaml"
  put_file "$NETLAB_DISCOVERY_FILE" "# placeholder: a bench's comes from the controller" 0600
  sed "s#$NETLAB_DISCOVERY_FILE#$NETLAB_ROOT$NETLAB_DISCOVERY_FILE#" "$NETLAB_ROOT$NETLAB_KUBEADM_FILE" >"$config"
  kubeadm config validate --config "$config"
  rm -f "$config" "$NETLAB_ROOT$NETLAB_DISCOVERY_FILE"
}

check() {
  check_files
  observe_kubelet
}

delete() {
  cluster_cleanup
}
