/**
 * Applies a list of rendered Kubernetes objects on the bench's own provider, one explicit resource per object.
 *
 * Not `k8s.yaml.ConfigGroup` (v1): it registers its children asynchronously, after the component that holds it
 * has returned, so a later stage's `dependsOn` on that component does not reach them (pulumi-kubernetes#1773)
 * and the lab could be created before Kube Router and nodelocaldns. Explicit resources exist as soon as the
 * component's constructor returns, and the component's own `dependsOn` is passed on to each of them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../lib/render/load";

// Each kind has its own Args type: the rendered object goes to the constructor of its kind as it is (checked against
// the Kubernetes schema by the render tier, not here).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no one Args type fits every kind (see above)
type Ctor = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The kinds netlab renders, by "apiVersion/kind". Anything else is a bug in manifests/, refused plainly. */
const KINDS: Readonly<Record<string, Ctor>> = {
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/Service": k8s.core.v1.Service,
  "v1/Pod": k8s.core.v1.Pod,
  "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
};

/**
 * Kinds the Kubernetes provider waits on until they are ready (rolled out, or Running and Ready): they get the
 * bench's `timeouts.workloadReady` instead of the provider's 10 minutes.
 */
export const AWAITED_KINDS: ReadonlySet<string> = new Set(["DaemonSet", "Deployment", "Pod"]);

/**
 * Kinds created without the provider's readiness wait (`pulumi.com/skipAwait`): a Service. The provider would wait
 * for its endpoints and then 10 s more "for stragglers" on every create and update, for nothing the lab needs: what
 * its pods serve is awaited through their Deployment (webserver-1) and the DaemonSets, the ClusterIP is allocated
 * when the Service is created, and what waits for a Service (the lab waits for the coredns Service) waits for it to
 * exist with that address.
 */
export const UNAWAITED_KINDS: ReadonlySet<string> = new Set(["Service"]);
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** The object as applied: a Service marked not to be awaited; anything else as rendered. */
export function appliedObject(obj: K8sObject): K8sObject {
  if (!UNAWAITED_KINDS.has(obj.kind)) return obj;
  const annotations = { ...(obj.metadata.annotations as Record<string, string> | undefined), [SKIP_AWAIT_ANNOTATION]: "true" };
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}

/** "DaemonSet/kube-system/kube-router", "ClusterRole/kube-router": how callers find one applied object. */
export function objectKey(o: Pick<K8sObject, "kind" | "metadata">): string {
  return [o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join("/");
}

export interface ApplyOptions {
  readonly parent: pulumi.Resource;
  readonly provider: k8s.Provider;
  /** How long a DaemonSet, Deployment or Pod may take to become ready, in seconds (spec.timeouts.workloadReady). */
  readonly readyTimeoutSeconds: number;
  /** The component's own dependsOn: every object waits for these (a component stands for all its children). */
  readonly dependsOn?: pulumi.ComponentResourceOptions["dependsOn"];
}

/**
 * One resource per object, named `<name>-<namespace>/<object>` (or `<name>-<object>` when cluster-scoped), as
 * the former ConfigGroup named them; an alias to that ConfigGroup parent keeps existing stacks' objects in place
 * (no delete and re-create). Returns the resources by `objectKey`.
 */
export function applyObjects(name: string, objects: readonly K8sObject[], o: ApplyOptions): Record<string, pulumi.CustomResource> {
  if (!Number.isInteger(o.readyTimeoutSeconds) || o.readyTimeoutSeconds <= 0) {
    throw new RangeError(`${name}: readiness timeout must be a positive number of seconds, not ${o.readyTimeoutSeconds}`);
  }
  const formerGroup = pulumi.createUrn(name, "kubernetes:yaml:ConfigGroup", o.parent);
  const timeout = `${o.readyTimeoutSeconds}s`;
  const out: Record<string, pulumi.CustomResource> = {};
  for (const obj of objects) {
    const ctor = KINDS[`${obj.apiVersion}/${obj.kind}`];
    if (!ctor) throw new Error(`${name}: no resource type for ${obj.apiVersion} ${obj.kind} ${obj.metadata.name} (add it to components/k8s-objects.ts)`);
    const id = [obj.metadata.namespace, obj.metadata.name].filter(Boolean).join("/");
    const key = objectKey(obj);
    if (out[key]) throw new Error(`${name}: ${key} appears twice`);
    out[key] = new ctor(`${name}-${id}`, appliedObject(obj), {
      parent: o.parent,
      provider: o.provider,
      dependsOn: o.dependsOn,
      aliases: [{ parent: formerGroup }],
      ...(AWAITED_KINDS.has(obj.kind) ? { customTimeouts: { create: timeout, update: timeout } } : {}),
    });
  }
  return out;
}
