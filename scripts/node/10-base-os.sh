# Base OS: packages the lab inspects with, kernel modules, sysctls, swap off.
create() {
  activate apt-get install -y --no-install-recommends ipvsadm ipset conntrack tcpdump ethtool iptables
  put_file /etc/modules-load.d/netlab.conf "$NETLAB_MODULES"
  local module
  for module in $NETLAB_MODULES; do activate modprobe "$module"; done
  put_file /etc/sysctl.d/90-netlab.conf "$NETLAB_SYSCTLS"
  apply_sysctls
  activate swapoff --all
  if on_bench; then sed -i -E 's@^([^#].*\sswap\s.*)$@# netlab: \1@' /etc/fstab; fi
}

delete() {
  remove_file /etc/modules-load.d/netlab.conf
  remove_file /etc/sysctl.d/90-netlab.conf
  if on_bench; then sed -i -E 's@^# netlab: (.*)$@\1@' /etc/fstab; fi
}

check() {
  check_files
  local line key
  while IFS= read -r line; do
    key="${line%%=*}"
    key="${key// /}"
    if [ -e "/proc/sys/${key//.//}" ]; then printf 'sysctl:%s=%s\n' "$key" "$(sysctl -n "$key")"; else unobservable "sysctl:$key"; fi
  done <<<"$NETLAB_SYSCTLS"
}

# On a bench, sysctl --system loads every file. In the simulation each key is set in the node's own network
# namespace when this kernel has it (the bridge keys need br_netfilter, which a namespace cannot load).
apply_sysctls() {
  if on_bench; then sysctl --system >/dev/null; return; fi
  local line key value
  while IFS= read -r line; do
    key="${line%%=*}" value="${line#*=}"
    key="${key// /}" value="${value// /}"
    if [ -e "/proc/sys/${key//.//}" ]; then
      sysctl -q -w "$key=$value"
      log "sysctl $key=$(sysctl -n "$key")"
    else
      log "sim: $key does not exist in this kernel"
    fi
  done <<<"$NETLAB_SYSCTLS"
}
