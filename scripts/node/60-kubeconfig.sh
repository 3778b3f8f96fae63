# Prints the cluster's admin kubeconfig (a secret output of the program, never logged), once the API server
# serves its OpenAPI document: the Kubernetes provider reads it first, with a 32 s limit of its own, and an API
# server on a slow node builds it for longer than that the first time.
create() {
  wait_for_openapi
  cat "$NETLAB_ROOT/etc/kubernetes/admin.conf"
}

wait_for_openapi() {
  local deadline=$((SECONDS + NETLAB_API_TIMEOUT))
  until kubectl --kubeconfig "$NETLAB_ROOT/etc/kubernetes/admin.conf" get --raw /openapi/v2 --request-timeout=300s >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "the API server did not serve /openapi/v2 within ${NETLAB_API_TIMEOUT}s"
      return 1
    fi
    sleep 5
  done
  log "the API server serves its OpenAPI document"
}

delete() {
  :
}

check() {
  check_files
}
