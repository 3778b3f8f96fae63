#!/usr/bin/env bash
# Everything a fresh machine needs, idempotent and quick when already done:
#   Debian packages (validators, sshd for the simulated bench), Node 24, npm dependencies, the Go-built toolchain.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

say() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages: netplan's generator and shellcheck validate renders; openssh-server, iproute2 and
# iputils-ping and openssl build and probe the simulated bench; QEMU, mmdebstrap, qemu-img and mkfs.ext4 make
# and run the VM bench (software emulation: no /dev/kvm needed), dnsmasq-base is its site resolver; iptables runs the
# node-cache entrypoint's test in a namespace; dpkg-dev, gcc and libc6-dev build the bundle
# (apt repository, the static pause binary); systemd's systemd-analyze verifies cri-dockerd's rendered units.
packages=(netplan.io shellcheck openssh-server openssh-client iproute2 iputils-ping openssl
  qemu-system-x86 qemu-utils mmdebstrap e2fsprogs dnsmasq-base iptables dpkg-dev gcc libc6-dev systemd)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# shellcheck source=/dev/null
source "$here/scripts/env.sh"
[ -n "${NETLAB_QUIET_SETUP:-}" ] || say "node $(node --version)"

# npm dependencies, reinstalled only when package-lock.json changed.
stamp="node_modules/.netlab-lock-hash"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

if [ "${NETLAB_SKIP_TOOLCHAIN:-}" = 1 ]; then
  say "NETLAB_SKIP_TOOLCHAIN=1: not building the Go toolchain (the tests that need it fail, naming what to build)"
else
  bash "$here/toolchain/build.sh"
fi
