# The node's network as the handout shows it once the cluster runs (observe_network: each concern's view, e.g.
# kube-router's routes and kube-bridge, the nodelocaldns link, kube-proxy's IPVS virtual servers and mode).
# Nothing here writes: those are the components' to make. create waits until the node shows all of it; if the
# node still differs after NETLAB_VIEW_GRACE seconds (a node that drifted), it restarts the containers that own
# what is missing, once, and waits again up to NETLAB_VIEW_TIMEOUT. It fails naming what is still missing.

# "key=expected found=value" for every expected line the observation contradicts ("not-observable" is no contradiction).
view_mismatches() {
  local seen="$1" line key want got
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    key="${line%%=*}"
    want="${line#*=}"
    got="$(printf '%s\n' "$seen" | awk -v k="$key" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }')"
    if [ "$got" != "$want" ] && [ "$got" != not-observable ]; then printf '%s=%s found=%s\n' "$key" "$want" "${got:-missing}"; fi
  done <<<"$NETLAB_VIEW_EXPECTED"
}

# Waits up to $1 seconds for the node to show everything expected; prints what still differs when it gives up.
wait_for_view() {
  local deadline=$((SECONDS + $1)) missing
  while true; do
    missing="$(view_mismatches "$(observe_network)")"
    [ -n "$missing" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '%s\n' "$missing"
      return 1
    fi
    sleep 5
  done
}

# The containers that make what differs: NETLAB_VIEW_OWNERS has one "key container" line per expected key.
owners_of() {
  awk 'NR == FNR { owner[$1] = $2; next } { k = substr($0, 1, index($0, "=") - 1); if (k in owner) print owner[k] }' \
    <(printf '%s\n' "$NETLAB_VIEW_OWNERS") <(printf '%s\n' "$1") | sort -u
}

restart_containers() {
  local name ids
  if ! command -v crictl >/dev/null 2>&1; then
    log "no crictl on this node: cannot restart $*; waiting for them to converge on their own"
    return 0
  fi
  for name in "$@"; do
    ids="$(crictl ps --state running --name "^${name}\$" -q 2>/dev/null || true)"
    if [ -z "$ids" ]; then
      log "no running $name container to restart"
      continue
    fi
    log "restarting $name (the kubelet starts it again): $(printf '%s' "$ids" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # one container ID per word
    crictl stop $ids >/dev/null
  done
}

create() {
  local missing
  missing="$(wait_for_view "$NETLAB_VIEW_GRACE")" && { log "the node shows the lab's network"; return 0; }
  log "after ${NETLAB_VIEW_GRACE}s the node still differs: $(printf '%s' "$missing" | tr '\n' ';')"
  # shellcheck disable=SC2046 # one container name per word
  restart_containers $(owners_of "$missing")
  missing="$(wait_for_view "$NETLAB_VIEW_TIMEOUT")" && { log "the node shows the lab's network"; return 0; }
  log "the node does not show the lab's network after ${NETLAB_VIEW_TIMEOUT}s more; still differing:"
  printf '%s\n' "$missing" >&2
  return 1
}

delete() {
  log "nothing to undo: this step only waits for and observes the node's network"
}

check() {
  observe_network
}
