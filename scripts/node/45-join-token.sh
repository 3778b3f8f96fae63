# Runs on the controller, once per worker: a bootstrap token valid for a short time, wrapped in a discovery
# kubeconfig printed on standard output (a secret output, never logged).
create() {
  local admin="$NETLAB_ROOT/etc/kubernetes/admin.conf" work token
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  token="$(kubeadm token create --kubeconfig "$admin" --ttl "$NETLAB_TOKEN_TTL" --description "netlab join $NETLAB_WORKER")"
  kubectl --kubeconfig "$admin" config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.crt"
  kubectl config --kubeconfig "$work/discovery.conf" set-cluster "$NETLAB_CLUSTER" \
    --server "$NETLAB_API_SERVER" --certificate-authority "$work/ca.crt" --embed-certs >/dev/null
  kubectl config --kubeconfig "$work/discovery.conf" set-credentials tls-bootstrap --token "$token" >/dev/null
  kubectl config --kubeconfig "$work/discovery.conf" set-context bootstrap --cluster "$NETLAB_CLUSTER" --user tls-bootstrap >/dev/null
  kubectl config --kubeconfig "$work/discovery.conf" use-context bootstrap >/dev/null
  cat "$work/discovery.conf"
  log "token ${token%%.*} created for $NETLAB_WORKER, valid $NETLAB_TOKEN_TTL"
}

delete() {
  # The previous run's output holds the token; its id is the part before the dot.
  local id
  id="$(printf '%s\n' "${PULUMI_COMMAND_STDOUT:-}" | sed -n 's/^ *token: \([a-z0-9]\{6\}\)\..*/\1/p')"
  if [ -n "$id" ]; then
    kubeadm token delete --kubeconfig "$NETLAB_ROOT/etc/kubernetes/admin.conf" "$id" || log "token $id already gone"
  fi
}

check() {
  check_files
}
