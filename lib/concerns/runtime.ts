/**
 * The container runtime and the Kubernetes binaries: containerd (and, with containerRuntime docker, Docker Engine
 * and cri-dockerd in front of it), the CNI plugins, kubelet, kubeadm, kubectl, crictl. The only place that
 * chooses between the runtimes; render/runtime.ts renders what each needs.
 */
import { stringify } from "yaml";
import { KUBELET_DROPIN_FILE, KUBELET_KUBEADM_DROPIN, KUBELET_UNIT, KUBELET_UNIT_FILE } from "../render/kubelet-units";
import {
  CRI_DOCKERD_SERVICE_FILE,
  CRI_DOCKERD_SOCKET_FILE,
  DOCKER_DAEMON_FILE,
  criDockerdUnits,
  criSocket,
  dockerDaemonJson,
  pauseImage,
} from "../render/runtime";
import { StepKind } from "../render/steps";
import { ContainerRuntime, PackageSource, type BenchSpec } from "../spec/types";
import type { Concern } from "./concern";
import { ConcernName } from "./concern";

/** The files and expectations only Docker Engine behind cri-dockerd has (none with containerd). */
function dockerParts(spec: BenchSpec): { vars: Record<string, string>; files: Record<string, string>; expect: Record<string, string> } {
  if (spec.containerRuntime !== ContainerRuntime.Docker) return { vars: {}, files: {}, expect: {} };
  const units = criDockerdUnits(spec);
  const files = { [DOCKER_DAEMON_FILE]: dockerDaemonJson(), [CRI_DOCKERD_SERVICE_FILE]: units.service, [CRI_DOCKERD_SOCKET_FILE]: units.socket };
  const vars = { NETLAB_DOCKER_DAEMON_JSON: files[DOCKER_DAEMON_FILE]!, NETLAB_CRI_DOCKERD_SERVICE: units.service, NETLAB_CRI_DOCKERD_SOCKET: units.socket };
  return { vars, files, expect: { "docker-cgroup-driver": "systemd", "cri-dockerd": "active" } };
}

/** The bundle files a runtime needs beyond what every bench uses (locateBundle refuses a bundle without them). */
export function runtimeBundleFiles(spec: BenchSpec): string[] {
  return spec.containerRuntime === ContainerRuntime.Docker ? ["bin/cri-dockerd"] : [];
}

export const runtime: Concern = {
  name: ConcernName.Runtime,
  steps: (spec, _node, step) => {
    const pause = pauseImage(spec.kubernetesVersion);
    const fromBundle = spec.packageSource === PackageSource.Bundle;
    const containerd = `SystemdCgroup=true sandbox_image=${pause}`;
    const socket = criSocket(spec);
    const crictl = stringify({ "runtime-endpoint": socket, "image-endpoint": socket, timeout: 10 });
    const docker = dockerParts(spec);
    const kubelet: Record<string, string> = fromBundle ? { [KUBELET_UNIT_FILE]: KUBELET_UNIT, [KUBELET_DROPIN_FILE]: KUBELET_KUBEADM_DROPIN } : {};
    return [
      step(
        StepKind.Runtime,
        "30-runtime.sh",
        {
          NETLAB_K8S_VERSION: spec.kubernetesVersion,
          NETLAB_K8S_MINOR: spec.kubernetesVersion.split(".").slice(0, 2).join("."),
          NETLAB_CONTAINER_RUNTIME: spec.containerRuntime,
          NETLAB_CRICTL_YAML: crictl,
          NETLAB_PAUSE_IMAGE: pause,
          NETLAB_CONTAINERD_EXPECTED: containerd,
          NETLAB_KUBELET_UNIT: KUBELET_UNIT,
          NETLAB_KUBELET_DROPIN: KUBELET_KUBEADM_DROPIN,
          ...docker.vars,
        },
        {
          files: { "/etc/crictl.yaml": crictl, ...kubelet, ...docker.files },
          expect: { containerd, crictl: "installed", ...docker.expect },
        },
      ),
    ];
  },
  // Pods' address leases (host-local IPAM) and the runtime's view of their networks.
  footprint: { paths: ["/var/lib/cni"] },
};
