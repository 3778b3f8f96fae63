/**
 * The bench path's defects found by review (issue 8), each pinned by what the render says and, where a step's
 * shell does the work, by running that shell on files in a temporary root.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { REPO } from "../../lib/repo";
import { NODE_SCRIPT_DIR } from "../../lib/render/load";
import { BASE_PACKAGES, KERNEL_MODULES } from "../../lib/concerns/host-base";
import { planBench } from "../../lib/render/plan";
import { StepKind, type HostStep } from "../../lib/render/steps";
import { FakeNode } from "../helpers/fake-node";
import { specFor } from "../helpers/spec";

const plan = planBench(specFor(30, 7));
/** The same bench with packages from the online repositories (registry images instead of the bundle's own). */
const ONLINE = specFor(30, 7, {
  packages: { source: "online" },
  images: {
    nodeLocalDns: "registry.k8s.io/dns/k8s-dns-node-cache:1.23.1",
    webserver: "docker.io/library/busybox:1.36.1",
    client: "docker.io/nicolaka/netshoot:v0.13",
  },
});
const stepOf = (node: "controller" | "compute1", kind: StepKind): HostStep => plan.hosts[node].steps.find((s) => s.kind === kind)!;

/** Runs one function of a rendered step in bash, with NETLAB_ROOT pointing at a temporary root. */
function runFunction(step: HostStep, fn: string, root: string): string {
  const body = step.script.replace(/^case "\$\{1:-\}" in.*$/m, "");
  return execFileSync("bash", ["-c", `${body}\nNETLAB_ROOT=${root}\n${fn}`], { encoding: "utf8" });
}

