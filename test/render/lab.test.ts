/** The lab workloads as rendered: webserver-1's readiness probe on slow (emulated) nodes. */
import { describe, expect, it } from "vitest";
import { find, loadManifest } from "../../lib/render/load";
import { LAB_FILES, labServerObjects } from "../../lib/render/lab";
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
