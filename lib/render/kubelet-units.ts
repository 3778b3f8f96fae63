/**
 * The kubelet's systemd unit and kubeadm's drop-in, as the Kubernetes packages install them: a bench that takes
 * its binaries from the bundle gets the same two files (kubeadm writes the flags and config they point at).
 */

export const KUBELET_UNIT_FILE = "/etc/systemd/system/kubelet.service";
export const KUBELET_DROPIN_FILE = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf";

export const KUBELET_UNIT = [
  "[Unit]",
  "Description=kubelet: the Kubernetes node agent (installed by k8s-netlab from its bundle)",
  "Wants=network-online.target",
  "After=network-online.target",
  "",
  "[Service]",
  "ExecStart=/usr/bin/kubelet",
  "Restart=always",
  "StartLimitInterval=0",
  "RestartSec=10",
  "",
  "[Install]",
  "WantedBy=multi-user.target",
].join("\n");

/** kubeadm writes kubeadm-flags.env and config.yaml; the bootstrap kubeconfig exists only until the TLS bootstrap. */
export const KUBELET_KUBEADM_DROPIN = [
  "[Service]",
  'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"',
  'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"',
  "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env",
  "EnvironmentFile=-/etc/default/kubelet",
  "ExecStart=",
  "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS",
].join("\n");