describe("packages on a bare Debian bench", () => {
  it("installs what the steps and kubeadm's preflight use, refreshing the index first, never prompting", () => {
    const base = stepOf("compute1", StepKind.BaseOs).script;
    for (const pkg of ["netplan.io", "curl", "conntrack", "socat", "ipvsadm", "ebtables"]) expect(base).toContain(pkg);
    expect(base).toMatch(/apt_get update\n\s*apt_get install --no-install-recommends --no-upgrade/);
    expect(base).toContain("DEBIAN_FRONTEND=noninteractive apt-get");
    expect(base).toContain("Dpkg::Options::=--force-confold");
  });

  it("runs apt-get only through lib.sh's apt_get (noninteractive, confold), in every step of a bundle and an online bench", () => {
    const helper = /^apt_get\(\) \{\n[\s\S]*?^\}$/gm;
    for (const bench of [plan, planBench(ONLINE)]) {
      for (const step of Object.values(bench.hosts).flatMap((h) => h.steps.map((s) => ({ ...s, where: `${h.node.name}/${s.file}` })))) {
        const code = step.script.replace(/(^|\s)#.*$/gm, "$1");
        expect(code.match(helper), step.where).toHaveLength(1);
        expect(code.replace(helper, "").match(/.*\bapt-get\b.*/g) ?? [], step.where).toEqual([]);
      }
    }
  });

  it("installs only packages the bundle carries (bundle/versions.env BUNDLE_DEBS, DOCKER_DEBS)", () => {
    const env = readFileSync(path.join(REPO, "bundle", "versions.env"), "utf8");
    const list = (name: string) =>
      new RegExp(`^${name}="([^"]*)"`, "m")
        .exec(env)![1]!
        .split(/\s+/)
        .filter((p) => p !== "");
    const debs = [...list("BUNDLE_DEBS"), ...list("DOCKER_DEBS")];
    const runtime = [...stepOf("compute1", StepKind.Runtime).script.matchAll(/^\s*install_packages ([a-z0-9. -]+)$/gm)].flatMap((m) => m[1]!.split(" "));
    expect(runtime).toEqual(["containerd", "runc", "containernetworking-plugins", "pigz", "docker.io", "docker-cli", "curl", "gpg", "ca-certificates"]);
    for (const pkg of [...BASE_PACKAGES, ...runtime]) expect(debs, pkg).toContain(pkg);
  });

  it("online: installs gpg before it dearmors the Kubernetes repository key", () => {
    const online = planBench(ONLINE).hosts.compute1.steps.find((s) => s.kind === StepKind.Runtime)!;
    const node = new FakeNode("online-runtime").fake("apt-get").fake("apt-mark").fake("curl", "echo KEY").fake("gpg", "cat >/dev/null");
    expect(online.script).toContain("NETLAB_PACKAGE_SOURCE=online");
    const run = node.run(online.script, "install_kubernetes_online");
    expect(run.status, run.stderr).toBe(0);
    const calls = node.calls();
    const install = calls.findIndex((c) => c.startsWith("apt-get ") && c.endsWith(" install --no-install-recommends --no-upgrade curl gpg ca-certificates"));
    const dearmor = calls.indexOf(`gpg --dearmor -o ${node.root}/etc/apt/keyrings/kubernetes-apt-keyring.gpg`);
    expect(install).toBeGreaterThanOrEqual(0);
    expect(dearmor).toBeGreaterThan(install);
  });

  it("create, run as on a bench: packages, modules, sysctls, swap off in fstab, lab NICs out of ifupdown", () => {
    const base = stepOf("compute1", StepKind.BaseOs);
    const node = new FakeNode("base-os");
    for (const cmd of ["apt-get", "modprobe", "sysctl", "swapoff", "systemctl"]) node.fake(cmd);
    const etc = path.join(node.root, "etc");
    mkdirSync(path.join(etc, "network"), { recursive: true });
    mkdirSync(path.join(node.root, "bundle", "debs"), { recursive: true });
    writeFileSync(path.join(node.root, "bundle", "debs", "Packages"), "");
    writeFileSync(path.join(etc, "fstab"), "UUID=1 / ext4 defaults 0 1\nUUID=2 none swap sw 0 0\n");
    writeFileSync(path.join(etc, "network", "interfaces"), "auto lo\niface lo inet loopback\nallow-hotplug enp1s0f2\niface enp1s0f2 inet dhcp\n");
    const run = node.run(base.script, `NETLAB_BUNDLE_DIR=${node.root}/bundle\ncreate`);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(path.join(etc, "network", "interfaces"), "utf8")).toBe(
      "auto lo\niface lo inet loopback\n# netlab: allow-hotplug enp1s0f2\n# netlab: iface enp1s0f2 inet dhcp\n",
    );
    expect(readFileSync(path.join(etc, "fstab"), "utf8")).toBe("UUID=1 / ext4 defaults 0 1\n# netlab: UUID=2 none swap sw 0 0\n");
    const calls = node.calls();
    expect(calls.find((c) => c.includes(" install "))).toMatch(new RegExp(` install --no-install-recommends --no-upgrade ${BASE_PACKAGES.join(" ")}$`));
    expect(calls).toEqual(expect.arrayContaining([...KERNEL_MODULES.map((m) => `modprobe ${m}`), "sysctl --system", "swapoff --all"]));
  });

  it("takes the lab NICs out of ifupdown, keeping every line, and leaves other interfaces alone", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ifupdown-"));
    mkdirSync(path.join(root, "etc", "network"), { recursive: true });
    const file = path.join(root, "etc", "network", "interfaces");
    writeFileSync(
      file,
      [
        "auto lo",
        "iface lo inet loopback",
        "",
        "allow-hotplug enp1s0f0",
        "iface enp1s0f0 inet static",
        "  address 192.168.7.22/24",
        "",
        "auto enp1s0f2.3",
        "iface enp1s0f2.3 inet dhcp",
        "auto eth9",
        "iface eth9 inet dhcp",
        "",
      ].join("\n"),
    );
    runFunction(stepOf("compute1", StepKind.BaseOs), "release_from_ifupdown 2>/dev/null", root);
    expect(readFileSync(file, "utf8").split("\n")).toEqual([
      "auto lo",
      "iface lo inet loopback",
      "",
      "# netlab: allow-hotplug enp1s0f0",
      "# netlab: iface enp1s0f0 inet static",
      "# netlab:   address 192.168.7.22/24",
      "",
      "# netlab: auto enp1s0f2.3",
      "# netlab: iface enp1s0f2.3 inet dhcp",
      "auto eth9",
      "iface eth9 inet dhcp",
      "",
    ]);
  });
});

