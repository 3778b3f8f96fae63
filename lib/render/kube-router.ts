/** Kube Router's objects for one bench. */
import type { BenchSpec } from "../spec/types";
import { find, loadManifest, type K8sObject } from "./load";

/** The CNI configuration kube-router installs: bridge kube-bridge, host-local IPAM from the node's pod CIDR. */
export function kubeRouterCniConf(): object {
  return {
    cniVersion: "0.3.0",
    name: "kubernetes",
    plugins: [
      {
        name: "kubernetes",
        type: "bridge",
        bridge: "kube-bridge",
        isDefaultGateway: true,
        hairpinMode: true,
        // No subnet here: kube-router writes the node's spec.podCIDR into the file it installs.
        ipam: { type: "host-local" },
      },
      { type: "portmap", capabilities: { snat: true, portMappings: true } },
    ],
  };
}

/** Command-line flags of the kube-router container. */
export function kubeRouterArgs(spec: BenchSpec): string[] {
  return [
    "--run-router=true",
    "--run-firewall=true",
    "--run-service-proxy=false",
    "--nodes-full-mesh=true",
    "--advertise-pod-cidr=true",
    "--bgp-graceful-restart=true",
    `--cluster-cidr=${spec.network.podSubnet}`,
    "--kubeconfig=/var/lib/kube-router/kubeconfig",
  ];
}

export function kubeRouterObjects(spec: BenchSpec): K8sObject[] {
  const objects = loadManifest("kube-router.yaml");
  find(objects, "ConfigMap", "kube-router-cfg").data["cni-conf.json"] = JSON.stringify(kubeRouterCniConf(), null, 2);
  const pod = find(objects, "DaemonSet", "kube-router").spec.template.spec;
  pod.initContainers[0].image = spec.images.kubeRouter;
  pod.containers[0].image = spec.images.kubeRouter;
  pod.containers[0].args = kubeRouterArgs(spec);
  return objects;
}
