# What a node shows of the lab's network once the cluster runs (the lab-network step's check), one probe per
# concern (lib/concerns: each concern's view names its probe). observe_network runs those in NETLAB_VIEW_PROBES.

# Kube Router: its BGP routes to the other nodes' pod prefixes (NETLAB_EXPECTED_ROUTES) and kube-bridge.
observe_kube_router() {
  local line prefix via bridge
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    prefix="${line%% *}"
    via="$(ip -4 route show "$prefix" proto 17 | awk '/via/ {print "via " $3; exit}')"
    printf 'route:%s=%s\n' "$prefix" "${via:-missing}"
  done <<<"$NETLAB_EXPECTED_ROUTES"
  if ip link show kube-bridge >/dev/null 2>&1; then
    printf 'link:kube-bridge=present\n'
    bridge="$(ip -4 -o addr show dev kube-bridge | awk '{print $4}' | paste -sd, -)"
    printf 'kube-bridge=%s\n' "${bridge:-no-address}"
  else
    printf 'link:kube-bridge=missing\nkube-bridge=missing\n'
  fi
}

# nodelocaldns: its link and the address on it.
observe_nodelocaldns() {
  if ip link show nodelocaldns >/dev/null 2>&1; then
    printf 'link:nodelocaldns=%s\n' "$(ip -4 -o addr show dev nodelocaldns | awk '{print $4}' | paste -sd, -)"
  else
    printf 'link:nodelocaldns=missing\n'
  fi
}

# kube-proxy: the IPVS virtual servers expected (NETLAB_EXPECTED_IPVS) and the mode it reports.
observe_kube_proxy() {
  local target
  for target in $NETLAB_EXPECTED_IPVS; do
    if ipvsadm -Ln -t "$target" >/dev/null 2>&1; then printf 'ipvs:%s=present\n' "$target"; else printf 'ipvs:%s=missing\n' "$target"; fi
  done
  printf 'kube-proxy-mode=%s\n' "$(curl -fsS --max-time "${NETLAB_PROBE_SECONDS:-3}" http://127.0.0.1:10249/proxyMode 2>/dev/null || echo unreachable)"
}

observe_network() {
  local probe
  for probe in $NETLAB_VIEW_PROBES; do "$probe"; done
}
