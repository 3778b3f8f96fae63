/** The container runtime and the Kubernetes binaries: containerd, the CNI plugins, kubelet, kubeadm, kubectl, crictl. */
import { stringify } from "yaml";
import { CRI_SOCKET, pauseImage } from "../render/kubeadm";
import { KUBELET_DROPIN_FILE, KUBELET_KUBEADM_DROPIN, KUBELET_UNIT, KUBELET_UNIT_FILE } from "../render/kubelet-units";
import { StepKind } from "../render/steps";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** containerd with kubeadm's pause image and systemd cgroups, the CNI plugins, kubelet/kubeadm/kubectl/crictl. */
export const runtime: Concern = {
  name: ConcernName.Runtime,
  steps: (spec, _node, step) => {
    const pause = pauseImage(spec.kubernetesVersion);
    const fromBundle = spec.packageSource === "bundle";
    const containerd = `SystemdCgroup=true sandbox_image=${pause}`;
    const crictl = stringify({ "runtime-endpoint": CRI_SOCKET, "image-endpoint": CRI_SOCKET, timeout: 10 });
    return [step(StepKind.Runtime, "30-runtime.sh", {
      NETLAB_K8S_VERSION: spec.kubernetesVersion,
      NETLAB_K8S_MINOR: spec.kubernetesVersion.split(".").slice(0, 2).join("."),
      NETLAB_CRICTL_YAML: crictl,
      NETLAB_PAUSE_IMAGE: pause,
      NETLAB_CONTAINERD_EXPECTED: containerd,
      NETLAB_KUBELET_UNIT: KUBELET_UNIT,
      NETLAB_KUBELET_DROPIN: KUBELET_KUBEADM_DROPIN,
    }, {
      files: { "/etc/crictl.yaml": crictl, ...(fromBundle ? { [KUBELET_UNIT_FILE]: KUBELET_UNIT, [KUBELET_DROPIN_FILE]: KUBELET_KUBEADM_DROPIN } : {}) },
      expect: { containerd, crictl: "installed" },
    })];
  },
  // Pods' address leases (host-local IPAM) and the runtime's view of their networks.
  footprint: { paths: ["/var/lib/cni"] },
};
