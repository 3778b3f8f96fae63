/**
 * lib/render/kubelet-units.ts holds no logic, only the two systemd files a bundle bench gets in place of the
 * Kubernetes packages' ones. What is checked is what systemd and kubeadm rely on: where the files go, the drop-in
 * clearing ExecStart before it sets its own, and every variable the kubelet's command line uses having a source.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { KUBELET_DROPIN_FILE, KUBELET_KUBEADM_DROPIN, KUBELET_UNIT, KUBELET_UNIT_FILE } from "../../lib/render/kubelet-units";
import { REPO } from "../../lib/repo";

/** "Key=value" lines of a unit file, by section, in order. */
function sections(unit: string): Record<string, [string, string][]> {
  const out: Record<string, [string, string][]> = {};
  let current = "";
  for (const line of unit.split("\n").map((l) => l.trim())) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) out[(current = header[1]!)] = [];
    else if (line !== "" && !line.startsWith("#")) {
      const i = line.indexOf("=");
      out[current]!.push([line.slice(0, i), line.slice(i + 1)]);
    }
  }
  return out;
}
const values = (unit: string, section: string, key: string) => (sections(unit)[section] ?? []).filter(([k]) => k === key).map(([, v]) => v);

describe("the kubelet units", () => {
  it("go where the node script writes them and where systemd reads a drop-in of kubelet.service", () => {
    expect(KUBELET_UNIT_FILE).toBe("/etc/systemd/system/kubelet.service");
    expect(path.dirname(KUBELET_DROPIN_FILE)).toBe(`${KUBELET_UNIT_FILE}.d`);
    expect(KUBELET_DROPIN_FILE).toMatch(/\.conf$/);
    const script = readFileSync(path.join(REPO, "scripts", "node", "30-runtime.sh"), "utf8");
    expect(script).toContain(`put_file ${KUBELET_UNIT_FILE} "$NETLAB_KUBELET_UNIT"`);
    expect(script).toContain(`put_file ${KUBELET_DROPIN_FILE} "$NETLAB_KUBELET_DROPIN"`);
  });

  it("start the kubelet the bundle installs, restarting it forever after a failure, once the network is up", () => {
    const script = readFileSync(path.join(REPO, "scripts", "node", "30-runtime.sh"), "utf8");
    expect(script).toContain('install -m 0755 "$NETLAB_BUNDLE_DIR/bin/$bin" "$NETLAB_ROOT/usr/bin/$bin.netlab-tmp"');
    expect(values(KUBELET_UNIT, "Service", "ExecStart")).toEqual(["/usr/bin/kubelet"]);
    expect(values(KUBELET_UNIT, "Service", "Restart")).toEqual(["always"]);
    expect(values(KUBELET_UNIT, "Service", "StartLimitInterval")).toEqual(["0"]);
    expect(values(KUBELET_UNIT, "Unit", "After")).toEqual(["network-online.target"]);
    expect(values(KUBELET_UNIT, "Install", "WantedBy")).toEqual(["multi-user.target"]);
  });

  it("the drop-in empties ExecStart first, as systemd needs to replace a simple service's command", () => {
    const exec = values(KUBELET_KUBEADM_DROPIN, "Service", "ExecStart");
    expect(exec).toHaveLength(2);
    expect(exec[0]).toBe("");
    expect(exec[1]!.split(" ")[0]).toBe(values(KUBELET_UNIT, "Service", "ExecStart")[0]);
  });

  it("every variable of the kubelet's command line is set by the drop-in or by a file kubeadm or the admin may write", () => {
    const command = values(KUBELET_KUBEADM_DROPIN, "Service", "ExecStart")[1]!;
    const used = [...command.matchAll(/\$(\w+)/g)].map((m) => m[1]!);
    expect(used).toEqual(["KUBELET_KUBECONFIG_ARGS", "KUBELET_CONFIG_ARGS", "KUBELET_KUBEADM_ARGS", "KUBELET_EXTRA_ARGS"]);
    const set = values(KUBELET_KUBEADM_DROPIN, "Service", "Environment").map((v) => /^"(\w+)=/.exec(v)![1]);
    expect(set).toEqual(["KUBELET_KUBECONFIG_ARGS", "KUBELET_CONFIG_ARGS"]);
    // kubeadm writes KUBELET_KUBEADM_ARGS into kubeadm-flags.env; KUBELET_EXTRA_ARGS is the admin's. The leading
    // "-" lets the kubelet start before either exists.
    expect(values(KUBELET_KUBEADM_DROPIN, "Service", "EnvironmentFile")).toEqual(["-/var/lib/kubelet/kubeadm-flags.env", "-/etc/default/kubelet"]);
  });

  it("point the kubelet at the config and kubeconfigs kubeadm writes", () => {
    expect(KUBELET_KUBEADM_DROPIN).toContain("--config=/var/lib/kubelet/config.yaml");
    expect(KUBELET_KUBEADM_DROPIN).toContain("--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf");
  });
});
