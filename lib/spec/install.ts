/** What a bench installs and how long it may take: Kubernetes version, package source, time limits. */
import { BASE_TIMEOUTS, BUNDLE_ONLY_REGISTRY, DEFAULTS } from "./defaults";
import { show, type Problems } from "./problems";
import { ContainerRuntime, PackageSource, RemoteExecutor, type ImageSpec, type TimeoutSpec } from "./types";

/** kubeadm API v1beta4 needs 1.31+; Kubernetes 1.35 deprecates kube-proxy's IPVS mode, which the handout inspects. */
export function parseKubernetesVersion(p: Problems, value: unknown): string {
  const version = p.word("kubernetesVersion", value, DEFAULTS.kubernetesVersion, /^1\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
  const minor = Number(version.split(".")[1]);
  if (minor < 31 || minor > 34) {
    p.add(
      "kubernetesVersion",
      `${show(version)} is not supported: kubeadm's v1beta4 config needs 1.31 or later, and from 1.35 ` +
        `kube-proxy's IPVS mode (the handout's \`ipvsadm -Ln\`) is deprecated; choose 1.31.x to 1.34.x, e.g. "${DEFAULTS.kubernetesVersion}"`,
    );
  }
  return version;
}

/** Images only the bundle has cannot come from a registry. */
export function parsePackageSource(p: Problems, value: unknown, images: ImageSpec): PackageSource {
  const source = p.oneOf("packages.source", value, Object.values(PackageSource), DEFAULTS.packageSource);
  if (source === PackageSource.Online) {
    for (const [key, ref] of Object.entries(images)) {
      if (ref.startsWith(BUNDLE_ONLY_REGISTRY)) {
        p.add(
          `images.${key}`,
          `${show(ref)} exists only in netlab's bundle; with packages.source "online" name a registry image ` +
            `(set netlab:images.${key}), or use packages.source "bundle"`,
        );
      }
    }
  }
  return source;
}

/** cri-dockerd and a Docker Engine recent enough for it (API 1.42+) come only with the bundle. */
export function checkRuntimeSource(p: Problems, runtime: ContainerRuntime, source: PackageSource): void {
  if (runtime === ContainerRuntime.Docker && source !== PackageSource.Bundle) {
    p.add(
      "containerRuntime",
      `${show(runtime)} needs packages.source "${PackageSource.Bundle}": cri-dockerd and a Docker Engine with API 1.42+ ` +
        `(Debian 12's docker.io has 1.41) come only in netlab's bundle; set netlab:packages.source to "${PackageSource.Bundle}", ` +
        `or use containerRuntime "${ContainerRuntime.Containerd}"`,
    );
  }
}

export function parseTimeouts(p: Problems, value: unknown): TimeoutSpec {
  const scale = value === undefined ? 1 : typeof value === "number" && value >= 1 && value <= 100 ? value : undefined;
  if (scale === undefined) {
    p.add("timeouts.scale", `${show(value)} is not a time-limit multiplier; use a number from 1 (real hardware) to 100, e.g. 10 for emulated VMs`);
  }
  const s = scale ?? 1;
  const scaled = Object.fromEntries(Object.entries(BASE_TIMEOUTS).map(([k, v]) => [k, Math.round(v * s)])) as Record<keyof typeof BASE_TIMEOUTS, number>;
  return { scale: s, ...scaled };
}

/** The removed executor, refused with what to do. */
export function checkRemoteExecutor(p: Problems, value: unknown): void {
  if (value === "command") {
    p.add(
      "remoteExecutor",
      `"command" (@pulumi/command) is no longer an executor: its plugin cannot be built offline and it sees no host drift; ` +
        `remove the key (netlab's "${RemoteExecutor.Ssh}" executor is the only one)`,
    );
  }
}
