# shellcheck shell=bash
# Sourced by bin/netlab and scripts/*.sh: puts a Node.js >= 22 first on PATH.
# The current @pulumi/pulumi needs Node 22+, these machines ship Node 20: Node 24 LTS comes from the npm
# registry's `node` package into a cache outside the repo, once.
NETLAB_NODE_VERSION=24.21.0
NETLAB_CACHE="${NETLAB_CACHE:-$HOME/.cache/k8s-netlab}"
netlab_node_dir="$NETLAB_CACHE/node-$NETLAB_NODE_VERSION"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  if [ ! -x "$netlab_node_dir/node_modules/.bin/node" ]; then
    echo "[setup] installing Node $NETLAB_NODE_VERSION from the npm registry into $netlab_node_dir" >&2
    mkdir -p "$netlab_node_dir"
    (cd "$netlab_node_dir" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$NETLAB_NODE_VERSION" >&2)
  fi
  PATH="$netlab_node_dir/node_modules/.bin:$PATH"
  export PATH
fi
unset netlab_node_dir
# The toolchain's kubectl, kubeadm and control plane, when built: the same versions everywhere netlab runs.
netlab_kube_env="$(dirname "${BASH_SOURCE[0]}")/../toolchain/kube-env.sh"
if [ -f "$netlab_kube_env" ]; then
  # shellcheck source=/dev/null
  . "$netlab_kube_env"
fi
unset netlab_kube_env
