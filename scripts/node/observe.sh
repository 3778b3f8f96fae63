# Node observations the handout relies on.
# observe_kubelet (the kubeadm steps' checks): the kubelet's clusterDNS and the kubelet-config link.
# observe_network (the lab-network step's check, once the cluster runs): kube-router's routes to the other nodes'
# pod prefixes and kube-bridge, the nodelocaldns link, kube-proxy's mode and IPVS virtual servers.
observe_kubelet() {
  local kubelet="$NETLAB_ROOT/var/lib/kubelet/config.yaml"
  if [ -f "$kubelet" ]; then
    printf 'clusterDNS=%s\n' "$(sed -n '/^clusterDNS:/{n;s/^ *- *//p}' "$kubelet")"
  else
    printf 'clusterDNS=missing\n'
  fi
  printf 'link:/etc/kubernetes/kubelet-config.yaml=%s\n' "$(readlink "$NETLAB_ROOT/etc/kubernetes/kubelet-config.yaml" || echo missing)"
}

observe_network() {
  local line prefix via
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    prefix="${line%% *}"
    via="$(ip -4 route show "$prefix" proto 17 | awk '/via/ {print "via " $3; exit}')"
    printf 'route:%s=%s\n' "$prefix" "${via:-missing}"
  done <<<"$NETLAB_EXPECTED_ROUTES"
  local bridge
  if ip link show kube-bridge >/dev/null 2>&1; then
    printf 'link:kube-bridge=present\n'
    bridge="$(ip -4 -o addr show dev kube-bridge | awk '{print $4}' | paste -sd, -)"
    printf 'kube-bridge=%s\n' "${bridge:-no-address}"
  else
    printf 'link:kube-bridge=missing\nkube-bridge=missing\n'
  fi
  if ip link show nodelocaldns >/dev/null 2>&1; then
    printf 'link:nodelocaldns=%s\n' "$(ip -4 -o addr show dev nodelocaldns | awk '{print $4}' | paste -sd, -)"
  else
    printf 'link:nodelocaldns=missing\n'
  fi
  local target
  for target in $NETLAB_EXPECTED_IPVS; do
    if ipvsadm -Ln -t "$target" >/dev/null 2>&1; then printf 'ipvs:%s=present\n' "$target"; else printf 'ipvs:%s=missing\n' "$target"; fi
  done
  printf 'kube-proxy-mode=%s\n' "$(curl -fsS --max-time 3 http://127.0.0.1:10249/proxyMode 2>/dev/null || echo unreachable)"
}
