/**
 * lib/spec/install.ts on its own: the Kubernetes versions kubeadm v1beta4 and the handout's IPVS work with, where
 * packages come from, and the time limits `timeouts.scale` stretches. Each refusal names the field and a way out.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pinnedVersions } from "../../lib/engine/toolchain";
import { BASE_TIMEOUTS, DEFAULT_IMAGES } from "../../lib/spec/defaults";
import { checkRemoteExecutor, checkRuntimeSource, parseKubernetesVersion, parsePackageSource, parseTimeouts } from "../../lib/spec/install";
import { Problems } from "../../lib/spec/problems";
import { ContainerRuntime, PackageSource, type ImageSpec } from "../../lib/spec/types";

/** Runs one parser on a fresh collector; its result and the "field: message" lines it added. */
function run<T>(parse: (p: Problems) => T): { result: T; lines: string[] } {
  const p = new Problems();
  const result = parse(p);
  return { result, lines: p.list.map((x) => `${x.field}: ${x.message}`) };
}

const REGISTRY_IMAGES: ImageSpec = {
  kubeRouter: "docker.io/cloudnativelabs/kube-router:v2.1.0",
  nodeLocalDns: "registry.k8s.io/dns/k8s-dns-node-cache:1.23.1",
  webserver: "docker.io/library/busybox:1.36",
  client: "docker.io/nicolaka/netshoot:v0.13",
};

