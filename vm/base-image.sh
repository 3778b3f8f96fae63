#!/usr/bin/env bash
# The VM bench's base image: a fresh Debian bookworm (kernel, systemd, sshd, sudo, iproute2, netplan), nothing of
# Kubernetes or containers. `base-image.sh build OUTDIR` writes OUTDIR/disk.qcow2 (ext4 root on the whole disk,
# 10 GiB virtual, sparse), OUTDIR/vmlinuz and OUTDIR/initrd.img for QEMU's -kernel/-initrd, and OUTDIR/stamp last.
# lib/vm/image.ts names OUTDIR after a hash of this file, so editing the recipe means a new image.
#
# What a VM gets at boot, without touching the base:
#  - its name (systemd.hostname=) and management address (ip=, systemd-network-generator -> systemd-networkd);
#  - its site's resolver (nameserver=, written to /etc/resolv.conf by netlab-resolver.service);
#  - the provisioner's public key for `user`, from QEMU fw_cfg opt/netlab/authorized_keys;
#  - its own machine-id and SSH host keys (none are in the base); the public host keys are printed on the serial
#    console between "-----BEGIN SSH HOST KEY KEYS-----" and "-----END SSH HOST KEY KEYS-----" on every boot.
set -euo pipefail

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
DISK_SIZE=10G
LAB_USER=user
PACKAGES=(
  linux-image-amd64 systemd-sysv udev dbus libnss-myhostname kmod
  openssh-server sudo iproute2 netplan.io iputils-ping procps ca-certificates
)

die() { echo "base-image: $*" >&2; exit 1; }

# Runs inside mmdebstrap's customize hook: $1 is the root directory of the new system.
customize() {
  local root=$1
  # Sudo without password for the lab user; a password-less but unlocked account (key login only).
  chroot "$root" useradd --create-home --shell /bin/bash --groups sudo "$LAB_USER"
  chroot "$root" usermod --password '*' "$LAB_USER"
  printf '%s ALL=(ALL) NOPASSWD:ALL\n' "$LAB_USER" >"$root/etc/sudoers.d/90-netlab-user"
  chmod 0440 "$root/etc/sudoers.d/90-netlab-user"

  cat >"$root/etc/ssh/sshd_config.d/60-netlab.conf" <<'EOF'
# netlab VM: key login only
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
# No RSA key: generating one takes a minute under emulation.
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
EOF
  # Every VM makes its own host keys at first boot.
  rm -f "$root"/etc/ssh/ssh_host_*

  install -m 0755 /dev/stdin "$root/usr/local/sbin/netlab-authorized-keys" <<'EOF'
#!/bin/sh
# The provisioner's public key, handed over by QEMU (-fw_cfg name=opt/netlab/authorized_keys,file=...).
set -eu
modprobe qemu_fw_cfg
src=/sys/firmware/qemu_fw_cfg/by_name/opt/netlab/authorized_keys/raw
[ -r "$src" ] || { echo "netlab: no fw_cfg opt/netlab/authorized_keys; key login disabled" >&2; exit 0; }
home=$(getent passwd user | cut -d: -f6)
install -d -m 0700 -o user -g user "$home/.ssh"
install -m 0600 -o user -g user "$src" "$home/.ssh/authorized_keys"
EOF
  install -m 0755 /dev/stdin "$root/usr/local/sbin/netlab-console-host-keys" <<'EOF'
#!/bin/sh
# The public host keys on the serial console, for the host to pin (the same markers as cloud-init's).
{
  echo "-----BEGIN SSH HOST KEY KEYS-----"
  cat /etc/ssh/ssh_host_*_key.pub
  echo "-----END SSH HOST KEY KEYS-----"
} >/dev/console
EOF
  cat >"$root/etc/systemd/system/netlab-host-keys.service" <<'EOF'
[Unit]
Description=netlab: generate this machine's SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key
ExecStart=/usr/bin/ssh-keygen -q -t ecdsa -N "" -f /etc/ssh/ssh_host_ecdsa_key
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOF
  cat >"$root/etc/systemd/system/netlab-authorized-keys.service" <<'EOF'
[Unit]
Description=netlab: the provisioner's public key for the lab user (QEMU fw_cfg)
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/netlab-authorized-keys
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOF
  cat >"$root/etc/systemd/system/netlab-console-host-keys.service" <<'EOF'
[Unit]
Description=netlab: print the SSH host public keys on the serial console
After=netlab-host-keys.service ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/netlab-console-host-keys

[Install]
WantedBy=multi-user.target
EOF
  chroot "$root" systemctl enable --quiet netlab-host-keys.service netlab-authorized-keys.service \
    netlab-console-host-keys.service systemd-networkd.service systemd-network-generator.service

  # Identity comes at boot: empty machine-id (systemd generates and commits one), no hostname in the image.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id" "$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' >"$root/etc/fstab"
  # A bench has its site's resolver. The VM bench's is a stand-in on the host's management address (`netlab vm up`
  # runs dnsmasq there, refusing every name at once), named on the kernel command line (nameserver=) and written
  # by netlab-resolver.service at boot. The image's own fallback is a documentation address (RFC 5737): CoreDNS
  # and nodelocaldns refuse to start on a resolv.conf without a nameserver.
  printf 'nameserver 192.0.2.53\n' >"$root/etc/resolv.conf"
  install -m 0755 /dev/stdin "$root/usr/local/sbin/netlab-resolver" <<'EOR'
#!/bin/sh
# /etc/resolv.conf from the kernel command line's nameserver= (one or more); unchanged without one.
set -eu
servers=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^nameserver=//p')
[ -n "$servers" ] || exit 0
printf 'nameserver %s\n' $servers >/etc/resolv.conf
EOR
  cat >"$root/etc/systemd/system/netlab-resolver.service" <<'EOR'
[Unit]
Description=netlab: the site's resolver from the kernel command line (nameserver=)
DefaultDependencies=no
After=local-fs.target
Before=network-pre.target ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/netlab-resolver
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
EOR
  chroot "$root" systemctl enable --quiet netlab-resolver.service
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
}

