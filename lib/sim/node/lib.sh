# shellcheck shell=bash
# Shared by the simulated node's commands (lib/sim/node/bin, first on the PATH of every session the sim's sshd
# opens). They stand in for what a network namespace on this machine cannot be or must not touch: the package
# manager, systemd, the kernel's modules and global sysctls, swap, kubeadm/kubelet/containerd, IPVS, netplan's
# apply, iptables. Each does what the simulated bench needs, on the node's own state, and never reaches this
# machine's system. The node's files live under NETLAB_SIM_ROOT (the render's NETLAB_ROOT); what a real node keeps
# in its kernel or its daemons is kept under NETLAB_SIM_STATE; the simulated cluster's files under
# NETLAB_SIM_CLUSTER. The sim's sshd sets all of them (lib/sim/node-env.ts).
set -euo pipefail

if [ -z "${NETLAB_SIM_ROOT:-}" ] || [ "$NETLAB_SIM_ROOT" = / ] || [ -z "${NETLAB_SIM_STATE:-}" ] || [ -z "${NETLAB_SIM_PATH:-}" ]; then
  printf '%s: a simulated node'"'"'s command, run outside one (NETLAB_SIM_ROOT/STATE/PATH unset): refusing\n' "${0##*/}" >&2
  exit 126
fi

SIM_COMMAND="${0##*/}"

# sim_log MESSAGE...: what the command did instead, on standard error (it ends up in the step's output).
sim_log() { printf '[sim %s] %s: %s\n' "${NETLAB_SIM_NODE:-node}" "$SIM_COMMAND" "$*" >&2; }

# sim_die MESSAGE...: fails the command as the real one would, saying why.
sim_die() {
  sim_log "$*"
  exit 1
}

# Every call, one line each, for tests and for reading what a step ran: "<command> <args...>".
sim_record_call() {
  mkdir -p "$NETLAB_SIM_STATE"
  printf '%s\n' "$SIM_COMMAND${1+ $*}" >>"$NETLAB_SIM_STATE/calls.log"
}

# sim_state NAME: a directory of the node's simulated system state, created on first use.
sim_state() {
  mkdir -p "$NETLAB_SIM_STATE/$1"
  printf '%s' "$NETLAB_SIM_STATE/$1"
}

# real CMD ARGS...: the machine's own CMD (or the toolchain's), not this directory's stand-in.
real() {
  local cmd
  cmd="$(PATH="$NETLAB_SIM_PATH" && command -v "$1")" || sim_die "no $1 on this machine (PATH $NETLAB_SIM_PATH)"
  shift
  "$cmd" "$@"
}

# The node's kubelet "runs" once kubeadm init or join made it a cluster node (its kubeconfig exists), until kubeadm reset.
kubelet_running() { [ -f "$NETLAB_SIM_ROOT/etc/kubernetes/kubelet.conf" ]; }

# sim_kubectl ARGS...: kubectl against the simulated control plane as its administrator (what kube-proxy or the
# kubelet would learn from the API server).
sim_kubectl() {
  [ -s "${NETLAB_SIM_CLUSTER:-}/admin.conf" ] || sim_die "no simulated control plane (${NETLAB_SIM_CLUSTER:-unset}/admin.conf): run 'netlab sim up' first"
  real kubectl --kubeconfig "$NETLAB_SIM_CLUSTER/admin.conf" --request-timeout=30s "$@"
}

sim_record_call "$@"
