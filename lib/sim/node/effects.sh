#!/usr/bin/env bash
# What Kube Router and nodelocaldns leave on a node, which the simulated bench has no such processes to do (kwok
# runs their pods without containers): kube-bridge holding the first address of the node's pod prefix, the routes
# Kube Router's BGP speaker installs (protocol 17) to every other node's prefix via that node's provider address,
# and the nodelocaldns link holding its address. Run in the node's network namespace, by the simulated kubeadm
# once the node joined and by the simulator itself (lib/sim/kube-router-effects.ts); idempotent.
# Environment: NETLAB_SIM_POD_GATEWAY (address/len), NETLAB_SIM_ROUTES ("prefix@via,..."), NETLAB_SIM_NODELOCALDNS.
set -euo pipefail
: "${NETLAB_SIM_POD_GATEWAY:?}" "${NETLAB_SIM_ROUTES?}" "${NETLAB_SIM_NODELOCALDNS:?}"

ip link show kube-bridge >/dev/null 2>&1 || ip link add kube-bridge type bridge
ip addr replace "$NETLAB_SIM_POD_GATEWAY" dev kube-bridge
ip link set kube-bridge up
IFS=, read -ra routes <<<"$NETLAB_SIM_ROUTES"
for route in "${routes[@]}"; do
  ip route replace "${route%@*}" via "${route#*@}" proto 17
done
# A dummy link on a real node; a namespace on a kernel without the dummy module gets a bridge in its place.
if ! ip link show nodelocaldns >/dev/null 2>&1; then
  ip link add nodelocaldns type dummy 2>/dev/null || ip link add nodelocaldns type bridge
fi
ip addr replace "$NETLAB_SIM_NODELOCALDNS/32" dev nodelocaldns
ip link set nodelocaldns up
