#!/usr/bin/env bash
# Smoke test and reference launch sequence of the simulated bench's control plane:
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok (fake kubelets),
# all on loopback (127.0.0.1, free high ports), in a temp dir, stopped and removed on exit.
#
# It creates two fake Nodes (annotated kwok.x-k8s.io/node=fake), a Deployment, a DaemonSet
# and a Service, and checks that: nodes go Ready and get spec.podCIDR from the
# controller-manager's node IPAM; pods are scheduled and Running with pod IPs inside their
# node's podCIDR (kwok allocates them from node.spec.podCIDR, --cidr only as fallback);
# the Service gets a ClusterIP; its EndpointSlice and Endpoints list the pods.
#
# Usage: toolchain/smoke-controlplane.sh     (after toolchain/kube.sh)
# Env:   KEEP=1  leave the cluster running until Ctrl-C (prints the kubeconfig path)
#        KUBECTL=path  kubectl to use (default: kubectl on PATH)
#        SMOKE_LOG_DIR=dir  copy the components' logs there before cleaning up
#        TIMEOUT=s  how long each wait may take (default 120)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=kube-env.sh
. "$HERE/kube-env.sh"
KUBECTL="${KUBECTL:-kubectl}"

SERVICE_CIDR=10.233.0.0/18
CLUSTER_CIDR=10.233.64.0/18
NODE_CIDR_MASK=24
TIMEOUT="${TIMEOUT:-120}"

log() { printf '[smoke] %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok openssl "$KUBECTL"; do
  command -v "$b" >/dev/null || die "$b not on PATH (run toolchain/kube.sh first)"
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/netlab-smoke.XXXXXX")"
PIDS=()
cleanup() {
  local rc=$? i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do wait "${PIDS[i]}" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ]; then
    log "logs (last lines) from $TMP:"
    for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; } >&2; done
  fi
  if [ -n "${SMOKE_LOG_DIR:-}" ]; then
    mkdir -p "$SMOKE_LOG_DIR"
    cp "$TMP"/*.log "$SMOKE_LOG_DIR"/ 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # (130: stopped, e.g. KEEP=1 and Ctrl-C; no log dump)

# A free TCP port on 127.0.0.1 (nothing answers a connect on it), not handed out before.
USED_PORTS=" "
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS+="$p "
      echo "$p"
      return
    fi
  done
}

# wait_for DESCRIPTION CMD...: retry CMD every second until it succeeds or $TIMEOUT s pass.
wait_for() {
  local what="$1" t0=$SECONDS
  shift
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || die "timed out after ${TIMEOUT}s waiting for $what"
    sleep 1
  done
  log "ok: $what ($((SECONDS - t0))s)"
}

start() { # start NAME CMD...: run in the background, log to $TMP/NAME.log
  local name="$1"
  shift
  "$@" >"$TMP/$name.log" 2>&1 &
  PIDS+=("$!")
  log "started $name (pid $!)"
}

ip2int() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo $(((a << 24) | (b << 16) | (c << 8) | d)); }
ip_in_cidr() { # ip_in_cidr IP NET/BITS
  local ip net bits mask
  ip="$(ip2int "$1")"; net="$(ip2int "${2%/*}")"; bits="${2#*/}"
  mask=$(((0xffffffff << (32 - bits)) & 0xffffffff))
  [ $((ip & mask)) -eq $((net & mask)) ]
}

ETCD_PORT="$(free_port)"; ETCD_PEER_PORT="$(free_port)"; API_PORT="$(free_port)"
KCM_PORT="$(free_port)"; SCHED_PORT="$(free_port)"
log "workdir $TMP; etcd :$ETCD_PORT, apiserver :$API_PORT, kcm :$KCM_PORT, scheduler :$SCHED_PORT"

# ------------------------------------------------------------------ certificates
PKI="$TMP/pki"
mkdir -p "$PKI"
(
  cd "$PKI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout ca.key -out ca.crt -subj "/CN=netlab-smoke-ca" 2>/dev/null
  # apiserver serving cert: loopback, and the first service IP / in-cluster names.
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' \
    "IP:127.0.0.1,IP:10.233.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" >apiserver.ext
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile apiserver.ext -out apiserver.crt 2>/dev/null
  # admin client cert (O=system:masters: bypasses RBAC).
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=netlab-admin" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >admin.ext
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile admin.ext -out admin.crt 2>/dev/null
  # front-proxy (aggregation layer) CA and client: the apiserver publishes the
  # requestheader CA that the controller-manager's and scheduler's delegated authn reads.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout front-proxy-ca.key -out front-proxy-ca.crt -subj "/CN=netlab-smoke-front-proxy-ca" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout front-proxy-client.key -out front-proxy-client.csr -subj "/CN=front-proxy-client" 2>/dev/null
  openssl x509 -req -in front-proxy-client.csr -CA front-proxy-ca.crt -CAkey front-proxy-ca.key \
    -CAcreateserial -days 2 -extfile admin.ext -out front-proxy-client.crt 2>/dev/null
  # service-account token signing key pair.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
  openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
  # static bearer token, same identity (for curl and quick tests).
  TOKEN="$(openssl rand -hex 16)"
  echo "$TOKEN,netlab-admin,netlab-admin,system:masters" >tokens.csv
  echo "$TOKEN" >token
)

KUBECONFIG_FILE="$TMP/admin.kubeconfig"
cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: netlab
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: admin
  user:
    client-certificate: $PKI/admin.crt
    client-key: $PKI/admin.key
contexts:
- name: netlab
  context: {cluster: netlab, user: admin}
current-context: netlab
EOF
k() { "$KUBECTL" --kubeconfig="$KUBECONFIG_FILE" "$@"; }

