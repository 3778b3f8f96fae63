/**
 * Host drift: `hostDrift` (lib/remote/host-drift.ts) compares what a step's check printed with what it expects;
 * `hostDriftFromEvents` (lib/fleet/drift.ts) reads the refreshed SshStep and JoinStep states out of a preview's
 * engine events, one line per difference, as `netlab preview` reports them.
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { hostDrift } from "../../lib/remote/host-drift";
import { hostDriftFromEvents } from "../../lib/fleet/drift";

const EXPECT = { "sysctl:net.ipv4.ip_forward": "1", "file:/etc/sysctl.d/90-netlab.conf": "present", "link:kube-bridge": "present" };

describe("hostDrift", () => {
  it("a host as expected has no drift; keys the step does not expect are ignored", () => {
    expect(hostDrift(EXPECT, { ...EXPECT, "other:key": "whatever" })).toEqual([]);
    expect(hostDrift({}, { a: "1" })).toEqual([]);
  });

  it("names what differs, what was expected and what was found, in the order of the expectation", () => {
    const observed = { "link:kube-bridge": "absent", "sysctl:net.ipv4.ip_forward": "0", "file:/etc/sysctl.d/90-netlab.conf": "present" };
    expect(hostDrift(EXPECT, observed)).toEqual([
      { what: "sysctl:net.ipv4.ip_forward", expected: "1", found: "0" },
      { what: "link:kube-bridge", expected: "present", found: "absent" },
    ]);
  });

  it('a key the check did not print is found "missing"; no observation at all makes every key missing', () => {
    expect(hostDrift(EXPECT, { "sysctl:net.ipv4.ip_forward": "1", "link:kube-bridge": "present" })).toEqual([
      { what: "file:/etc/sysctl.d/90-netlab.conf", expected: "present", found: "missing" },
    ]);
    expect(hostDrift(EXPECT, undefined).map((d) => [d.what, d.found])).toEqual(Object.keys(EXPECT).map((k) => [k, "missing"]));
    expect(hostDrift(EXPECT, {})).toHaveLength(3);
  });

  it("an expected absence is met by a key the check does not print", () => {
    expect(hostDrift({ "file:/etc/cni/net.d/10-kuberouter.conflist": "missing" }, {})).toEqual([]);
  });

  it("no value is exempt: whatever a host prints other than the expected value is drift", () => {
    expect(hostDrift(EXPECT, { ...EXPECT, "link:kube-bridge": "not-observable" })).toEqual([
      { what: "link:kube-bridge", expected: EXPECT["link:kube-bridge"], found: "not-observable" },
    ]);
  });

  it("compares exactly: case, whitespace and an empty value all count", () => {
    expect(hostDrift({ a: "present" }, { a: "Present" })).toHaveLength(1);
    expect(hostDrift({ a: "1" }, { a: "1 " })).toHaveLength(1);
    expect(hostDrift({ a: "" }, { a: "" })).toEqual([]);
    expect(hostDrift({ a: "x" }, { a: "" })).toEqual([{ what: "a", expected: "x", found: "" }]);
  });
});

const STACK = "urn:pulumi:room27-bench4::k8s-netlab";
let sequence = 0;

/** The engine's event for one resource step, with `outputs` as the refreshed state. */
function stepEvent(type: string, name: string, outputs: Record<string, unknown>, op: OpType = "refresh"): EngineEvent {
  const urn = `${STACK}::netlab:bench:Bench$${type}::${name}`;
  const state = { type, urn, id: `${name}-id`, parent: STACK, inputs: {}, outputs, provider: "" };
  return { sequence: ++sequence, timestamp: 0, resOutputsEvent: { metadata: { op, urn, type, old: state, new: state, provider: "" } } };
}
const SSH_STEP = "pulumi-nodejs:dynamic/netlab:SshStep";
const JOIN_STEP = "pulumi-nodejs:dynamic/netlab:JoinStep";

