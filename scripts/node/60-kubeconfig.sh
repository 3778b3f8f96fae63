# Prints the cluster's admin kubeconfig (a secret output of the program, never logged).
create() {
  cat "$NETLAB_ROOT/etc/kubernetes/admin.conf"
}

delete() {
  :
}

check() {
  check_files
}
