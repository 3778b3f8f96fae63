/** The host base: the Debian packages, kernel modules and sysctls every node needs before anything else. */
import type { Concern } from "./concern";
import { ConcernName } from "./concern";
import { StepKind } from "../render/steps";

/** Kernel modules kube-proxy (IPVS), kube-router (bridge netfilter), containerd and trunk ports need. */
export const KERNEL_MODULES = ["overlay", "br_netfilter", "8021q", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"];
export const SYSCTLS = { "net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1", "net.bridge.bridge-nf-call-ip6tables": "1" };
/**
 * Debian packages every node needs: what the steps run (netplan, curl), what kubeadm's preflight checks
 * (conntrack, socat, ebtables, ethtool) and what the handout has students run on the nodes (ipvsadm, tcpdump, ping).
 */
export const BASE_PACKAGES = [
  "iproute2",
  "iptables",
  "ipset",
  "ipvsadm",
  "conntrack",
  "ebtables",
  "socat",
  "ethtool",
  "kmod",
  "procps",
  "netplan.io",
  "curl",
  "ca-certificates",
  "tcpdump",
  "iputils-ping",
];

export const hostBase: Concern = {
  name: ConcernName.HostBase,
  steps: (_spec, node, step) => {
    const modules = KERNEL_MODULES.join("\n");
    const sysctls = Object.entries(SYSCTLS)
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n");
    return [
      step(
        StepKind.BaseOs,
        "10-base-os.sh",
        {
          NETLAB_MODULES: modules,
          NETLAB_SYSCTLS: sysctls,
          NETLAB_BASE_PACKAGES: BASE_PACKAGES.join(" "),
          NETLAB_LAB_NICS: [node.management.nic, node.provider.nic].join(" "),
        },
        {
          files: { "/etc/modules-load.d/netlab.conf": modules, "/etc/sysctl.d/90-netlab.conf": sysctls },
          expect: Object.fromEntries(Object.entries(SYSCTLS).map(([k, v]) => [`sysctl:${k}`, v])),
        },
      ),
    ];
  },
};
