/**
 * The DaemonSets' probes against timeouts.scale: on real hardware (scale 1) they are exactly as the manifests
 * write them; on emulated nodes every wait is stretched by the scale, and the failure counts stay.
 */
import { describe, expect, it } from "vitest";
import { kubeRouterObjects } from "../../lib/render/kube-router";
import { loadManifest, type K8sObject } from "../../lib/render/load";
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

  it.each(probes)("%s: as written at scale 1, each wait ten times longer at scale 10", (probe) => {
    for (const field of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold"]) {
      expect(real[probe][field], `${probe}.${field} at scale 1`).toBe(written[probe][field]);
    }
    const defaults: Record<string, number> = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1 };
    for (const [field, fallback] of Object.entries(defaults)) {
      expect(slow[probe][field], `${probe}.${field} at scale 10`).toBe(10 * (written[probe][field] ?? fallback));
    }
    expect(slow[probe].failureThreshold).toBe(written[probe].failureThreshold);
  });
});
