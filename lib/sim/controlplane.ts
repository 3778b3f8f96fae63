/**
 * The simulated bench's control plane, run inside the controller's network namespace as kubeadm would run it on
 * the controller: etcd on its loopback, kube-apiserver on :6443 advertising the provider address,
 * kube-controller-manager (allocating /24 pod prefixes from the bench's pod subnet), kube-scheduler, and kwok
 * playing the four kubelets. Its admin kubeconfig (admin.conf) and each node's Node object (node-<name>.yaml) stay
 * in its directory, where the simulated nodes' kubeadm adopts and registers them (lib/sim/node/bin/kubeadm).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { Toolchain } from "../engine/toolchain";
import type { K8sObject } from "../render/load";
import { controllerOf } from "../spec/nodes";
import type { BenchSpec } from "../spec/types";
import { kubeadmAddons, simNodes } from "./cluster-objects";
import { run, sleep } from "./exec";
import { ensurePki, type Pki } from "./pki";
import { ProcessDir } from "./processes";

/** Ports inside the controller's namespace: kubeadm's defaults. */
export const PORTS = { etcd: 2379, etcdPeer: 2380, apiserver: 6443, controllerManager: 10257, scheduler: 10259 } as const;

export interface SimControlPlane {
  /** Admin kubeconfig reaching the API server from this machine (over the management network). */
  readonly kubeconfig: string;
  readonly kubeconfigPath: string;
}

/** Start order; stopped in reverse. */
export const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
export type Component = (typeof COMPONENTS)[number];

/** The control plane's directory in a sim's state directory: PKI, etcd, logs, admin.conf, the Node objects. */
export function controlPlaneDir(stateDir: string): string {
  return path.join(stateDir, "controlplane");
}

function dirs(stateDir: string) {
  const root = controlPlaneDir(stateDir);
  return { root, procs: new ProcessDir(root), etcdData: path.join(root, "etcd") };
}

function adminKubeconfig(spec: BenchSpec, pki: Pki, server: string): string {
  const b64 = (f: string) => readFileSync(pki.file(f)).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: spec.id, cluster: { server: `https://${server}:${PORTS.apiserver}`, "certificate-authority-data": b64("ca.crt") } }],
    users: [{ name: "kubernetes-admin", user: { "client-certificate-data": b64("admin.crt"), "client-key-data": b64("admin.key") } }],
    contexts: [{ name: `kubernetes-admin@${spec.id}`, context: { cluster: spec.id, user: "kubernetes-admin" } }],
    "current-context": `kubernetes-admin@${spec.id}`,
  });
}

/** What the components' command lines are made of. */
interface ArgvInput {
  readonly spec: BenchSpec;
  readonly t: Toolchain;
  readonly pki: Pki;
  readonly kubeconfigPath: string;
  readonly etcdData: string;
}

/** The flags kube-controller-manager and kube-scheduler share: delegated authentication, no leader election. */
function delegated(kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--authentication-kubeconfig=${kubeconfigPath}`,
    `--authorization-kubeconfig=${kubeconfigPath}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=false",
    "--profiling=false",
  ];
}

/** Each component's command line. */
const ARGV: Record<Component, (x: ArgvInput) => string[]> = {
  etcd: ({ spec, t, etcdData }) => [
    t.bin("etcd"),
    `--name=${spec.id}`,
    `--data-dir=${etcdData}`,
    `--listen-client-urls=http://127.0.0.1:${PORTS.etcd}`,
    `--advertise-client-urls=http://127.0.0.1:${PORTS.etcd}`,
    `--listen-peer-urls=http://127.0.0.1:${PORTS.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${PORTS.etcdPeer}`,
    `--initial-cluster=${spec.id}=http://127.0.0.1:${PORTS.etcdPeer}`,
    "--unsafe-no-fsync=true",
    "--quota-backend-bytes=536870912",
    "--log-level=warn",
  ],
  "kube-apiserver": ({ spec, t, pki }) => [
    t.bin("kube-apiserver"),
    `--etcd-servers=http://127.0.0.1:${PORTS.etcd}`,
    "--bind-address=0.0.0.0",
    `--advertise-address=${controllerOf(spec).provider.address}`,
    `--secure-port=${PORTS.apiserver}`,
    `--tls-cert-file=${pki.file("apiserver.crt")}`,
    `--tls-private-key-file=${pki.file("apiserver.key")}`,
    `--client-ca-file=${pki.file("ca.crt")}`,
    `--requestheader-client-ca-file=${pki.file("front-proxy-ca.crt")}`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${pki.file("front-proxy-client.crt")}`,
    `--proxy-client-key-file=${pki.file("front-proxy-client.key")}`,
    "--authorization-mode=Node,RBAC",
    "--enable-bootstrap-token-auth=true",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.file("sa.pub")}`,
    `--service-account-signing-key-file=${pki.file("sa.key")}`,
    `--service-cluster-ip-range=${spec.network.serviceSubnet}`,
    "--allow-privileged=true",
    "--profiling=false",
    // As kubeadm sets it: the kubelet (exec, logs) is reached at the node's InternalIP, never its name.
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
  ],
  "kube-controller-manager": ({ spec, t, pki, kubeconfigPath }) => [
    t.bin("kube-controller-manager"),
    ...delegated(kubeconfigPath),
    `--secure-port=${PORTS.controllerManager}`,
    "--allocate-node-cidrs=true",
    `--cluster-cidr=${spec.network.podSubnet}`,
    `--node-cidr-mask-size=${spec.network.nodePrefixLength}`,
    `--service-cluster-ip-range=${spec.network.serviceSubnet}`,
    `--service-account-private-key-file=${pki.file("sa.key")}`,
    `--root-ca-file=${pki.file("ca.crt")}`,
    "--use-service-account-credentials=true",
    "--controllers=*,bootstrapsigner,tokencleaner",
  ],
  "kube-scheduler": ({ t, kubeconfigPath }) => [t.bin("kube-scheduler"), ...delegated(kubeconfigPath), `--secure-port=${PORTS.scheduler}`],
  kwok: ({ spec, t, kubeconfigPath }) => [
    t.bin("kwok"),
    `--kubeconfig=${kubeconfigPath}`,
    "--manage-all-nodes=false",
    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
    "--manage-nodes-with-label-selector=",
    `--node-ip=${controllerOf(spec).provider.address}`,
    `--cidr=${spec.network.podSubnet}`,
    // Renew node leases like kubelets do; without them the node lifecycle controller marks every pod unready.
    "--node-lease-duration-seconds=40",
  ],
};

