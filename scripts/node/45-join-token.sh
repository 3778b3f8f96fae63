# Runs on the controller around one worker's join. create: replaces a stale Node of that name (a rebuilt worker
# cannot join while it exists) by one holding the planned pod prefix (node_with_prefix, kubeadm.sh), mints a
# bootstrap token and prints the discovery kubeconfig (a secret, passed to the worker's join in memory, never
# stored). finish: revokes that worker's tokens, then checks the new Node's pod prefix against the plan.
create() {
  local admin="$NETLAB_ROOT/etc/kubernetes/admin.conf" token ca
  api kubectl --kubeconfig "$admin" delete node "$NETLAB_WORKER" --ignore-not-found >&2
  api node_with_prefix "$NETLAB_WORKER" "$NETLAB_EXPECTED_POD_CIDR" >&2
  token="$(api kubeadm token create --kubeconfig "$admin" --ttl "$NETLAB_TOKEN_TTL" --description "netlab join $NETLAB_WORKER")"
  ca="$(kubectl --kubeconfig "$admin" config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
  printf '%s\n' \
    "apiVersion: v1" "kind: Config" \
    "clusters:" "- name: $NETLAB_CLUSTER" "  cluster:" "    server: $NETLAB_API_SERVER" "    certificate-authority-data: $ca" \
    "users:" "- name: tls-bootstrap" "  user:" "    token: $token" \
    "contexts:" "- name: bootstrap" "  context:" "    cluster: $NETLAB_CLUSTER" "    user: tls-bootstrap" \
    "current-context: bootstrap"
  log "token ${token%%.*} minted for $NETLAB_WORKER, valid $NETLAB_TOKEN_TTL"
}

finish() {
  local admin="$NETLAB_ROOT/etc/kubernetes/admin.conf" token
  for token in $(api kubeadm token list --kubeconfig "$admin" | awk -v d="netlab join $NETLAB_WORKER" 'NR > 1 && index($0, d) { print $1 }'); do
    api kubeadm token delete --kubeconfig "$admin" "$token" >/dev/null
    log "token ${token%%.*} revoked"
  done
  expect_pod_prefix "$NETLAB_WORKER" "$NETLAB_EXPECTED_POD_CIDR"
}

delete() {
  :
}

check() {
  check_files
}
