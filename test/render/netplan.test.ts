/**
 * netplanAfterDelete (lib/render/netplan.ts): what the network step leaves on a node when it is undone. Only the
 * management interface, configured exactly as while the lab ran (the provisioner is connected over it), in
 * either port mode; checked by netplan's own generator, as the rendered files are in validators.test.ts.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { netplanAfterDelete, netplanFor, type NetplanDoc } from "../../lib/render/netplan";
import type { NodeSpec } from "../../lib/spec/types";
import { specFor } from "../helpers/spec";
import { onPath } from "../helpers/tools";

const nodeOf = (network: Record<string, string>, name = "compute2"): NodeSpec => specFor(27, 4, { network }).nodes.find((n) => n.name === name)!;

const MODES = {
  "access ports": {},
  "trunk ports": { managementPortMode: "tagged", providerPortMode: "tagged" },
  "tagged management, access provider": { managementPortMode: "tagged" },
  "access management, tagged provider": { providerPortMode: "tagged" },
};

/** The systemd-networkd units `netplan generate` writes for a document, by file name. */
function generate(doc: NetplanDoc): Record<string, string> {
  const netplan = onPath("netplan");
  if (!netplan) throw new Error("netplan is not on PATH; it is installed by the README's set-up (scripts/setup.sh)");
  const root = mkdtempSync(path.join(os.tmpdir(), "netplan-after-delete-"));
  mkdirSync(path.join(root, "etc", "netplan"), { recursive: true });
  const file = path.join(root, "etc", "netplan", "60-netlab.yaml");
  writeFileSync(file, stringify(doc));
  chmodSync(file, 0o600);
  execFileSync(netplan, ["generate", "--root-dir", root], { stdio: "pipe" });
  const dir = path.join(root, "run", "systemd", "network");
  const files = existsSync(dir) ? readdirSync(dir) : [];
  return Object.fromEntries(files.map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));
}

describe("netplanAfterDelete", () => {
  it("access ports: the management NIC with its address, nothing of the provider NIC", () => {
    const node = nodeOf({});
    expect(netplanAfterDelete(node)).toEqual({
      network: {
        version: 2,
        renderer: "networkd",
        ethernets: { enp1s0f0: { dhcp4: false, dhcp6: false, "link-local": [], addresses: ["192.168.4.32/24"] } },
      },
    });
  });

  it("a tagged management port: the NIC without an address, its VLAN 2 sub-interface with it", () => {
    const doc = netplanAfterDelete(nodeOf({ managementPortMode: "tagged", providerPortMode: "tagged" }));
    expect(doc.network.ethernets).toEqual({ enp1s0f0: { dhcp4: false, dhcp6: false, "link-local": [] } });
    expect(doc.network.vlans).toEqual({
      "enp1s0f0.2": { id: 2, link: "enp1s0f0", dhcp4: false, dhcp6: false, "link-local": [], addresses: ["192.168.4.32/24"] },
    });
  });

  for (const [mode, network] of Object.entries(MODES)) {
    it(`${mode}: the management interface exactly as the lab's own file has it, the provider's gone`, () => {
      const node = nodeOf(network);
      const during = netplanFor(node).network;
      const after = netplanAfterDelete(node).network;
      const { management, provider } = node;
      expect(after.ethernets[management.nic]).toEqual(during.ethernets[management.nic]);
      expect(after.vlans?.[management.device]).toEqual(during.vlans?.[management.device]);
      expect(Object.keys(after.ethernets)).toEqual([management.nic]);
      expect(Object.keys(after.vlans ?? {})).toEqual(management.device === management.nic ? [] : [management.device]);
      expect(JSON.stringify(after)).not.toContain(provider.address);
      // The rest of the document is the lab file's.
      expect([after.version, after.renderer]).toEqual([during.version, during.renderer]);
    });
  }

  it("each node keeps its own management address", () => {
    const addresses = specFor(27, 4).nodes.map((n) => netplanAfterDelete(n).network.ethernets.enp1s0f0!.addresses);
    expect(addresses).toEqual([["192.168.4.12/24"], ["192.168.4.22/24"], ["192.168.4.32/24"], ["192.168.4.42/24"]]);
  });

  for (const [mode, network] of Object.entries(MODES)) {
    it(`${mode}: netplan generate accepts it and configures the management device only`, () => {
      const node = nodeOf(network);
      const units = generate(netplanAfterDelete(node));
      const managementUnit = units[`10-netplan-${node.management.device}.network`];
      expect(managementUnit, Object.keys(units).join(", ")).toContain(`Address=${node.management.address}/24`);
      expect(Object.keys(units).filter((f) => f.includes(node.provider.nic))).toEqual([]);
      expect(Object.values(units).join("\n")).not.toContain(node.provider.address);
    });
  }
});
