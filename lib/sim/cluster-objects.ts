/** Objects the simulated control plane starts with: the bench's four nodes and kubeadm's own add-ons. */
import { stringify } from "yaml";
import { find, loadManifest, type K8sObject } from "../render/load";
import { NodeRole, type BenchSpec } from "../spec/types";

/** kwok manages nodes carrying this annotation. */
export const KWOK_ANNOTATION = { "kwok.x-k8s.io/node": "fake" };

/**
 * The four nodes, as kubelets would register them: named and labelled by hostname, the controller with
 * kubeadm's control-plane role and taint, and each with its planned pod prefix (the controller-manager
 * honours a pre-set podCIDR).
 */
export function simNodes(spec: BenchSpec): K8sObject[] {
  return spec.nodes.map((n) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: n.name,
      annotations: { ...KWOK_ANNOTATION, "node.alpha.kubernetes.io/ttl": "0", "netlab/provider-ip": n.provider.address },
      labels: {
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        ...(n.role === NodeRole.ControlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
      },
    },
    spec: {
      podCIDR: n.podCidr,
      podCIDRs: [n.podCidr],
      taints: n.role === NodeRole.ControlPlane ? [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] : [],
    },
    status: {
      capacity: { cpu: "4", memory: "16Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "16Gi", pods: "110" },
      addresses: [
        { type: "InternalIP", address: n.provider.address },
        { type: "Hostname", address: n.name },
      ],
    },
  }));
}

/** kube-proxy (IPVS) and CoreDNS behind kube-dns at the 10th service address, as kubeadm installs them. */
export function kubeadmAddons(spec: BenchSpec, kubeconfig: string): K8sObject[] {
  const objects = loadManifest("sim/kubeadm-addons.yaml");
  const proxy = find(objects, "ConfigMap", "kube-proxy");
  proxy.data["config.conf"] = stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "ipvs",
    clusterCIDR: spec.network.podSubnet,
  });
  proxy.data["kubeconfig.conf"] = kubeconfig;
  find(objects, "DaemonSet", "kube-proxy").spec.template.spec.containers[0].image = `registry.k8s.io/kube-proxy:v${spec.kubernetesVersion}`;
  find(objects, "Service", "kube-dns").spec.clusterIP = spec.network.corednsIp;
  return objects;
}
