# Container runtime and Kubernetes packages: containerd (systemd cgroups), kubelet, kubeadm, kubectl, crictl.
create() {
  put_file /etc/apt/sources.list.d/kubernetes.list \
    "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v$NETLAB_K8S_MINOR/deb/ /"
  put_file /etc/crictl.yaml "$NETLAB_CRICTL_YAML"
  if on_bench; then
    mkdir -p /etc/apt/keyrings
    if [ ! -s /etc/apt/keyrings/kubernetes-apt-keyring.gpg ]; then
      curl -fsSL "https://pkgs.k8s.io/core:/stable:/v$NETLAB_K8S_MINOR/deb/Release.key" | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
    fi
    apt-get update -q
    apt-get install -y --allow-change-held-packages containerd \
      "kubelet=$NETLAB_K8S_VERSION-*" "kubeadm=$NETLAB_K8S_VERSION-*" "kubectl=$NETLAB_K8S_VERSION-*"
    apt-mark hold kubelet kubeadm kubectl
    mkdir -p /etc/containerd
    containerd config default | sed -e 's/SystemdCgroup = false/SystemdCgroup = true/' >/etc/containerd/config.toml
    systemctl restart containerd
    systemctl enable --now containerd kubelet
  else
    log "sim: not activated: apt-get install containerd kubelet=$NETLAB_K8S_VERSION kubeadm kubectl; systemctl enable"
  fi
}

delete() {
  if on_bench; then
    apt-mark unhold kubelet kubeadm kubectl
    apt-get purge -y kubelet kubeadm kubectl containerd
  fi
  remove_file /etc/apt/sources.list.d/kubernetes.list
  remove_file /etc/crictl.yaml
}

check() {
  check_files
}
