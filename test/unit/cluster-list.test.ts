/**
 * lib/reset/cluster-list.ts: before a `cluster` or `hosts` reset destroys the cluster, every listable kind is listed
 * in every namespace. Whatever could not be listed comes back named, never silently skipped. kubectl here is a
 * stand-in that answers by its arguments, as the API server of a cluster with the given kinds would.
 */
import { describe, expect, it } from "vitest";
import type { Kubectl, KubectlAnswer } from "../../lib/remote/kubectl";
import { listCluster } from "../../lib/reset/cluster-list";
import type { ListedObject } from "../../lib/reset/owners";

const obj = (kind: string, name: string, namespace?: string, extra: object = {}): ListedObject =>
  ({ apiVersion: "v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra }) as ListedObject;

const ok = (stdout: string): KubectlAnswer => ({ ok: true, stdout, stderr: "" });
const failed = (stderr: string, error = "Command failed: kubectl ...", stdout = ""): KubectlAnswer => ({ ok: false, stdout, stderr, error });
const list = (...items: ListedObject[]) => ok(JSON.stringify({ apiVersion: "v1", kind: "List", items }));

/** A kubectl whose `get` answers per resource list from `kinds`; records every call's arguments. */
function fakeKubectl(discovery: KubectlAnswer, kinds: Record<string, KubectlAnswer>) {
  const calls: string[][] = [];
  const answer = async (args: readonly string[]): Promise<KubectlAnswer> => {
    calls.push([...args]);
    if (args[0] === "api-resources") return discovery;
    const wanted = args[1]!.split(",");
    const answers = wanted.map((k) => kinds[k] ?? failed(`error: the server doesn't have a resource type "${k}"`));
    const bad = answers.find((a) => !a.ok);
    if (bad) return bad;
    if (answers.length === 1) return answers[0]!;
    return list(...answers.flatMap((a) => (JSON.parse(a.stdout) as { items?: ListedObject[] }).items ?? []));
  };
  const kubectl = Object.assign(
    async () => {
      throw new Error("listCluster must use kubectl.answer");
    },
    { answer },
  ) as unknown as Kubectl;
  return { kubectl, calls };
}

const STUDENT_CM = obj("ConfigMap", "student-cm", "default");
const ROLE = obj("ClusterRole", "lab-reader", undefined, { apiVersion: "rbac.authorization.k8s.io/v1" });
const WIDGET = obj("Widget", "w1", "default", { apiVersion: "lab.example/v1" });

describe("listCluster", () => {
  it("lists every discovered kind but the never-listed ones, in one sorted call with managed fields, all namespaces", async () => {
    const discovery = ok("configmaps\nevents\nnodes\nclusterroles.rbac.authorization.k8s.io\n\nconfigmaps\nendpointslices.discovery.k8s.io\n");
    const { kubectl, calls } = fakeKubectl(discovery, { configmaps: list(STUDENT_CM), "clusterroles.rbac.authorization.k8s.io": list(ROLE) });
    const listing = await listCluster(kubectl);
    expect(calls).toEqual([
      ["api-resources", "--verbs=list", "-o", "name"],
      ["get", "clusterroles.rbac.authorization.k8s.io,configmaps", "--all-namespaces", "--show-managed-fields", "-o", "json"],
    ]);
    expect(listing).toEqual({ objects: [ROLE, STUDENT_CM], unlistable: [] });
  });

  it("names the API groups discovery could not read and still lists the rest", async () => {
    const stderr =
      "E0301 memcache.go:265] couldn't get resource list\nerror: unable to retrieve the complete list of server APIs: " +
      "metrics.k8s.io/v1beta1: the server is currently unable to handle the request, lab.example/v2: stream error";
    const { kubectl } = fakeKubectl(failed(stderr, "exit status 1", "configmaps\n"), { configmaps: list(STUDENT_CM) });
    const listing = await listCluster(kubectl);
    expect(listing.objects).toEqual([STUDENT_CM]);
    expect(listing.unlistable).toEqual([
      { what: "metrics.k8s.io/v1beta1", why: "the server is currently unable to handle the request" },
      { what: "lab.example/v2", why: "stream error" },
    ]);
  });

  it('reports a discovery failure with no stderr as one "API discovery" entry, from kubectl\'s error', async () => {
    const { kubectl } = fakeKubectl(failed("", "\ntimed out after 60 s: Command failed\nmore", "configmaps\n"), { configmaps: list() });
    expect((await listCluster(kubectl)).unlistable).toEqual([{ what: "API discovery", why: "timed out after 60 s: Command failed" }]);
  });

  it("refuses, changing nothing, when discovery gives no listable kind", async () => {
    const { kubectl, calls } = fakeKubectl(failed("The connection to the server 10.0.0.1:6443 was refused\n"), {});
    await expect(listCluster(kubectl)).rejects.toThrow(
      "kubectl api-resources: no listable kind (The connection to the server 10.0.0.1:6443 was refused); nothing was changed",
    );
    expect(calls).toHaveLength(1);
    const onlyUnlisted = fakeKubectl(ok("events\nnodes\n"), {});
    await expect(listCluster(onlyUnlisted.kubectl)).rejects.toThrow(/no listable kind \(empty answer\)/);
  });

  it("when the combined list fails, lists each kind alone and names the one that failed with its first line", async () => {
    const broken = failed("\n  Error from server: conversion webhook for lab.example/v1 failed: connection refused\nhint\n");
    const { kubectl, calls } = fakeKubectl(ok("configmaps\nwidgets.lab.example\nclusterroles.rbac.authorization.k8s.io\n"), {
      configmaps: list(STUDENT_CM),
      "widgets.lab.example": broken,
      "clusterroles.rbac.authorization.k8s.io": list(ROLE),
    });
    const listing = await listCluster(kubectl);
    expect(calls.slice(2).map((c) => c[1])).toEqual(["clusterroles.rbac.authorization.k8s.io", "configmaps", "widgets.lab.example"]);
    expect(listing.objects).toEqual([ROLE, STUDENT_CM]);
    expect(listing.unlistable).toEqual([
      { what: "widgets.lab.example", why: "Error from server: conversion webhook for lab.example/v1 failed: connection refused" },
    ]);
  });

  it("adds the aggregated APIs whose APIService is unavailable, after discovery's own failures", async () => {
    const apiService = (name: string, status: string) =>
      obj("APIService", name, undefined, {
        apiVersion: "apiregistration.k8s.io/v1",
        spec: { group: name.split(".").slice(1).join("."), version: name.split(".")[0], service: { name: "x", namespace: "kube-system" } },
        status: { conditions: [{ type: "Available", status, reason: status === "True" ? "Passed" : "MissingEndpoints" }] },
      });
    const down = apiService("v1beta1.metrics.k8s.io", "False");
    const up = apiService("v1.lab.example", "True");
    const { kubectl } = fakeKubectl(failed("error: something odd", "exit status 1", "apiservices.apiregistration.k8s.io\nwidgets.lab.example\n"), {
      "apiservices.apiregistration.k8s.io": list(down, up),
      "widgets.lab.example": list(WIDGET),
    });
    const listing = await listCluster(kubectl);
    expect(listing.objects).toEqual([down, up, WIDGET]);
    expect(listing.unlistable).toEqual([
      { what: "API discovery", why: "error: something odd" },
      { what: "metrics.k8s.io/v1beta1", why: "APIService v1beta1.metrics.k8s.io is not available (MissingEndpoints)" },
    ]);
  });

  it("reads an answer without items as no objects", async () => {
    const { kubectl } = fakeKubectl(ok("configmaps\n"), { configmaps: ok('{"apiVersion":"v1","kind":"List"}') });
    expect(await listCluster(kubectl)).toEqual({ objects: [], unlistable: [] });
  });
});