describe("parseKubernetesVersion", () => {
  it("defaults to the toolchain's pinned Kubernetes", () => {
    expect(run((p) => parseKubernetesVersion(p, undefined))).toEqual({ result: pinnedVersions().KUBERNETES_VERSION, lines: [] });
  });

  it("accepts 1.31.0 through 1.34.x", () => {
    for (const v of ["1.31.0", "1.32.7", "1.33.1", "1.34.99"])
      expect(
        run((p) => parseKubernetesVersion(p, v)),
        v,
      ).toEqual({ result: v, lines: [] });
  });

  it("refuses 1.30 (no v1beta4) and 1.35 (IPVS deprecated), naming the supported range", () => {
    for (const v of ["1.30.14", "1.35.0"]) {
      const { lines } = run((p) => parseKubernetesVersion(p, v));
      expect(lines, v).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^kubernetesVersion: "${v.replaceAll(".", "\\.")}" is not supported: `));
      expect(lines[0]).toContain('choose 1.31.x to 1.34.x, e.g. "1.34.3"');
    }
  });

  it("refuses a leading v, a missing patch, a zero-padded part and a non-string, keeping the default", () => {
    for (const v of ["v1.34.3", "1.34", "2.0.0", 1.34, "1.034.3", "1.34.03"]) {
      const { result, lines } = run((p) => parseKubernetesVersion(p, v));
      expect(lines, String(v)).toHaveLength(1);
      expect(lines[0]).toMatch(/^kubernetesVersion: .* is not valid; expected a value matching/);
      expect(result).toBe("1.34.3");
    }
  });

  it("property: a 1.MINOR.PATCH version passes exactly when MINOR is 31..34", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 40 }), (minor, patch) => {
        const { result, lines } = run((p) => parseKubernetesVersion(p, `1.${minor}.${patch}`));
        expect(result).toBe(`1.${minor}.${patch}`);
        expect(lines.length === 0).toBe(minor >= 31 && minor <= 34);
      }),
    );
  });
});

describe("parsePackageSource and checkRuntimeSource", () => {
  it("defaults to the bundle, whatever the images", () => {
    expect(run((p) => parsePackageSource(p, undefined, DEFAULT_IMAGES))).toEqual({ result: PackageSource.Bundle, lines: [] });
  });

  it("online with the bundle's own images: one problem per netlab.local image, none for kube-router", () => {
    const { result, lines } = run((p) => parsePackageSource(p, "online", DEFAULT_IMAGES));
    expect(result).toBe(PackageSource.Online);
    expect(lines.map((l) => l.split(":")[0])).toEqual(["images.nodeLocalDns", "images.webserver", "images.client"]);
    expect(lines[0]).toBe(
      'images.nodeLocalDns: "netlab.local/node-cache:1.12.1" exists only in netlab\'s bundle; with packages.source "online" ' +
        'name a registry image (set netlab:images.nodeLocalDns), or use packages.source "bundle"',
    );
  });

  it("online with registry images is accepted", () => {
    expect(run((p) => parsePackageSource(p, "online", REGISTRY_IMAGES))).toEqual({ result: PackageSource.Online, lines: [] });
  });

  it("refuses an unknown source and falls back to the bundle", () => {
    const { result, lines } = run((p) => parsePackageSource(p, "mirror", REGISTRY_IMAGES));
    expect(result).toBe(PackageSource.Bundle);
    expect(lines).toEqual(['packages.source: "mirror" is not allowed; use one of "online", "bundle"']);
  });

  it("allows Docker only with the bundle, where cri-dockerd comes from", () => {
    expect(run((p) => checkRuntimeSource(p, ContainerRuntime.Docker, PackageSource.Bundle)).lines).toEqual([]);
    expect(run((p) => checkRuntimeSource(p, ContainerRuntime.Containerd, PackageSource.Online)).lines).toEqual([]);
    const { lines } = run((p) => checkRuntimeSource(p, ContainerRuntime.Docker, PackageSource.Online));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^containerRuntime: "docker" needs packages\.source "bundle": cri-dockerd/);
    expect(lines[0]).toContain('set netlab:packages.source to "bundle", or use containerRuntime "containerd"');
  });
});

describe("parseTimeouts", () => {
  it("without a scale gives kubeadm's own limits unchanged", () => {
    expect(run((p) => parseTimeouts(p, undefined))).toEqual({ result: { scale: 1, ...BASE_TIMEOUTS }, lines: [] });
  });

  it("multiplies every limit by the scale: 10 for the VM bench", () => {
    const { result, lines } = run((p) => parseTimeouts(p, 10));
    expect(lines).toEqual([]);
    expect(result).toEqual({
      scale: 10,
      controlPlane: 2400,
      apiCall: 600,
      join: 3000,
      workloadReady: 6000,
      hostStep: 9000,
      kubeClient: 320,
      sshConnect: 100,
      sshAlive: 450,
    });
  });

  it("rounds a fractional scale to whole seconds", () => {
    const { result } = run((p) => parseTimeouts(p, 1.55));
    expect(result.kubeClient).toBe(50); // 49.6
    expect(result.sshConnect).toBe(16); // 15.5 rounds up
    expect(result.controlPlane).toBe(372);
  });

  it("accepts the ends 1 and 100, refuses anything else and keeps real-hardware limits", () => {
    expect(run((p) => parseTimeouts(p, 100)).result.controlPlane).toBe(24000);
    for (const bad of [0.99, 0, -5, 100.5, "10", Number.NaN, Number.POSITIVE_INFINITY, null]) {
      const { result, lines } = run((p) => parseTimeouts(p, bad));
      expect(result, String(bad)).toEqual({ scale: 1, ...BASE_TIMEOUTS });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^timeouts\.scale: .* is not a time-limit multiplier; use a number from 1 \(real hardware\) to 100/);
    }
  });

  it("property: every limit lies within half a second of base times scale, and never below the base", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 100, noNaN: true }), (scale) => {
        const { result, lines } = run((p) => parseTimeouts(p, scale));
        expect(lines).toEqual([]);
        expect(result.scale).toBe(scale);
        for (const [key, base] of Object.entries(BASE_TIMEOUTS)) {
          const got = result[key as keyof typeof BASE_TIMEOUTS];
          expect(Number.isInteger(got)).toBe(true);
          expect(Math.abs(got - base * scale)).toBeLessThanOrEqual(0.5);
          expect(got).toBeGreaterThanOrEqual(base);
        }
      }),
    );
  });
});

describe("checkRemoteExecutor", () => {
  it('refuses only the removed "command" executor, saying to remove the key', () => {
    const { lines } = run((p) => checkRemoteExecutor(p, "command"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^remoteExecutor: "command" \(@pulumi\/command\) is no longer an executor: .*remove the key/);
    for (const ok of ["ssh", undefined]) expect(run((p) => checkRemoteExecutor(p, ok)).lines).toEqual([]);
  });
});