describe("runtime: containerd as kubeadm expects it, crictl installed", () => {
  const runtime = stepOf("compute1", StepKind.Runtime);

  it("sets kubeadm 1.34's pause image and systemd cgroups, checks both, and reports them as host state", () => {
    expect(runtime.script).toContain("NETLAB_PAUSE_IMAGE=registry.k8s.io/pause:3.10.1");
    expect(runtime.expect.containerd).toBe("SystemdCgroup=true sandbox_image=registry.k8s.io/pause:3.10.1");
    expect(runtime.expect.crictl).toBe("installed");
    const kubelet = parseAllDocuments(plan.hosts.controller.kubeadm)
      .map((d) => d.toJS())
      .find((d) => d.kind === "KubeletConfiguration");
    expect(kubelet.cgroupDriver).toBe("systemd");
    expect(kubelet.runtimeRequestTimeout, "the kubelet's default (2m) on hardware").toBeUndefined();
  });

  it("stretches the kubelet's limit on runtime calls by timeouts.scale (workers join with the same kubelet config)", () => {
    const slow = planBench(specFor(27, 4, { timeouts: { scale: 10 } }));
    const kubelet = parseAllDocuments(slow.hosts.controller.kubeadm)
      .map((d) => d.toJS())
      .find((d) => d.kind === "KubeletConfiguration");
    expect(kubelet.runtimeRequestTimeout).toBe("20m0s");
  });

  it("rewrites containerd's default config into exactly those two settings (run on containerd 1.6's defaults)", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "containerd-"));
    const defaults = '[plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.6"\n          SystemdCgroup = false\n';
    const fake = path.join(root, "bin");
    mkdirSync(fake);
    writeFileSync(path.join(fake, "containerd"), `#!/bin/sh\nprintf '%s' '${defaults}'\n`, { mode: 0o755 });
    writeFileSync(path.join(fake, "systemctl"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const body = runtime.script.replace(/^case "\$\{1:-\}" in.*$/m, "");
    const settings = execFileSync("bash", ["-c", `${body}\nNETLAB_ROOT=${root}\nconfigure_containerd 2>/dev/null && containerd_settings`], {
      env: { ...process.env, PATH: `${fake}:${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(settings).toBe(runtime.expect.containerd);
    const config = readFileSync(path.join(root, "etc", "containerd", "config.toml"), "utf8");
    expect(config).toContain('sandbox_image = "registry.k8s.io/pause:3.10.1"');
    expect(config).toContain("SystemdCgroup = true");
  });

  it("refuses containerd 2.x's defaults (no sandbox_image line), on a re-run too, keeping the config it had", () => {
    const node = new FakeNode("containerd2")
      .fake("systemctl")
      .fake(
        "containerd",
        [
          "cat <<'EOF'",
          "version = 3",
          "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
          "  sandbox = 'registry.k8s.io/pause:3.10'",
          "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
          "  SystemdCgroup = false",
          "EOF",
        ].join("\n"),
      );
    const config = path.join(node.root, "etc", "containerd", "config.toml");
    mkdirSync(path.dirname(config), { recursive: true });
    writeFileSync(config, "# what the node had\n");
    for (const attempt of ["first run", "re-run"]) {
      const run = node.run(runtime.script, "configure_containerd");
      expect(run.status, attempt).not.toBe(0);
      expect(run.stderr, attempt).toContain(
        "containerd config is not what kubeadm needs: found 'SystemdCgroup=true sandbox_image=missing', " +
          "want 'SystemdCgroup=true sandbox_image=registry.k8s.io/pause:3.10.1'",
      );
      expect(readFileSync(config, "utf8"), attempt).toBe("# what the node had\n");
    }
    expect(node.calls()).not.toContain("systemctl restart containerd");
  });

  it("installs crictl with the Kubernetes binaries, from the bundle or pkgs.k8s.io (kubeadm >= 1.32 no longer pulls it in)", () => {
    expect(runtime.script).toMatch(/for bin in kubelet kubeadm kubectl crictl; do/);
    expect(runtime.script).toMatch(/apt_get install --allow-change-held-packages cri-tools/);
  });
});

describe("kubeadm", () => {
  it("lists each API server SAN once", () => {
    const cluster = parseAllDocuments(plan.hosts.controller.kubeadm)
      .map((d) => d.toJS())
      .find((d) => d.kind === "ClusterConfiguration");
    expect(cluster.apiServer.certSANs).toEqual(["10.30.7.12", "192.168.7.12"]);
  });

  it("makes /etc/kubernetes/kubelet-config.yaml the kubelet's own config (a link), and checks it", () => {
    const init = stepOf("controller", StepKind.KubeadmInit);
    expect(init.expect["file:/etc/kubernetes/kubelet-config.yaml"]).toBeUndefined();
    expect(init.expect["link:/etc/kubernetes/kubelet-config.yaml"]).toBe("../../var/lib/kubelet/config.yaml");
    const root = mkdtempSync(path.join(os.tmpdir(), "kubelet-link-"));
    mkdirSync(path.join(root, "var", "lib", "kubelet"), { recursive: true });
    writeFileSync(path.join(root, "var", "lib", "kubelet", "config.yaml"), "clusterDNS:\n- 169.254.25.10\n");
    runFunction(init, "link_kubelet_config", root);
    expect(readFileSync(path.join(root, "etc", "kubernetes", "kubelet-config.yaml"), "utf8")).toContain("169.254.25.10");
  });

  it("scales kubeadm's own time limits with timeouts.scale", () => {
    const slow = planBench(specFor(30, 7, { timeouts: { scale: 10 } }));
    const init = parseAllDocuments(slow.hosts.controller.kubeadm)
      .map((d) => d.toJS())
      .find((d) => d.kind === "InitConfiguration");
    expect(init.timeouts).toMatchObject({ controlPlaneComponentHealthCheck: "2400s", kubernetesAPICall: "600s", discovery: "3000s" });
  });
});

describe("the node root", () => {
  it("names every file a node script touches under $NETLAB_ROOT (a simulated node's files are this machine's otherwise)", () => {
    // A system path outside $NETLAB_ROOT is only fine where it is the node's own view: put_file/remove_file root it
    // themselves, a log line or an output key names it, file content or a link target holds it.
    const own = /^\s*(put_file|remove_file|log|printf '[^']*=)|^\s*"deb \[|\bln -s "\/usr\/lib\/cni\//;
    const systemPath = /(?<![\w$}/.-])\/(etc|usr|var|opt|run|home|lib|srv|root|proc|sys)\b/g;
    const found: string[] = [];
    for (const file of readdirSync(NODE_SCRIPT_DIR).filter((f) => f.endsWith(".sh"))) {
      readFileSync(path.join(NODE_SCRIPT_DIR, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          const code = line.replace(/(^|\s)#.*$/, "");
          for (const m of code.matchAll(systemPath)) {
            if (/(\$NETLAB_ROOT|"\$NETLAB_ROOT")"?$/.test(code.slice(0, m.index)) || own.test(code)) continue;
            found.push(`${file}:${i + 1}: ${code.trim()}`);
          }
        });
    }
    expect(found).toEqual([]);
    // The check is not blind: an unrooted write is found.
    expect("  mkdir -p /etc/containerd".match(systemPath)).not.toBeNull();
  });
});
