# Network: the netplan file for enp1s0f0 (management, VLAN 2) and enp1s0f2 (provider, VLAN 3).
create() {
  put_file "$NETLAB_NETPLAN_FILE" "$NETLAB_NETPLAN_YAML" 0600
  apply_netplan
  check_addresses
}

# Undo keeps the management address: the provisioner is connected through it, and it predates the lab.
delete() {
  put_file "$NETLAB_NETPLAN_FILE" "$NETLAB_NETPLAN_KEEP_YAML" 0600
  apply_netplan
}

check() {
  check_files
  local pair device
  for pair in $NETLAB_EXPECTED_ADDRESSES; do
    device="${pair%%=*}"
    if ip link show "$device" >/dev/null 2>&1; then
      printf 'address:%s=%s\n' "$device" "$(ip -4 -o addr show dev "$device" scope global | awk '{print $4}' | sort | paste -sd, -)"
    else
      printf 'address:%s=missing\n' "$device"
    fi
  done
}

# generate first: it rejects what `netplan apply` would, before anything changes.
apply_netplan() {
  netplan generate
  netplan apply
}

# Each lab address must be on its device ("device=address/len" pairs).
check_addresses() {
  local pair device address
  for pair in $NETLAB_EXPECTED_ADDRESSES; do
    device="${pair%%=*}" address="${pair#*=}"
    if ! ip -4 -o addr show dev "$device" | grep -qF " $address "; then
      log "expected $address on $device, found: $(ip -4 -o addr show dev "$device" 2>&1 | awk '{print $4}' | tr '\n' ' ')"
      return 1
    fi
    log "$device has $address"
  done
}
