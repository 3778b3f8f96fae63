#!/usr/bin/env bash
# Checks a built bundle the way a node uses it, on this machine: bundle.json's checksums, then a throw-away
# containerd (Debian's, as on the nodes; root, state and socket in a temporary directory, CRI plugin off)
# imports the image layout as the nodes do (one `ctr -n k8s.io images import --all-platforms -`), lists each reference as
# linux/amd64, and runs some images with runc: pause (stops on SIGTERM), CoreDNS and Kube Router versions,
# Kube Router's flags, node-cache's link and NOTRACK rules in a fresh network namespace (and their teardown),
# ping and getcap in lab-client, busybox httpd in lab-webserver. Everything it starts is stopped and removed.
# Usage: bundle/verify.sh [BUNDLE_DIR]   (default: the cache's bundle/current). Needs root, containerd, runc.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUNDLE="$(readlink -f "${1:-$BUNDLE_ROOT/current}")"
NS=k8s.io
TMP="" CONTAINERD_PID="" NETNS=""
failures=0

ok() { log "verify: ok   $*"; }
bad() { log "verify: FAIL $*"; failures=$((failures + 1)); }
# check WHAT OUTPUT PATTERN...: ok when OUTPUT contains every PATTERN, else a failure showing OUTPUT.
check() {
  local what="$1" out="$2" p
  shift 2
  for p in "$@"; do
    [[ "$out" == *"$p"* ]] || { bad "$what: missing '$p' in: $out"; return 0; }
  done
  ok "$what"
}

