/**
 * lib/spec/defaults.ts: what a silent stack config gets must be what the bundle actually carries. The versions and
 * image tags are read from bundle/versions.env, bundle/images.sh and toolchain/versions.env, so a bump on one side
 * without the other fails here instead of on a bench with no internet.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { pinnedVersions } from "../../lib/engine/toolchain";
import { REPO } from "../../lib/repo";
import { BASE_TIMEOUTS, BUNDLE_ONLY_REGISTRY, DEFAULT_IMAGES, DEFAULTS, HARDWARE } from "../../lib/spec/defaults";
import { imageProblem } from "../../lib/spec/images";
import { isNetworkForm, parseCidr } from "../../lib/spec/network";
import { NODE_NAMES } from "../../lib/spec/types";

/** KEY=value lines of bundle/versions.env (comments after the value dropped, quotes kept off). */
function bundleVersions(): Record<string, string> {
  const text = readFileSync(path.join(REPO, "bundle", "versions.env"), "utf8");
  const pairs = [...text.matchAll(/^([A-Z_]+)=("[^"]*"|\S*)/gm)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, "")]);
  return Object.fromEntries(pairs);
}

/** The image references bundle/images.sh builds, with the versions.env variables filled in. */
function bundleImageRefs(): string[] {
  const vars = bundleVersions();
  const script = readFileSync(path.join(REPO, "bundle", "images.sh"), "utf8");
  const refs = [...script.matchAll(/^\s*image [a-z-]+ "([^"]+)"/gm)].map((m) => m[1]!);
  return refs.map((ref) => ref.replace(/\$([A-Z_]+)/g, (_, name: string) => vars[name] ?? `<unset ${name}>`));
}

describe("DEFAULTS", () => {
  it("installs the Kubernetes version the toolchain and the bundle are built for", () => {
    expect(DEFAULTS.kubernetesVersion).toBe(pinnedVersions().KUBERNETES_VERSION);
  });

  it("takes packages from the bundle and runs containerd, so a bench needs no internet and no extra key", () => {
    expect(DEFAULTS.packageSource).toBe("bundle");
    expect(DEFAULTS.containerRuntime).toBe("containerd");
    expect(DEFAULTS.labUser).not.toBe("root");
  });

  it("uses Kubespray's pod and service ranges, which do not overlap", () => {
    const pod = parseCidr(DEFAULTS.podSubnet)!;
    const service = parseCidr(DEFAULTS.serviceSubnet)!;
    expect(isNetworkForm(DEFAULTS.podSubnet) && isNetworkForm(DEFAULTS.serviceSubnet)).toBe(true);
    expect(DEFAULTS.podSubnet).toBe("10.233.64.0/18");
    expect(DEFAULTS.serviceSubnet).toBe("10.233.0.0/18");
    expect(pod.isInSubnet(service) || service.isInSubnet(pod)).toBe(false);
  });

  it("puts nodelocaldns on a link-local address and the management network per bench", () => {
    expect(DEFAULTS.nodeLocalDnsIp).toMatch(/^169\.254\./);
    expect(DEFAULTS.managementSubnet.replace("{bench}", "9")).toBe("192.168.9.0/24");
  });

  it("places the webserver and client-2 on two different workers", () => {
    const { webserverNode, client2Node } = DEFAULTS.placement;
    expect(webserverNode).not.toBe(client2Node);
    for (const n of [webserverNode, client2Node]) expect(NODE_NAMES).toContain(n);
    expect([webserverNode, client2Node]).not.toContain("controller");
  });
});

describe("DEFAULT_IMAGES", () => {
  it("are each an image bundle/images.sh builds, at the versions.env tags", () => {
    const built = bundleImageRefs();
    expect(built.length).toBeGreaterThan(Object.keys(DEFAULT_IMAGES).length); // the Kubernetes images are built there too
    for (const [key, ref] of Object.entries(DEFAULT_IMAGES)) expect(built, key).toContain(ref);
  });

  it("pin kube-router and node-cache at the versions the bundle compiles", () => {
    const v = bundleVersions();
    expect(DEFAULT_IMAGES.kubeRouter).toBe(`docker.io/cloudnativelabs/kube-router:v${v.KUBE_ROUTER_VERSION}`);
    expect(DEFAULT_IMAGES.nodeLocalDns).toBe(`${BUNDLE_ONLY_REGISTRY}node-cache:${v.NODE_CACHE_TAG}`);
    // node-cache is CoreDNS plus netlab's set-up: its tag follows the CoreDNS the bundle builds.
    expect(v.NODE_CACHE_TAG).toBe(v.COREDNS_VERSION);
  });

  it("are all valid, pinned references (never untagged or :latest)", () => {
    for (const [key, ref] of Object.entries(DEFAULT_IMAGES)) expect(imageProblem(ref, ref), key).toBeUndefined();
  });

  it("name the bundle-only registry for netlab's own images and a public registry for kube-router", () => {
    expect(BUNDLE_ONLY_REGISTRY).toMatch(/\/$/);
    expect(DEFAULT_IMAGES.kubeRouter.startsWith(BUNDLE_ONLY_REGISTRY)).toBe(false);
    for (const ref of [DEFAULT_IMAGES.nodeLocalDns, DEFAULT_IMAGES.webserver, DEFAULT_IMAGES.client]) {
      expect(ref.startsWith(BUNDLE_ONLY_REGISTRY), ref).toBe(true);
    }
  });
});

describe("BASE_TIMEOUTS and HARDWARE", () => {
  it("start from kubeadm's v1beta4 defaults: 4 min for the control plane, 1 min per API call, 5 min to join", () => {
    expect([BASE_TIMEOUTS.controlPlane, BASE_TIMEOUTS.apiCall, BASE_TIMEOUTS.join]).toEqual([240, 60, 300]);
    expect([BASE_TIMEOUTS.sshConnect, BASE_TIMEOUTS.sshAlive]).toEqual([10, 45]);
    for (const [key, seconds] of Object.entries(BASE_TIMEOUTS)) expect(Number.isInteger(seconds) && seconds > 0, key).toBe(true);
  });

  it("gives every node its handout octet (.12/.22/.32/.42), all distinct, on the handout's NICs and VLANs", () => {
    expect(Object.keys(HARDWARE.hostOctet).sort()).toEqual([...NODE_NAMES].sort());
    expect(NODE_NAMES.map((n) => HARDWARE.hostOctet[n])).toEqual([12, 22, 32, 42]);
    expect(HARDWARE.management).toEqual({ nic: "enp1s0f0", vlanId: 2 });
    expect(HARDWARE.provider).toEqual({ nic: "enp1s0f2", vlanId: 3 });
  });
});
