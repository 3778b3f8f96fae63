/**
 * The DaemonSets' probes against timeouts.scale: on real hardware (scale 1) they are exactly as the manifests
 * write them; on emulated nodes the timeouts are stretched by the scale (a liveness probe's every wait), and the
 * failure counts stay.
 */
import { describe, expect, it } from "vitest";
import { kubeRouterObjects } from "../../lib/render/kube-router";
import { loadManifest, ProbeKind, stretchProbe, type K8sObject } from "../../lib/render/load";
import { nodeLocalDnsObjects } from "../../lib/render/nodelocaldns";
import { specFor } from "../helpers/spec";

const container = (objects: K8sObject[], name: string) =>
  objects.find((o) => o.kind === "DaemonSet" && o.metadata.name === name)!.spec.template.spec.containers[0];

const cases = [
  { name: "kube-router", file: "kube-router.yaml", render: kubeRouterObjects, probes: ["livenessProbe"] },
  { name: "nodelocaldns", file: "nodelocaldns.yaml", render: nodeLocalDnsObjects, probes: ["livenessProbe", "readinessProbe"] },
] as const;

describe.each(cases)("$name probes", ({ name, file, render, probes }) => {
  const written = container(loadManifest(file), name);
  const real = container(render(specFor(27, 4)), name);
  const slow = container(render(specFor(27, 4, { timeouts: { scale: 10 } })), name);

  it.each(probes)("%s: as written at scale 1", (probe) => {
    for (const field of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold"]) {
      expect(real[probe][field], `${probe}.${field} at scale 1`).toBe(written[probe][field]);
    }
  });

  it.each(probes)("%s at scale 10: the timeout ten times longer, the failure count kept", (probe) => {
    expect(slow[probe].timeoutSeconds).toBe(10 * (written[probe].timeoutSeconds ?? 1));
    expect(slow[probe].failureThreshold).toBe(written[probe].failureThreshold);
  });

  const liveness = probes.filter((p) => p === "livenessProbe");
  it.each(liveness)("%s at scale 10: first probe and period ten times later too (less CPU on a slow node)", (probe) => {
    expect(slow[probe].initialDelaySeconds).toBe(10 * (written[probe].initialDelaySeconds ?? 0));
    expect(slow[probe].periodSeconds).toBe(10 * (written[probe].periodSeconds ?? 10));
  });

  const readiness = probes.filter((p) => p === "readinessProbe");
  it.each(readiness)("%s at scale 10: first probe and period as written (a started pod is not kept unready)", (probe) => {
    expect(slow[probe].initialDelaySeconds ?? 0).toBe(written[probe].initialDelaySeconds ?? 0);
    expect(slow[probe].periodSeconds ?? 10).toBe(written[probe].periodSeconds ?? 10);
  });
});

describe("stretchProbe", () => {
  it("scale 1 leaves a probe untouched", () => {
    const probe = { periodSeconds: 3 };
    stretchProbe(probe, 1, ProbeKind.Readiness);
    expect(probe).toEqual({ periodSeconds: 3 });
  });

  it("a readiness period shorter than Kubernetes' 10 s default grows to at most that default", () => {
    const fast = { periodSeconds: 1, timeoutSeconds: 15 };
    stretchProbe(fast, 10, ProbeKind.Readiness);
    expect(fast).toEqual({ periodSeconds: 10, timeoutSeconds: 150 });
    const half = { periodSeconds: 1 };
    stretchProbe(half, 4, ProbeKind.Readiness);
    expect(half).toEqual({ periodSeconds: 4, timeoutSeconds: 4 });
    const long = { periodSeconds: 30 };
    stretchProbe(long, 10, ProbeKind.Readiness);
    expect(long.periodSeconds).toBe(30);
  });

  it("a liveness probe's left-out fields take Kubernetes' defaults before they scale", () => {
    const probe: Record<string, unknown> = {};
    stretchProbe(probe, 2.5, ProbeKind.Liveness);
    expect(probe).toEqual({ initialDelaySeconds: 0, periodSeconds: 25, timeoutSeconds: 3 });
  });
});