function argvOf(c: Component, spec: BenchSpec, t: Toolchain, pki: Pki, kubeconfigPath: string, etcdData: string): string[] {
  return ARGV[c]({ spec, t, pki, kubeconfigPath, etcdData });
}

async function waitFor(what: string, procs: ProcessDir, component: Component, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check().catch(() => false)) return;
    if (!procs.pid(component)) throw new Error(`sim: ${component} exited while waiting for ${what}; its log:\n${procs.tail(component)}`);
    await sleep(500);
  }
  throw new Error(`sim: timed out after ${timeoutMs / 1000}s waiting for ${what}; ${component} log:\n${procs.tail(component)}`);
}

export function kubectl(kubeconfigPath: string, args: readonly string[], context = "sim: kubectl"): Promise<{ stdout: string }> {
  return run(context, "kubectl", [`--kubeconfig=${kubeconfigPath}`, ...args], 60_000);
}

/**
 * Applies objects as `writer` writes them on a real bench (kubelets register the nodes, kubeadm installs its add-ons):
 * a reset tells the system's objects from students' partly by who wrote them (lib/reset/owners.ts).
 */
export async function applyObjects(kubeconfigPath: string, file: string, objects: readonly K8sObject[], writer: "kubelet" | "kubeadm"): Promise<void> {
  writeFileSync(file, objects.map((o) => stringify(o)).join("---\n"));
  await kubectl(
    kubeconfigPath,
    ["apply", "--server-side", "--force-conflicts", `--field-manager=${writer}`, "-f", file],
    `sim: applying ${path.basename(file)}`,
  );
}

/** Brings the control plane up (or completes it) in namespace `namespace`. Idempotent: running parts are left alone. */
export async function controlPlaneUp(spec: BenchSpec, stateDir: string, t: Toolchain, namespace: string): Promise<SimControlPlane> {
  const d = dirs(stateDir);
  mkdirSync(d.root, { recursive: true });
  const controller = controllerOf(spec);
  const pki = await ensurePki(path.join(d.root, "pki"), `sim ${spec.id}`, [
    controller.provider.address,
    controller.management.address,
    "127.0.0.1",
    spec.network.kubernetesServiceIp,
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${spec.network.clusterDomain}`,
  ]);
  // As kubeadm writes it: the API server at the control plane endpoint on the provider network.
  const nodeKubeconfig = adminKubeconfig(spec, pki, controller.provider.address);
  const nodeKubeconfigPath = path.join(d.root, "admin.conf");
  writeFileSync(nodeKubeconfigPath, nodeKubeconfig, { mode: 0o600 });
  // This machine reaches the controller over the management network, as an instructor's does.
  const kubeconfig = adminKubeconfig(spec, pki, controller.management.address);
  const kubeconfigPath = path.join(d.root, "admin-local.conf");
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  const k = (args: string[]) => kubectl(kubeconfigPath, args);

  for (const c of COMPONENTS) {
    d.procs.start(c, ["ip", "netns", "exec", namespace, ...argvOf(c, spec, t, pki, nodeKubeconfigPath, d.etcdData)]);
    if (c === "kube-apiserver") await waitFor("kube-apiserver /readyz", d.procs, c, async () => (await k(["get", "--raw=/readyz"])).stdout.trim() === "ok");
  }
  await waitFor(
    "the default ServiceAccount",
    d.procs,
    "kube-controller-manager",
    async () => (await k(["-n", "default", "get", "serviceaccount", "default", "-o", "name"])).stdout.trim() !== "",
  );
  const nodes = simNodes(spec);
  await applyObjects(kubeconfigPath, path.join(d.root, "nodes.yaml"), nodes, "kubelet");
  // Each node's kubeadm registers its Node again when it joins (the join-token step removes a stale one first).
  for (const n of nodes) writeFileSync(path.join(d.root, `node-${n.metadata.name}.yaml`), stringify(n));
  await applyObjects(kubeconfigPath, path.join(d.root, "kubeadm-addons.yaml"), kubeadmAddons(spec, nodeKubeconfig), "kubeadm");
  await waitFor("four Ready nodes", d.procs, "kwok", async () => {
    const out = (await k(["get", "nodes", "-o", 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'])).stdout;
    return out.split("\n").filter((s) => s === "True").length === spec.nodes.length;
  });
  return { kubeconfig, kubeconfigPath };
}

/** Stops one component (fault tests); `controlPlaneUp` starts it again. */
export async function stopComponent(stateDir: string, component: Component): Promise<void> {
  await dirs(stateDir).procs.stop(component);
}

/** Stops every component, newest first. Never throws when they are already gone. */
export async function controlPlaneDown(stateDir: string): Promise<void> {
  const d = dirs(stateDir);
  if (!existsSync(d.root)) return;
  for (const c of [...COMPONENTS].reverse()) await d.procs.stop(c);
}
