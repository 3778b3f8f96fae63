# The lab's manifests in the lab user's home on the controller, where the handout has students apply them.
# Written as the lab user, never through a link planted in the home (home.sh).
create() {
  put_user_file k8s-network-lab-s1.yml "$NETLAB_LAB_S1"
  put_user_file k8s-network-lab-c1.yml "$NETLAB_LAB_C1"
}

delete() {
  archive_student_files
  remove_user_file k8s-network-lab-s1.yml
  remove_user_file k8s-network-lab-c1.yml
}

check() {
  check_files
}
