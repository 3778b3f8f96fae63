# kubeadm join on a worker. Standard input carries the discovery kubeconfig (cluster CA + a token minted for this
# join on the controller just before, revoked just after). `joined` says whether the node already is.
create() {
  put_file "$NETLAB_KUBEADM_FILE" "$NETLAB_KUBEADM_YAML" 0600
  if [ -f "$NETLAB_ROOT/etc/kubernetes/kubelet.conf" ]; then
    log "already joined: /etc/kubernetes/kubelet.conf exists"
  else
    local discovery
    discovery="$(cat)"
    [ -n "$discovery" ] || { log "no discovery kubeconfig on standard input"; return 1; }
    put_file "$NETLAB_DISCOVERY_FILE" "$discovery" 0600
    kubeadm config validate --config "$NETLAB_ROOT$NETLAB_KUBEADM_FILE"
    kubeadm join --config "$NETLAB_ROOT$NETLAB_KUBEADM_FILE"
    remove_file "$NETLAB_DISCOVERY_FILE"
  fi
  link_kubelet_config
}

joined() {
  if [ -f "$NETLAB_ROOT/etc/kubernetes/kubelet.conf" ]; then echo joined; else echo not-joined; fi
}

check() {
  check_files
  observe_kubelet
}

delete() {
  cluster_cleanup
}
