# The lab's manifests in the lab user's home on the controller, where the handout has students apply them.
create() {
  put_file "/home/$NETLAB_LAB_USER/k8s-network-lab-s1.yml" "$NETLAB_LAB_S1"
  put_file "/home/$NETLAB_LAB_USER/k8s-network-lab-c1.yml" "$NETLAB_LAB_C1"
  if on_bench; then chown "$NETLAB_LAB_USER:" "/home/$NETLAB_LAB_USER"/k8s-network-lab-*.yml; fi
}

delete() {
  archive_student_files
  remove_file "/home/$NETLAB_LAB_USER/k8s-network-lab-s1.yml"
  remove_file "/home/$NETLAB_LAB_USER/k8s-network-lab-c1.yml"
}

check() {
  check_files
}