# ------------------------------------------------------------------ etcd
start etcd etcd \
  --name=smoke \
  --data-dir="$TMP/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="smoke=http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster-state=new \
  --unsafe-no-fsync=true \
  --quota-backend-bytes=536870912 \
  --log-level=warn
wait_for "etcd health" curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# ------------------------------------------------------------------ kube-apiserver
start kube-apiserver kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$API_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --token-auth-file="$PKI/tokens.csv" \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
  --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --authorization-mode=Node,RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --endpoint-reconciler-type=none \
  --allow-privileged=true \
  --profiling=false
wait_for "kube-apiserver readyz" k get --raw=/readyz

# ------------------------------------------------------------------ controller-manager, scheduler
start kube-controller-manager kube-controller-manager \
  --kubeconfig="$KUBECONFIG_FILE" \
  --authentication-kubeconfig="$KUBECONFIG_FILE" \
  --authorization-kubeconfig="$KUBECONFIG_FILE" \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --leader-elect=false \
  --allocate-node-cidrs=true \
  --cluster-cidr="$CLUSTER_CIDR" \
  --node-cidr-mask-size="$NODE_CIDR_MASK" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --use-service-account-credentials=true \
  --controllers='*' \
  --profiling=false
start kube-scheduler kube-scheduler \
  --kubeconfig="$KUBECONFIG_FILE" \
  --authentication-kubeconfig="$KUBECONFIG_FILE" \
  --authorization-kubeconfig="$KUBECONFIG_FILE" \
  --bind-address=127.0.0.1 \
  --secure-port="$SCHED_PORT" \
  --leader-elect=false \
  --profiling=false
wait_for "kube-controller-manager healthz" curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler healthz" curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz"

# ------------------------------------------------------------------ kwok (fake kubelets)
start kwok kwok \
  --kubeconfig="$KUBECONFIG_FILE" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --manage-nodes-with-label-selector= \
  --node-ip=127.0.0.1 \
  --cidr="$CLUSTER_CIDR"

# ------------------------------------------------------------------ workload
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: fake-node-1
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: fake-node-1, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
status:
  capacity: {cpu: "8", memory: 32Gi, pods: "110"}
  allocatable: {cpu: "8", memory: 32Gi, pods: "110"}
---
apiVersion: v1
kind: Node
metadata:
  name: fake-node-2
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: fake-node-2, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
status:
  capacity: {cpu: "8", memory: 32Gi, pods: "110"}
  allocatable: {cpu: "8", memory: 32Gi, pods: "110"}
EOF
wait_for "nodes Ready" k wait --for=condition=Ready node/fake-node-1 node/fake-node-2 --timeout=5s
node_cidrs_set() {
  local n c
  for n in fake-node-1 fake-node-2; do
    c="$(k get node "$n" -o jsonpath='{.spec.podCIDR}')"
    [ -n "$c" ] || return 1
  done
}
wait_for "nodes have spec.podCIDR" node_cidrs_set
for n in fake-node-1 fake-node-2; do
  c="$(k get node "$n" -o jsonpath='{.spec.podCIDR}')"
  ip_in_cidr "${c%/*}" "$CLUSTER_CIDR" || die "node $n podCIDR $c not in $CLUSTER_CIDR"
  log "node $n podCIDR $c"
done

# The default namespace's ServiceAccount (created by the controller-manager) is needed
# before pods can be admitted.
wait_for "default ServiceAccount" k -n default get serviceaccount default

k apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: fake.invalid/web:1, ports: [{containerPort: 80}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: fake.invalid/agent:1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
EOF

all_pods_running() { # 4 pods (2 web + 1 agent per node), all Running with an IP
  local out
  out="$(k -n default get pods -o jsonpath='{range .items[*]}{.status.phase} {.status.podIP}{"\n"}{end}')"
  [ "$(grep -c '^Running [0-9]' <<<"$out")" -eq 4 ]
}
wait_for "4 pods Running with IPs" all_pods_running
while read -r pod node ip; do
  c="$(k get node "$node" -o jsonpath='{.spec.podCIDR}')"
  ip_in_cidr "$ip" "$c" || die "pod $pod on $node has IP $ip outside the node's podCIDR $c"
  log "pod $pod on $node ip $ip (node podCIDR $c)"
done < <(k -n default get pods -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\n"}{end}')
[ "$(k -n default get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}' | wc -w)" -eq 2 ] ||
  die "DaemonSet does not have one pod per node"

cip="$(k -n default get service web -o jsonpath='{.spec.clusterIP}')"
ip_in_cidr "$cip" "$SERVICE_CIDR" || die "service ClusterIP '$cip' not in $SERVICE_CIDR"
log "service web ClusterIP $cip"

slice_has_pods() {
  [ "$(k -n default get endpointslices -l kubernetes.io/service-name=web \
    -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]} {.conditions.ready}{"\n"}{end}' |
    grep -c ' true$')" -eq 2 ]
}
wait_for "EndpointSlice lists the 2 ready web pods" slice_has_pods
endpoints_have_pods() {
  [ "$(k -n default get endpoints web -o jsonpath='{.subsets[*].addresses[*].ip}' | wc -w)" -eq 2 ]
}
wait_for "Endpoints lists the 2 web pods" endpoints_have_pods
log "EndpointSlice: $(k -n default get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[*].endpoints[*].addresses[0]}')"

etcd_version="$(etcd --version)"
log "versions: $(kube-apiserver --version), ${etcd_version%%$'\n'*}, $(kwok --version)"
if [ "${KEEP:-0}" = 1 ]; then
  log "KEEP=1: cluster up, KUBECONFIG=$KUBECONFIG_FILE; Ctrl-C to stop and clean up"
  wait
fi
log "PASS"
