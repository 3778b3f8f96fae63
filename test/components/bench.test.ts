import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { Bench as BenchType } from "../../components/bench";
import { planBench } from "../../lib/render/plan";
import { HOST_KEY, specFor } from "../helpers/spec";
import { installMocks, secretOf, settle, valueOf, type Recorded } from "../helpers/mocks";

let recorded: Recorded[];
let bench: BenchType;
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----";

beforeAll(async () => {
  recorded = await installMocks();
  const pulumi = await import("@pulumi/pulumi");
  const { Bench } = await import("../../components/bench");
  bench = new Bench("room27-bench4", { plan: planBench(specFor(27, 4)), privateKey: pulumi.secret(PRIVATE_KEY) });
  await valueOf(bench.webserverClusterIp);
  await settle();
});

const STEP_TYPES = ["SshStep", "JoinStep", "BundlePush"].map((t) => `pulumi-nodejs:dynamic/netlab:${t}`);
const commands = () => recorded.filter((r) => STEP_TYPES.includes(r.type));
const k8sObjects = () => recorded.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:yaml:ConfigGroup");
/** Pulumi's wire form of a secret: a signature key and the value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const unwrapSecret = (v: unknown): unknown => {
  const o = v as Record<string, unknown> | null | undefined;
  return o?.[SECRET_SIG] ? o.value : v;
};

describe("Bench under Pulumi mocks", () => {
  it("registers the hosts stage, the kubeadm stage and every cluster object", () => {
    expect(
      commands()
        .map((c) => c.name)
        .sort(),
    ).toEqual(
      [
        ...["controller", "compute1", "compute2", "compute3"].flatMap((n) => ["base-os", "network", "runtime"].map((s) => `room27-bench4-${n}-${s}`)),
        "room27-bench4-kubeadm-init",
        "room27-bench4-kubeadm-lab-files",
        "room27-bench4-kubeadm-kubeconfig",
        ...["compute1", "compute2", "compute3"].map((n) => `room27-bench4-kubeadm-join-${n}`),
        ...["controller", "compute1", "compute2", "compute3"].map((n) => `room27-bench4-${n}-lab-network`),
      ].sort(),
    );
    const kinds = k8sObjects().map((r) => `${r.type.split(":").pop()}/${r.inputs.metadata?.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "DaemonSet/kube-router",
        "ConfigMap/kube-router-cfg",
        "ClusterRole/kube-router",
        "ClusterRoleBinding/kube-router",
        "ServiceAccount/kube-router",
        "DaemonSet/nodelocaldns",
        "ConfigMap/nodelocaldns",
        "Service/coredns",
        "Deployment/webserver-1",
        "Service/webserver-service-1",
        "Pod/client-1",
        "Pod/client-2",
      ]),
    );
    expect(k8sObjects()).toHaveLength(13);
    expect(k8sObjects().every((o) => o.name.startsWith("room27-bench4-"))).toBe(true);
  });

  it("gives every resource a unique URN", () => {
    const urns = recorded.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
  });

  it("puts every Kubernetes object on the bench's own provider", () => {
    const providers = recorded.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers.map((p) => p.name)).toEqual(["room27-bench4-k8s"]);
    // The API server's answers may take the bench's scaled time (32 s, the provider's own default, at scale 1).
    expect(JSON.parse(providers[0]!.inputs.kubeClientSettings)).toEqual({ timeout: specFor(27, 4).timeouts.kubeClient });
    expect(specFor(27, 4, { timeouts: { scale: 10 } }).timeouts.kubeClient).toBe(320);
    for (const obj of k8sObjects()) expect(obj.provider, obj.name).toMatch(/pulumi:providers:kubernetes::room27-bench4-k8s::/);
  });

  it("parents children to their components", async () => {
    const urnOf = (r: { urn: pulumi.Output<string> }) => valueOf(r.urn);
    // The mock monitor qualifies a URN with its immediate parent's type.
    expect(await urnOf(bench.hosts.compute2)).toMatch(/::netlab:bench:Bench\$netlab:hosts:BenchHost::room27-bench4-compute2$/);
    expect(await urnOf(bench.hosts.compute2.ready)).toMatch(/::netlab:hosts:BenchHost\$pulumi-nodejs:dynamic\/netlab:SshStep::room27-bench4-compute2-runtime$/);
    expect(await urnOf(bench.cluster.steps[0]!)).toMatch(/::netlab:cluster:KubeadmCluster\$pulumi-nodejs:dynamic\/netlab:SshStep::/);
    expect(await urnOf(bench.addons.lab!.objects["Pod/default/client-1"]!)).toMatch(
      /::netlab:lab:LabWorkloads\$kubernetes:core\/v1:Pod::room27-bench4-lab-c1-default\/client-1$/,
    );
    expect(await urnOf(bench.addons["kube-router"]!.objects["DaemonSet/kube-system/kube-router"]!)).toMatch(
      /::netlab:cni:KubeRouter\$kubernetes:apps\/v1:DaemonSet::room27-bench4-kube-router-objects-kube-system\/kube-router$/,
    );
    expect(await urnOf(bench.addons["kube-router"]!)).toMatch(/::netlab:bench:Bench\$netlab:cni:KubeRouter::/);
  });

  it("connects over SSH to the management address with the pinned host key", () => {
    const base = commands().find((c) => c.name === "room27-bench4-compute3-base-os")!;
    expect(base.inputs.connection[SECRET_SIG], "the connection carries the private key: secret").toBeDefined();
    expect(unwrapSecret(base.inputs.connection)).toMatchObject({ host: "192.168.4.42", port: 22, user: "user", hostKey: HOST_KEY });
    expect(base.inputs.create).toMatch(/^sudo -n -- bash -c '#!\/usr\/bin\/env bash/);
    expect(base.inputs.create).toMatch(/ 10-base-os\.sh create$/);
    expect(base.inputs.delete).toMatch(/ 10-base-os\.sh delete$/);
    expect(base.inputs.triggers[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps the SSH key, join tokens and kubeconfig secret", async () => {
    const pulumi = await import("@pulumi/pulumi");
    expect(await secretOf(bench.cluster.kubeconfig)).toBe(true);
    expect(await valueOf(bench.cluster.kubeconfig)).toContain("server: https://192.168.4.12:6443");
    expect(await secretOf(pulumi.output(bench.hosts.controller.access.privateKey))).toBe(true);
    // The join token is minted and used inside one JoinStep operation: no input or output carries it.
    const join = commands().find((c) => c.name === "room27-bench4-kubeadm-join-compute2")!;
    expect(join.inputs.worker[SECRET_SIG], "the worker's connection is secret").toBeDefined();
    expect(join.inputs.controller[SECRET_SIG], "the controller's connection is secret").toBeDefined();
    expect(unwrapSecret(join.inputs.controller)).toMatchObject({ node: "controller", host: "192.168.4.12" });
    expect(join.inputs.mint).toMatch(/45-join-token-compute2\.sh create$/);
    expect(join.inputs.finish).toMatch(/45-join-token-compute2\.sh finish$/);
    expect(join.inputs.stdin).toBeUndefined();
    for (const c of commands()) {
      expect(JSON.stringify({ ...c.inputs, connection: null, worker: null, controller: null })).not.toContain("not-a-real-key");
    }
  });

  it("places client-1 with webserver-1 and client-2 elsewhere", () => {
    const nodeOf = (name: string) => {
      const r = k8sObjects().find((o) => o.inputs.metadata?.name === name)!;
      const pod = r.inputs.spec.template?.spec ?? r.inputs.spec;
      return pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0];
    };
    expect(nodeOf("webserver-1")).toBe("compute1");
    expect(nodeOf("client-1")).toBe(nodeOf("webserver-1"));
    expect(nodeOf("client-2")).not.toBe(nodeOf("webserver-1"));
  });

  it("exports the node table", () => {
    expect(bench.nodeTable.map((n) => [n.name, n.providerIp, n.podCidr])).toEqual([
      ["controller", "10.27.4.12", "10.233.64.0/24"],
      ["compute1", "10.27.4.22", "10.233.65.0/24"],
      ["compute2", "10.27.4.32", "10.233.66.0/24"],
      ["compute3", "10.27.4.42", "10.233.67.0/24"],
    ]);
  });

  it("exports the ClusterIP the cluster gave webserver-service-1, not another Service's", async () => {
    const clusterIpOf = (name: string) => {
      const service = recorded.find((r) => r.type === "kubernetes:core/v1:Service" && r.inputs.metadata?.name === name)!;
      return (service.state.spec as { clusterIP: string }).clusterIP;
    };
    expect(clusterIpOf("coredns")).toBe("10.233.0.3");
    expect(clusterIpOf("webserver-service-1")).toMatch(/^10\.233\.12\.\d+$/);
    expect(await valueOf(bench.webserverClusterIp)).toBe(clusterIpOf("webserver-service-1"));
  });
});
