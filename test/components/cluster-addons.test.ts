/**
 * The cluster stage's order and time limits as the engine receives them: the registrations' dependency lists
 * and custom timeouts, read off the mock monitor. Kube Router and nodelocaldns must be up before any lab object
 * is created (a pod started before the CNI gets no address), and every object the provider waits on gets the
 * bench's scaled readiness limit (emulated VMs are ten times slower).
 */
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { beforeAll, describe, expect, it } from "vitest";
import { planBench } from "../../lib/render/plan";
import { specFor } from "../helpers/spec";
import { installMocks, settle, valueOf } from "../helpers/mocks";

interface Registration {
  type: string;
  name: string;
  urn: string;
  dependencies: string[];
  timeouts: { create: string; update: string; pb_delete: string } | undefined;
  /** metadata.annotations of the object as registered. */
  annotations: Record<string, unknown>;
}

const registrations: Registration[] = [];
const SCALE = 10;

beforeAll(async () => {
  await installMocks();
  const pulumi = await import("@pulumi/pulumi");
  // The mock monitor sees each RegisterResourceRequest: wrap it to keep what the engine would order by.
  type Callback = (err: unknown, resp: RegisterResourceResponse | undefined) => void;
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterResourceRequest, callback: Callback): Promise<void> };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, resp) => {
      if (resp) {
        const propertyDeps = Object.values(req.toObject().propertydependenciesMap ?? {}).flatMap((d) => d[1]?.urnsList ?? []);
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          dependencies: [...req.getDependenciesList(), ...propertyDeps],
          timeouts: req.getCustomtimeouts()?.toObject(),
          annotations: (req.getObject()?.toJavaScript() as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata?.annotations ?? {},
        });
      }
      callback(err, resp);
    });
  const { Bench } = await import("../../components/bench");
  const bench = new Bench("room27-bench4", { plan: planBench(specFor(27, 4, { timeouts: { scale: SCALE } })), privateKey: pulumi.secret("KEY") });
  await valueOf(bench.webserverClusterIp);
  await settle();
});

const k8s = () => registrations.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:yaml"));
const one = (type: string | undefined, name: string) => {
  const found = registrations.filter((r) => (type === undefined || r.type === type) && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]!;
};

/** Every URN `urn` waits for, directly or through what it waits for. */
function dependencyClosure(urn: string): Set<string> {
  const byUrn = new Map(registrations.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const todo = [...(byUrn.get(urn)?.dependencies ?? [])];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(byUrn.get(next)?.dependencies ?? []));
  }
  return seen;
}

describe("cluster stage under Pulumi mocks", () => {
  it("registers every cluster object as its own resource (no ConfigGroup)", () => {
    expect(registrations.filter((r) => r.type === "kubernetes:yaml:ConfigGroup")).toEqual([]);
    expect(
      k8s()
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "room27-bench4-kube-router-objects-kube-router", // ClusterRole and ClusterRoleBinding: cluster-scoped
      "room27-bench4-kube-router-objects-kube-router",
      "room27-bench4-kube-router-objects-kube-system/kube-router", // ServiceAccount and DaemonSet
      "room27-bench4-kube-router-objects-kube-system/kube-router",
      "room27-bench4-kube-router-objects-kube-system/kube-router-cfg",
      "room27-bench4-lab-c1-default/client-1",
      "room27-bench4-lab-c1-default/client-2",
      "room27-bench4-lab-s1-default/webserver-1",
      "room27-bench4-lab-s1-default/webserver-service-1",
      "room27-bench4-nodelocaldns-objects-kube-system/coredns",
      "room27-bench4-nodelocaldns-objects-kube-system/nodelocaldns", // ServiceAccount, ConfigMap and DaemonSet
      "room27-bench4-nodelocaldns-objects-kube-system/nodelocaldns",
      "room27-bench4-nodelocaldns-objects-kube-system/nodelocaldns",
    ]);
  });

  it("creates every lab object after the kube-router and nodelocaldns DaemonSets", () => {
    const kubeRouter = one("kubernetes:apps/v1:DaemonSet", "room27-bench4-kube-router-objects-kube-system/kube-router").urn;
    const nodeLocalDns = one("kubernetes:apps/v1:DaemonSet", "room27-bench4-nodelocaldns-objects-kube-system/nodelocaldns").urn;
    const lab = k8s().filter((r) => r.name.startsWith("room27-bench4-lab-"));
    expect(lab).toHaveLength(4);
    for (const r of lab) {
      const deps = dependencyClosure(r.urn);
      expect(deps.has(kubeRouter), `${r.name} waits for the kube-router DaemonSet`).toBe(true);
      expect(deps.has(nodeLocalDns), `${r.name} waits for the nodelocaldns DaemonSet`).toBe(true);
    }
    const coredns = one("kubernetes:core/v1:Service", "room27-bench4-nodelocaldns-objects-kube-system/coredns").urn;
    for (const r of lab) expect(dependencyClosure(r.urn).has(coredns), `${r.name} waits for the coredns Service`).toBe(true);
  });

  it("creates Kube Router and nodelocaldns after the kubeadm stage", () => {
    // Whichever executor runs the host steps (SshStep or remote.Command).
    const lastJoin = one(undefined, "room27-bench4-kubeadm-join-compute3").urn;
    for (const r of k8s().filter((x) => !x.name.startsWith("room27-bench4-lab-"))) {
      expect(dependencyClosure(r.urn).has(lastJoin), `${r.name} waits for compute3's join`).toBe(true);
    }
  });

  it("gives everything the provider waits on the scaled readiness limit, and nothing else", () => {
    const limit = `${600 * SCALE}s`;
    const awaited = k8s().filter((r) => /:(DaemonSet|Deployment|Pod)$/.test(r.type));
    expect(awaited.map((r) => `${r.type.split(":").pop()} ${r.name.split("/").pop()}`).sort()).toEqual([
      "DaemonSet kube-router",
      "DaemonSet nodelocaldns",
      "Deployment webserver-1",
      "Pod client-1",
      "Pod client-2",
    ]);
    for (const r of awaited) expect(r.timeouts, r.name).toMatchObject({ create: limit, update: limit });
    for (const r of k8s().filter((x) => !awaited.includes(x))) expect(r.timeouts?.create ?? "", r.name).toBe("");
  });

  it("does not wait on the Services' endpoints (skipAwait): the lab's readiness is its Deployment's and Pods', awaited above", () => {
    const services = k8s().filter((r) => r.type === "kubernetes:core/v1:Service");
    expect(services.map((r) => r.name.split("/").pop()).sort()).toEqual(["coredns", "webserver-service-1"]);
    for (const r of services) expect(r.annotations, r.name).toMatchObject({ "pulumi.com/skipAwait": "true" });
    // Only the Services: everything else is awaited (or has nothing to await).
    for (const r of k8s().filter((x) => !services.includes(x))) expect(r.annotations["pulumi.com/skipAwait"], r.name).toBeUndefined();
  });
});
