/**
 * The errata that depend on the container runtime. The handout was written for Docker: on a Docker bench
 * (containerRuntime docker) its `docker` commands and docker0 hold as written; on a containerd bench each gets
 * what to type instead. Quoted by errata.ts in the handout's order.
 */
import { KUBELET_CONFIG_FILE, KUBELET_CONFIG_LINK } from "../render/kubeadm";
import { pauseImage, runtimeCommands } from "../render/runtime";
import { ContainerRuntime, type BenchSpec } from "../spec/types";
import type { Erratum } from "./errata";

const isDocker = (spec: BenchSpec) => spec.containerRuntime === ContainerRuntime.Docker;

/** Handout §2.1.1: a container's PID, for nsenter. */
export function containerPidErrata(spec: BenchSpec, client1Node: string): Erratum[] {
  const lsns: Erratum = {
    section: "2.1.1",
    handout: "in `sudo lsns -t net` the client containers are easy to find because they run `sleep`",
    problem: "Every pod's network namespace is held by its pause container, so `lsns` shows `/pause` for each of them, the clients included.",
    instead: `Get the PID from the container runtime: \`${runtimeCommands(spec.containerRuntime).containerPid}\`.`,
  };
  if (isDocker(spec)) return [lsns];
  return [
    lsns,
    {
      section: "2.1.1",
      handout: "`sudo docker ps`",
      problem: "There is no Docker: the runtime is containerd (`docker: command not found`).",
      instead: `\`sudo crictl ps\` (container ID first; the POD column names the pod), e.g. on ${client1Node}: \`sudo crictl ps --name client\`.`,
    },
    {
      section: "2.1.1",
      handout: "`sudo docker inspect --format '{{ .State.Pid }}' container-id-or-name`",
      problem: "No Docker (see above).",
      instead:
        `\`${runtimeCommands(spec.containerRuntime).containerPid}\`; ` +
        `in one go on ${client1Node}: \`sudo crictl inspect --output go-template --template '{{.info.pid}}' ` +
        "$(sudo crictl ps -q --name client --pod $(sudo crictl pods -q --name '^client-1$'))`. " +
        "Then `sudo nsenter -t PID -n ip neigh flush all` as written.",
    },
  ];
}

/** Handout §3: docker0 in `ip a`. */
export function docker0Errata(spec: BenchSpec): Erratum[] {
  if (isDocker(spec)) return [];
  return [
    {
      section: "3",
      handout: "a `docker0` bridge (172.17.0.1/16)",
      problem: "No Docker, so no `docker0`.",
      instead:
        "`ip a` shows the NICs, `kube-bridge` (with an address once a pod runs on the node), `kube-ipvs0` (every ClusterIP, for IPVS), " +
        "`nodelocaldns` and the pods' `veth` interfaces.",
    },
  ];
}

/** Handout §3.1: the kubelet's DNS setting, "the kubelet asks Docker to use it". */
export function kubeletDnsErrata(spec: BenchSpec): Erratum[] {
  const dns = spec.network.nodeLocalDnsIp;
  const runtime = isDocker(spec)
    ? "The kubelet hands the resolver to Docker through cri-dockerd"
    : "The runtime is containerd (the kubelet hands the resolver to it the same way)";
  return [
    {
      section: "3.1",
      handout: `\`${KUBELET_CONFIG_LINK}\` (the kubelet asks Docker to use it)`,
      problem: `${runtime}, and a kubeadm kubelet reads \`${KUBELET_CONFIG_FILE}\`.`,
      instead:
        `Works: on this bench \`${KUBELET_CONFIG_LINK}\` is a link to \`${KUBELET_CONFIG_FILE}\`, with \`clusterDNS\` \`${dns}\` ` +
        `(\`grep -A1 clusterDNS ${KUBELET_CONFIG_LINK}\`).`,
    },
  ];
}

/** Handout §3.3: listing the pause containers. */
export function pauseContainersErrata(spec: BenchSpec): Erratum[] {
  if (isDocker(spec)) return [];
  return [
    {
      section: "3.3",
      handout: "`sudo docker ps` and `docker ps --format 'table {{.Image}}\\t{{.Command}}\\t{{.Names}}'` to see the pause containers",
      problem: "No Docker; and `crictl ps` lists only the application containers.",
      instead:
        `\`${runtimeCommands(spec.containerRuntime).pauseContainers}\` lists the pods (one pause sandbox each); ` +
        "`sudo ctr -n k8s.io containers ls` lists every container containerd runs, " +
        `the pause ones (image \`${pauseImage(spec.kubernetesVersion)}\`) included.`,
    },
  ];
}

/** The sheet's one line about the runtime. */
export function runtimeSummary(spec: BenchSpec): string {
  return isDocker(spec)
    ? "- Container runtime: Docker Engine behind cri-dockerd: the handout's `sudo docker ...` commands work as written, and `docker0` is there."
    : "- Container runtime: containerd (no Docker): `sudo crictl` and `sudo ctr -n k8s.io` replace `docker`.";
}
