/** The lab network: the management and provider interfaces (netplan), as the handout's addressing plan has them. */
import { stringify } from "yaml";
import { NETPLAN_FILE, netplanAfterDelete, netplanFor } from "../render/netplan";
import { StepKind } from "../render/steps";
import type { NodeSpec } from "../spec/types";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** The node's netplan YAML for /etc/netplan/60-netlab.yaml. */
export function netplanYaml(node: NodeSpec): string {
  return stringify(netplanFor(node));
}

export const network: Concern = {
  name: ConcernName.Network,
  steps: (_spec, node, step) => {
    const netplan = netplanYaml(node);
    const interfaces = [node.management, node.provider];
    return [
      step(
        StepKind.Network,
        "20-network.sh",
        {
          NETLAB_NETPLAN_FILE: NETPLAN_FILE,
          NETLAB_NETPLAN_YAML: netplan,
          NETLAB_NETPLAN_KEEP_YAML: stringify(netplanAfterDelete(node)),
          NETLAB_EXPECTED_ADDRESSES: interfaces.map((i) => `${i.device}=${i.address}/${i.prefixLength}`).join(" "),
        },
        {
          files: { [NETPLAN_FILE]: netplan },
          expect: Object.fromEntries(interfaces.map((i) => [`address:${i.device}`, `${i.address}/${i.prefixLength}`])),
        },
      ),
    ];
  },
};
