/**
 * lib/facts/runtime-errata.ts: the handout was written for Docker. On a Docker bench its docker commands and
 * docker0 hold as written; on a containerd bench each gets what to type instead, with this bench's values.
 */
import { describe, expect, it } from "vitest";
import type { Erratum } from "../../lib/facts/errata";
import { containerPidErrata, docker0Errata, kubeletDnsErrata, pauseContainersErrata, runtimeSummary } from "../../lib/facts/runtime-errata";
import type { BenchSpec } from "../../lib/spec/types";
import { specFor } from "../helpers/spec";

const containerd = specFor(27, 4);
const docker = specFor(27, 4, { containerRuntime: "docker" });

/** Every erratum of a bench, in the order errata.ts quotes them. */
const all = (spec: BenchSpec, client1Node = "compute1"): Erratum[] => [
  ...containerPidErrata(spec, client1Node),
  ...docker0Errata(spec),
  ...kubeletDnsErrata(spec),
  ...pauseContainersErrata(spec),
];
/** The commands an erratum tells students to type (its backquoted spans). */
const commands = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe("runtime errata on a containerd bench", () => {
  it("is the default runtime of a bench", () => {
    expect(containerd.containerRuntime).toBe("containerd");
  });

  it("covers the handout's docker commands and docker0 in handout order, every field filled in", () => {
    const errata = all(containerd);
    expect(errata.map((e) => e.section)).toEqual(["2.1.1", "2.1.1", "2.1.1", "3", "3.1", "3.3"]);
    for (const e of errata) for (const text of [e.handout, e.problem, e.instead]) expect(text.trim()).not.toBe("");
  });

  it("never tells students to type docker instead", () => {
    for (const e of all(containerd)) {
      for (const cmd of commands(e.instead)) expect(cmd, e.handout).not.toMatch(/\bdocker\b/);
    }
  });

  it("finds client-1's PID on the node the caller names, with crictl's template syntax", () => {
    const [, ps, inspect] = containerPidErrata(containerd, "compute3");
    expect(ps!.handout).toBe("`sudo docker ps`");
    expect(ps!.instead).toContain("on compute3: `sudo crictl ps --name client`");
    expect(inspect!.instead).toContain("'{{.info.pid}}'");
    expect(inspect!.instead).toContain("in one go on compute3");
    expect(inspect!.instead).toContain("--name '^client-1$'");
    expect(JSON.stringify(containerPidErrata(containerd, "compute1"))).not.toContain("compute3");
  });

  it("lists the interfaces students see instead of docker0", () => {
    const [e] = docker0Errata(containerd);
    expect(e!.handout).toContain("docker0");
    for (const link of ["kube-bridge", "kube-ipvs0", "nodelocaldns", "veth"]) expect(e!.instead).toContain(link);
  });

  it("names the pause image of the bench's own Kubernetes version", () => {
    expect(pauseContainersErrata(specFor(27, 4, { kubernetesVersion: "1.34.1" }))[0]!.instead).toContain("`registry.k8s.io/pause:3.10.1`");
    expect(pauseContainersErrata(specFor(27, 4, { kubernetesVersion: "1.31.4" }))[0]!.instead).toContain("`registry.k8s.io/pause:3.10`");
    expect(pauseContainersErrata(containerd)[0]!.instead).toMatch(/^`sudo crictl pods` lists the pods/);
  });

  it("says the runtime is containerd in the summary line", () => {
    expect(runtimeSummary(containerd)).toMatch(/^- Container runtime: containerd \(no Docker\)/);
    expect(runtimeSummary(containerd)).toContain("`sudo crictl`");
  });
});

describe("runtime errata on a Docker bench", () => {
  it("keeps only the lsns note and the kubelet's DNS file: docker ps, inspect, docker0 and the pause listing work as written", () => {
    expect(all(docker).map((e) => e.section)).toEqual(["2.1.1", "3.1"]);
    expect(docker0Errata(docker)).toEqual([]);
    expect(pauseContainersErrata(docker)).toEqual([]);
  });

  it("gets the container's PID from Docker, as the handout does", () => {
    const [lsns] = containerPidErrata(docker, "compute1");
    expect(lsns!.handout).toContain("lsns -t net");
    expect(lsns!.instead).toBe("Get the PID from the container runtime: `sudo docker inspect --format '{{ .State.Pid }}' CONTAINER-ID`.");
  });

  it("says the handout's docker commands work in the summary line", () => {
    expect(runtimeSummary(docker)).toContain("cri-dockerd");
    expect(runtimeSummary(docker)).toContain("work as written");
    expect(runtimeSummary(docker)).not.toBe(runtimeSummary(containerd));
  });
});

describe("the kubelet's DNS setting (both runtimes)", () => {
  it("quotes the bench's own nodelocaldns address and the kubelet's real config file", () => {
    const spec = specFor(27, 4, { network: { nodeLocalDnsIp: "169.254.20.10" } });
    const [e] = kubeletDnsErrata(spec);
    expect(e!.section).toBe("3.1");
    expect(e!.instead).toContain("`clusterDNS` `169.254.20.10`");
    expect(e!.instead).toContain("`/etc/kubernetes/kubelet-config.yaml` is a link to `/var/lib/kubelet/config.yaml`");
    expect(e!.instead).not.toContain("169.254.25.10");
  });

  it("names the runtime the kubelet hands the resolver to", () => {
    expect(kubeletDnsErrata(docker)[0]!.problem).toMatch(/^The kubelet hands the resolver to Docker through cri-dockerd/);
    expect(kubeletDnsErrata(containerd)[0]!.problem).toMatch(/^The runtime is containerd/);
    expect(kubeletDnsErrata(containerd)[0]!.instead).toBe(kubeletDnsErrata(docker)[0]!.instead);
  });
});