describe("hostDriftFromEvents", () => {
  it("one line per difference of each refreshed SshStep and JoinStep, with node and step, sorted by node then key", () => {
    const events = [
      stepEvent(SSH_STEP, "room27-bench4-compute2-base-os", { node: "compute2", expect: EXPECT, observed: { ...EXPECT, "sysctl:net.ipv4.ip_forward": "0" } }),
      stepEvent(SSH_STEP, "room27-bench4-compute1-network", { node: "compute1", expect: { "address:enp1s0f2": "10.27.4.22/24" }, observed: {} }),
      stepEvent(JOIN_STEP, "room27-bench4-kubeadm-join-compute3", { node: "compute3", expect: { kubelet: "active" }, observed: { kubelet: "failed" } }),
      stepEvent(SSH_STEP, "room27-bench4-compute2-runtime", { node: "compute2", expect: { containerd: "active" }, observed: { containerd: "inactive" } }),
    ];
    expect(hostDriftFromEvents(events)).toEqual([
      { node: "compute1", step: "room27-bench4-compute1-network", what: "address:enp1s0f2", expected: "10.27.4.22/24", found: "missing" },
      { node: "compute2", step: "room27-bench4-compute2-runtime", what: "containerd", expected: "active", found: "inactive" },
      { node: "compute2", step: "room27-bench4-compute2-base-os", what: "sysctl:net.ipv4.ip_forward", expected: "1", found: "0" },
      { node: "compute3", step: "room27-bench4-kubeadm-join-compute3", what: "kubelet", expected: "active", found: "failed" },
    ]);
  });

  it("no drift, no lines: steps as expected, extra observations ignored", () => {
    expect(
      hostDriftFromEvents([
        stepEvent(SSH_STEP, "room27-bench4-compute1-base-os", { node: "compute1", expect: EXPECT, observed: EXPECT }),
        stepEvent(SSH_STEP, "room27-bench4-compute2-base-os", { node: "compute2", expect: EXPECT, observed: { ...EXPECT, "other:key": "x" } }),
      ]),
    ).toEqual([]);
    expect(hostDriftFromEvents([])).toEqual([]);
  });

  it("reads refreshes only: the same drifted state in another step (update, same, create) is not reported", () => {
    const drifted = { node: "compute2", expect: EXPECT, observed: {} };
    const ops: OpType[] = ["same", "update", "create", "replace", "delete", "read"];
    expect(hostDriftFromEvents(ops.map((op) => stepEvent(SSH_STEP, `step-${op}`, drifted, op)))).toEqual([]);
    expect(hostDriftFromEvents([stepEvent(SSH_STEP, "step-refresh", drifted)])).toHaveLength(3);
  });

  it("reads SshStep and JoinStep only: other resources with look-alike outputs are not host drift", () => {
    const lookalike = { node: "compute2", expect: EXPECT, observed: {} };
    expect(
      hostDriftFromEvents([
        stepEvent("pulumi-nodejs:dynamic/netlab:BundlePush", "push", lookalike),
        stepEvent("kubernetes:apps/v1:DaemonSet", "kube-router", lookalike),
        stepEvent("pulumi-nodejs:dynamic/netlab:SshStepX", "not-a-step", lookalike),
      ]),
    ).toEqual([]);
  });

  it("skips events without resource outputs, and a state without expectation", () => {
    const other: EngineEvent[] = [
      { sequence: 1, timestamp: 0, diagnosticEvent: { message: "warning", color: "never", severity: "warning" } },
      { sequence: 2, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: {}, policyPacks: {} } },
    ];
    expect(hostDriftFromEvents([...other, stepEvent(SSH_STEP, "no-expect", { node: "compute1", observed: { a: "1" } })])).toEqual([]);
  });

  it('an unnamed node is shown as "?"; the step is the last part of its URN', () => {
    const [line] = hostDriftFromEvents([stepEvent(SSH_STEP, "room27-bench4-compute9-base-os", { expect: { a: "1" }, observed: { a: "2" } })]);
    expect(line).toEqual({ node: "?", step: "room27-bench4-compute9-base-os", what: "a", expected: "1", found: "2" });
  });
});
