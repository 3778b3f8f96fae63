/** The lab workloads as rendered: webserver-1's readiness probe on slow (emulated) nodes. */
import { describe, expect, it } from "vitest";
import { find, loadManifest } from "../../lib/render/load";
import { kubeProxyCpuPatch } from "../../lib/render/kubeadm";
import { LAB_FILES, labClientObjects, labServerObjects } from "../../lib/render/lab";
import { specFor } from "../helpers/spec";

const probeOf = (objects: ReturnType<typeof labServerObjects>) =>
  find(objects, "Deployment", "webserver-1").spec.template.spec.containers[0].readinessProbe as Record<string, unknown>;

describe("webserver-1's readiness probe", () => {
  it("is the manifest's as written on real hardware (no field added, so no update on existing stacks)", () => {
    const written = probeOf(loadManifest(LAB_FILES.server));
    expect(written.timeoutSeconds).toBeUndefined();
    expect(probeOf(labServerObjects(specFor(27, 4)))).toEqual(written);
  });

  it("waits timeouts.scale seconds for the connect on slow nodes, polling at the same period", () => {
    const probe = probeOf(labServerObjects(specFor(27, 4, { timeouts: { scale: 10 } })));
    expect(probe.timeoutSeconds).toBe(10);
    expect(probe.periodSeconds).toBeUndefined();
    expect(probe.tcpSocket).toEqual({ port: 8000 });
  });
});

describe("CPU requests on slow nodes (no pod of the lab left BestEffort to starve)", () => {
  const containers = (spec: ReturnType<typeof specFor>) =>
    [
      find(labServerObjects(spec), "Deployment", "webserver-1").spec.template.spec.containers[0],
      ...["client-1", "client-2"].map((name) => find(labClientObjects(spec), "Pod", name).spec.containers[0]),
    ] as Record<string, unknown>[];

  it("none at timeouts.scale 1: the handout's pods and kubeadm's kube-proxy as written", () => {
    for (const c of containers(specFor(27, 4))) expect(c.resources).toBeUndefined();
    expect(kubeProxyCpuPatch(specFor(27, 4))).toBeUndefined();
  });

  it("webserver-1, client-1, client-2 and kube-proxy ask for CPU at timeouts.scale 10", () => {
    const slow = specFor(27, 4, { timeouts: { scale: 10 } });
    for (const c of containers(slow)) expect(c.resources).toEqual({ requests: { cpu: "10m" } });
    expect(kubeProxyCpuPatch(slow)).toEqual({
      spec: { template: { spec: { containers: [{ name: "kube-proxy", resources: { requests: { cpu: "100m" } } }] } } },
    });
  });
});
