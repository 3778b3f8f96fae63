# Base OS: the tools the steps and the lab use, kernel modules, sysctls, swap off. ifupdown must not manage the
# two lab NICs: netplan (step 20) does.
create() {
  local -a packages
  read -ra packages <<<"$NETLAB_BASE_PACKAGES"
  install_packages "${packages[@]}"
  put_file /etc/modules-load.d/netlab.conf "$NETLAB_MODULES"
  local module
  for module in $NETLAB_MODULES; do modprobe "$module"; done
  put_file /etc/sysctl.d/90-netlab.conf "$NETLAB_SYSCTLS"
  sysctl --system >/dev/null
  swapoff --all
  if [ -f "$NETLAB_ROOT/etc/fstab" ]; then sed -i -E 's@^([^#].*\sswap\s.*)$@# netlab: \1@' "$NETLAB_ROOT/etc/fstab"; fi
  release_from_ifupdown
}

delete() {
  remove_file /etc/modules-load.d/netlab.conf
  remove_file /etc/sysctl.d/90-netlab.conf
  if [ -f "$NETLAB_ROOT/etc/fstab" ]; then sed -i -E 's@^# netlab: (.*)$@\1@' "$NETLAB_ROOT/etc/fstab"; fi
}

check() {
  check_files
  local line key
  while IFS= read -r line; do
    key="${line%%=*}"
    key="${key// /}"
    printf 'sysctl:%s=%s\n' "$key" "$(sysctl -n "$key" 2>/dev/null || echo missing)"
  done <<<"$NETLAB_SYSCTLS"
}

# A Debian install configures its NICs in /etc/network/interfaces: comment out the stanzas of the lab NICs (and
# their VLAN sub-interfaces) so ifupdown and netplan never both manage them. The lines are kept, marked.
release_from_ifupdown() {
  local file="$NETLAB_ROOT/etc/network/interfaces"
  [ -f "$file" ] || return 0
  awk -v nics="$NETLAB_LAB_NICS" '
    BEGIN { n = split(nics, list, " "); for (i = 1; i <= n; i++) lab[list[i]] = 1 }
    function lab_nic(name) { sub(/[.:].*/, "", name); return name in lab }
    /^(auto|allow-hotplug|iface)[ \t]/ { inside = lab_nic($2); if (inside) { print "# netlab: " $0; next } }
    /^[ \t]+[^ \t]/ && inside { print "# netlab: " $0; next }
    /^[^ \t]/ { inside = 0 }
    { print }
  ' "$file" >"$file.netlab-tmp"
  if cmp -s "$file" "$file.netlab-tmp"; then rm -f "$file.netlab-tmp"; else mv -f "$file.netlab-tmp" "$file"; log "ifupdown no longer manages $NETLAB_LAB_NICS"; fi
}
