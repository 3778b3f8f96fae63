/** Kube Router's objects for one bench. */
import type { BenchSpec } from "../spec/types";
import { find, loadManifest, ProbeKind, stretchProbe, type K8sObject } from "./load";

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

/** Where the install-cni init container puts the CNI configuration (KUBE_ROUTER_CNI_CONF_FILE). */
export const KUBE_ROUTER_CNI_CONF_FILE = "/etc/cni/net.d/10-kuberouter.conflist";

/**
 * Command-line flags of the kube-router container; every one is a flag of the pinned version (checked against
 * bundle/kube-router-<version>.flags). kube-router has no pod-CIDR flag: it reads each node's spec.podCIDR
 * (`--cluster-cidr` was removed in v1.1.0 and makes the binary exit). It is given the bench's service range, as its
 * default is 10.96.0.0/12.
 * The node's name comes from the NODE_NAME environment variable (the DaemonSet sets it), so no
 * --hostname-override. Its firewall (the NetworkPolicy controller) is off: the lab has no NetworkPolicy, and
 * v2.1.0's firewall saves and restores every ipset on the node, kube-proxy's included, reverting entries kube-proxy
 * added meanwhile (upstream issues #1732 and #1918, fixed from v2.6.1). On the VM bench that left the coredns and
 * webserver-service-1 ClusterIPs out of kube-proxy's KUBE-CLUSTER-IP set, so a node's own connections to them (the
 * path from nodelocaldns to CoreDNS) were never masqueraded and timed out; with the firewall off they answered.
 */
export function kubeRouterArgs(spec: BenchSpec): string[] {
  return [
    "--run-router=true",
    "--run-firewall=false",
    "--run-service-proxy=false",
    "--nodes-full-mesh=true",
    "--advertise-pod-cidr=true",
    "--bgp-graceful-restart=true",
    `--service-cluster-ip-range=${spec.network.serviceSubnet}`,
    "--kubeconfig=/var/lib/kube-router/kubeconfig",
  ];
}

/** The kube-router version of an image reference ("docker.io/cloudnativelabs/kube-router:v2.1.0" -> "v2.1.0"). */
export function kubeRouterVersion(image: string): string {
  return /:(v?\d+\.\d+\.\d+)$/.exec(image)?.[1] ?? "";
}

export function kubeRouterObjects(spec: BenchSpec): K8sObject[] {
  const objects = loadManifest("kube-router.yaml");
  find(objects, "ConfigMap", "kube-router-cfg").data["cni-conf.json"] = JSON.stringify(kubeRouterCniConf(), null, 2);
  const pod = find(objects, "DaemonSet", "kube-router").spec.template.spec;
  pod.initContainers[0].image = spec.images.kubeRouter;
  pod.containers[0].image = spec.images.kubeRouter;
  pod.containers[0].args = kubeRouterArgs(spec);
  // Upstream's probe (first after 10 s, every 3 s, 1 s to answer), stretched for slow (emulated) nodes.
  stretchProbe(pod.containers[0].livenessProbe, spec.timeouts.scale, ProbeKind.Liveness);
  return objects;
}