build() {
  local out=$1
  [[ $(id -u) == 0 ]] || die "run as root (mmdebstrap and mkfs.ext4 -d keep file ownership)"
  for tool in mmdebstrap mkfs.ext4 qemu-img; do
    command -v "$tool" >/dev/null || die "$tool not found; apt-get install mmdebstrap qemu-utils e2fsprogs"
  done
  mkdir -p "$out"
  # One build at a time per image (two benches may come up at once); a finished one is not redone.
  exec 9>"$out/lock"
  flock 9
  if [[ -f $out/stamp ]]; then echo "base-image: already built in $out"; return; fi
  local work="$out/work"
  rm -rf "$work"
  mkdir -p "$work"
  local self
  self=$(readlink -f "${BASH_SOURCE[0]}")

  echo "base-image: mmdebstrap $SUITE (${PACKAGES[*]})"
  mmdebstrap --mode=root --variant=apt --include="$(IFS=,; echo "${PACKAGES[*]}")" \
    --customize-hook="\"$self\" customize \"\$1\"" \
    "$SUITE" "$work/root" "$MIRROR"

  echo "base-image: kernel and initrd from /boot"
  local kernel initrd
  kernel=$(find "$work/root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
  initrd=$(find "$work/root/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n 1)
  [[ -n $kernel && -n $initrd ]] || die "no kernel or initrd under $work/root/boot"
  cp "$kernel" "$out/vmlinuz"
  cp "$initrd" "$out/initrd.img"

  echo "base-image: ext4 filesystem ($DISK_SIZE, sparse) from the tree"
  mkfs.ext4 -q -F -L netlab-root -d "$work/root" "$work/disk.raw" "$DISK_SIZE"
  qemu-img convert -O qcow2 "$work/disk.raw" "$out/disk.qcow2"
  chmod 0444 "$out/disk.qcow2"
  rm -rf "$work"
  date -u +%FT%TZ >"$out/stamp"
  echo "base-image: done in $out"
}

case "${1:-}" in
  build) [[ $# == 2 ]] || die "usage: $0 build OUTDIR"; build "$2" ;;
  customize) [[ $# == 2 ]] || die "usage: $0 customize ROOT"; customize "$2" ;;
  *) die "usage: $0 build OUTDIR" ;;
esac
