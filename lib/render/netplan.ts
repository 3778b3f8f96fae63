/** The netplan document for a node's two lab interfaces, as a plain object (serialised by the caller). */
import { PortMode, type InterfaceSpec, type NodeSpec } from "../spec/types";

/** File the network step owns; other netplan files on the host (uplink, eno1) are left alone. */
export const NETPLAN_FILE = "/etc/netplan/60-netlab.yaml";

export interface NetplanDoc {
  network: {
    version: 2;
    renderer: "networkd";
    ethernets: Record<string, Record<string, unknown>>;
    vlans?: Record<string, Record<string, unknown>>;
  };
}

export function netplanFor(node: NodeSpec): NetplanDoc {
  const doc: NetplanDoc = { network: { version: 2, renderer: "networkd", ethernets: {} } };
  for (const iface of [node.management, node.provider]) addInterface(doc, iface);
  return doc;
}

/**
 * What the network step leaves when it is undone: the management interface only. The provisioner reaches the
 * node over it (and it predates the lab), so removing it would cut the node off mid-destroy.
 */
export function netplanAfterDelete(node: NodeSpec): NetplanDoc {
  const doc: NetplanDoc = { network: { version: 2, renderer: "networkd", ethernets: {} } };
  addInterface(doc, node.management);
  return doc;
}

function addInterface(doc: NetplanDoc, iface: InterfaceSpec): void {
  const addressed = { dhcp4: false, dhcp6: false, "link-local": [], addresses: [`${iface.address}/${iface.prefixLength}`] };
  if (iface.portMode === PortMode.Access) {
    doc.network.ethernets[iface.nic] = addressed;
    return;
  }
  // Trunk port: the NIC carries no address itself, the 802.1Q sub-interface does.
  doc.network.ethernets[iface.nic] = { dhcp4: false, dhcp6: false, "link-local": [] };
  doc.network.vlans = { ...doc.network.vlans, [iface.device]: { id: iface.vlanId, link: iface.nic, ...addressed } };
}