cleanup() {
  if [ -n "$CONTAINERD_PID" ]; then
    kill "$CONTAINERD_PID" 2>/dev/null || true
    wait "$CONTAINERD_PID" 2>/dev/null || true
  fi
  if [ -n "$NETNS" ]; then ip netns del "$NETNS" 2>/dev/null || true; fi
  if [ -n "$TMP" ]; then
    # Unmount whatever containerd left under the temporary root (deepest first), then remove it.
    awk -v t="$TMP" '$2 ~ "^"t {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

ctr_() { ctr --address "$TMP/containerd.sock" -n "$NS" "$@"; }

check_files() {
  local bad_files
  if bad_files="$(cd "$BUNDLE" && jq -r '.files | to_entries[] | "\(.value)  \(.key)"' bundle.json | sha256sum --quiet -c - 2>&1)"; then
    ok "$(jq '.files | length' "$BUNDLE/bundle.json") files match bundle.json"
  else
    bad "checksums: $bad_files"
  fi
}

start_containerd() {
  TMP="$(mktemp -d /tmp/netlab-bundle-verify.XXXXXX)"
  cat >"$TMP/config.toml" <<EOF
version = 2
root = "$TMP/root"
state = "$TMP/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$TMP/containerd.sock"
EOF
  containerd --config "$TMP/config.toml" >"$TMP/containerd.log" 2>&1 &
  CONTAINERD_PID=$!
  for _ in $(seq 50); do
    ctr --address "$TMP/containerd.sock" version >/dev/null 2>&1 && break
    sleep 0.2
  done
  ctr --address "$TMP/containerd.sock" version >/dev/null || die "containerd did not start: $(tail -5 "$TMP/containerd.log")"
  log "verify: containerd $(containerd --version | awk '{print $3}') on $TMP/containerd.sock (pid $CONTAINERD_PID)"
}

import_all() {
  local name ref list
  # The nodes' own import (scripts/node/30-runtime.sh), on the whole layout.
  # shellcheck source=/dev/null
  source <(sed -n '/^import_image_layout() {$/,/^}$/p' "$REPO_ROOT/scripts/node/30-runtime.sh")
  declare -F import_image_layout >/dev/null || die "no import_image_layout in scripts/node/30-runtime.sh"
  local t0=$SECONDS
  if import_image_layout "$BUNDLE/images" ctr_; then ok "import of the image layout in $((SECONDS - t0))s"; else bad "import of the image layout"; fi
  list="$(ctr_ images ls)"
  for name in $(jq -r '.images | keys[]' "$BUNDLE/bundle.json"); do
    ref="$(jq -r --arg n "$name" '.images[$n]' "$BUNDLE/bundle.json")"
    if awk -v r="$ref" '$1 == r && $0 ~ /linux\/amd64/' <<<"$list" | grep -q .; then ok "image $ref linux/amd64"; else bad "image $ref not listed as linux/amd64"; fi
  done
  printf '%s\n' "$list" >&2
}

# run NAME REF ARGS...: a throw-away container's output (ctr run --rm).
run() { local id="$1" ref="$2"; shift 2; ctr_ run --rm "$ref" "verify-$id" "$@" 2>&1 || true; }

check_runs() {
  local out r v="v$KUBERNETES_VERSION"
  out="$(run coredns "registry.k8s.io/coredns/coredns:v$COREDNS_VERSION" /coredns -version)"
  check "coredns -version" "$out" "CoreDNS-$COREDNS_VERSION"
  out="$(run kr "docker.io/cloudnativelabs/kube-router:v$KUBE_ROUTER_VERSION" /usr/local/bin/kube-router --version)"
  check "kube-router --version" "$out" "v$KUBE_ROUTER_VERSION"
  out="$(run krh "docker.io/cloudnativelabs/kube-router:v$KUBE_ROUTER_VERSION" /usr/local/bin/kube-router --help || true)"
  check "kube-router --help lists the flags netlab uses" "$out" --service-cluster-ip-range --run-router --run-firewall \
    --run-service-proxy --advertise-cluster-ip --bgp-graceful-restart --kubeconfig --hostname-override
  # shellcheck disable=SC2016 # expanded by the container's shell
  out="$(run krt "docker.io/cloudnativelabs/kube-router:v$KUBE_ROUTER_VERSION" sh -c \
    'gobgp --version; iptables --version; ip6tables --version; ipset --version; echo ipvsadm=$(command -v ipvsadm); conntrack --version; ip -V; ls /usr/libexec/cni')"
  check "kube-router image: gobgp, iptables, ip6tables, ipset, ipvsadm, conntrack, ip, CNI plugins" "$out" \
    "gobgp version $GOBGP_VERSION" "iptables v" "ip6tables v" "ipset v" "ipvsadm=/" "conntrack v" iproute2 bridge host-local loopback portmap
  for r in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    out="$(run "$r" "registry.k8s.io/$r:$v" "/usr/local/bin/$r" --version)"
    check "$r --version" "$out" "Kubernetes $v"
  done
  out="$(run etcd "registry.k8s.io/etcd:$ETCD_IMAGE_TAG" etcd --version)"
  check "etcd --version" "$out" "etcd Version: $ETCD_VERSION"
  out="$(run etcdctl "registry.k8s.io/etcd:$ETCD_IMAGE_TAG" etcdctl version)"
  check "etcdctl version" "$out" "etcdctl version: $ETCD_VERSION"

  # pause: keeps running, exits 0 on SIGTERM (`ctr run` exits with the container's status).
  local pid rc=0
  ctr_ run --rm "registry.k8s.io/pause:$PAUSE_TAG" verify-pause >/dev/null 2>&1 &
  pid=$!
  sleep 1
  r="$(ctr_ task ls | awk '$1 == "verify-pause" {print $3}')"
  ctr_ task kill -s SIGTERM verify-pause || true
  wait "$pid" || rc=$?
  out="$rc"
  check "pause runs, then exits 0 on SIGTERM" "state=$r exit=$out" "state=RUNNING exit=0"

  out="$(run client "netlab.local/lab-client:$LAB_IMAGE_TAG" sh -c 'getcap /bin/ping; ping -c1 -W2 127.0.0.1 | tail -2; curl --version | head -1; dig -v 2>&1; tcpdump --version | head -1; ps --version; netstat --version | head -1')"
  check "lab-client: ping with cap_net_raw, curl, dig, tcpdump, ps, netstat" "$out" "cap_net_raw=ep" "1 received" curl DiG tcpdump procps net-tools
  out="$(run web "netlab.local/lab-webserver:$LAB_IMAGE_TAG" sh -c 'mkdir -p /var/www && echo hello > /var/www/index.html && httpd -p 8000 -h /var/www && sleep 0.5 && wget -qO- http://127.0.0.1:8000/ && ip -o link show lo | cut -c1-20')"
  check "lab-webserver: busybox httpd serves, wget and ip work" "$out" hello "1: lo"
}

# nc_run NAME ARGS...: node-cache's image, privileged, in the test network namespace, with the test Corefile.
nc_run() {
  local name="$1"
  shift
  ctr_ run --rm --privileged --with-ns "network:/var/run/netns/$NETNS" \
    --mount "type=bind,src=$TMP/nodecache,dst=/etc/coredns,options=rbind:ro" "netlab.local/node-cache:$NODE_CACHE_TAG" "$name" "$@"
}

# node-cache in a network namespace made here (so what it leaves behind can be seen after it stops): the rules,
# the link, CoreDNS answering on the local IP and /health; after SIGTERM no rules and no link. Without kernel
# support for dummy links (e.g. a Firecracker guest kernel), the local IP goes on lo, node-cache runs with
# -setupinterface=false, and the failure path is checked instead: node-cache removes its rules and exits 1.
check_node_cache() {
  local out pid ip_args=() nc_args=(-localip 169.254.25.10 -conf /etc/coredns/Corefile -upstreamsvc kube-dns -health-port 9254 -bogus x)
  NETNS="netlab-verify-$$"
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
  mkdir -p "$TMP/nodecache"
  printf '.:53 {\n    bind 169.254.25.10\n    health 169.254.25.10:9254\n    whoami\n}\n' >"$TMP/nodecache/Corefile"
  if ip -n "$NETNS" link add verify-dummy type dummy 2>/dev/null; then
    ip -n "$NETNS" link del verify-dummy
  else
    log "verify: this kernel has no dummy links: node-cache's interface set-up is checked to fail cleanly"
    out="$(nc_run verify-nc0 /node-cache "${nc_args[@]}" 2>&1; echo "exit=$?")"
    out+=" rules=$(nc_run verify-nc0b sh -c 'iptables-save | grep -c "NodeLocal DNS" || true' 2>&1)"
    check "node-cache without dummy links: error, rules removed, exit 1" "$out" "is the dummy module available" "exit=1" "rules=0"
    ip -n "$NETNS" addr add 169.254.25.10/32 dev lo
    nc_args+=(-setupinterface=false)
    ip_args=(lo)
  fi
  nc_run verify-nc /node-cache "${nc_args[@]}" >"$TMP/node-cache.log" 2>&1 &
  pid=$!
  for _ in $(seq 60); do
    ctr_ task ls | grep -q '^verify-nc .*RUNNING' && grep -q 'CoreDNS-' "$TMP/node-cache.log" && break
    sleep 0.5
  done
  out="$(ctr_ task exec --exec-id chk verify-nc sh -c "ip -o addr show ${ip_args[*]:-nodelocaldns}
    echo NOTRACK=\$(iptables-save -t raw | grep -c 'NOTRACK') ACCEPT=\$(iptables-save -t filter | grep -c 'allow DNS traffic')
    dig +time=2 @169.254.25.10 whoami.example A | grep -o 'status: [A-Z]*'; curl -s http://169.254.25.10:9254/health" 2>&1 || true)"
  check "node-cache: 169.254.25.10/32 on ${ip_args[*]:-nodelocaldns}, 8 NOTRACK + 4 ACCEPT rules, CoreDNS answers, /health OK" \
    "$out" "169.254.25.10/32" "NOTRACK=8 ACCEPT=4" "status: NOERROR" OK
  ctr_ task kill -s SIGTERM verify-nc || true
  wait "$pid" || true
  # shellcheck disable=SC2016 # expanded by the container's shell
  out="$(nc_run verify-nc2 sh -c 'ip -o link show nodelocaldns 2>&1; echo rules=$(iptables-save | grep -c "NodeLocal DNS")' 2>&1)"
  check "node-cache removes its rules and link on SIGTERM" "$out" "does not exist" "rules=0"
  check "node-cache warned about the unknown flag and tore down" "$(cat "$TMP/node-cache.log")" "unknown flag -bogus" "tearing down"
}

main() {
  [ -f "$BUNDLE/bundle.json" ] || die "no bundle at $BUNDLE (run bundle/build.sh)"
  [ "$(id -u)" = 0 ] || die "run as root"
  command -v containerd >/dev/null || die "needs containerd and runc (apt-get install containerd)"
  command -v runc >/dev/null || die "needs runc (apt-get install runc)"
  log "verify: $BUNDLE"
  check_files
  start_containerd
  import_all
  check_runs
  check_node_cache
  [ "$failures" = 0 ] || die "verify: $failures check(s) failed"
  log "verify: all checks passed"
}

main "$@"
