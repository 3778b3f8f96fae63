/**
 * A concern's Kubernetes objects in the cluster stage (Kube Router, nodelocaldns, the lab workloads): one component
 * of the concern's own type, with one resource per object (k8s-objects.ts) under each manifest file's name.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterComponent } from "../lib/concerns/concern";
import type { ManifestFile } from "../lib/render/steps";
import { applyObjects } from "./k8s-objects";

export interface ClusterAddonArgs {
  readonly component: ClusterComponent;
  /** Rendered objects per manifest file (lib/concerns), never edited here. */
  readonly manifests: readonly ManifestFile[];
  /** The bench's explicit provider, built from its admin kubeconfig. */
  readonly provider: k8s.Provider;
  /** spec.timeouts.workloadReady: seconds a DaemonSet, Deployment or Pod may take to become ready. */
  readonly readyTimeoutSeconds: number;
}

export class ClusterAddon extends pulumi.ComponentResource {
  /** The applied objects by objectKey, e.g. "DaemonSet/kube-system/kube-router", "Pod/default/client-1". */
  public readonly objects: Readonly<Record<string, pulumi.CustomResource>>;

  constructor(name: string, args: ClusterAddonArgs, opts?: pulumi.ComponentResourceOptions) {
    super(args.component.type, name, {}, opts);
    const common = { parent: this, provider: args.provider, readyTimeoutSeconds: args.readyTimeoutSeconds, dependsOn: opts?.dependsOn };
    const objects: Record<string, pulumi.CustomResource> = {};
    for (const m of args.manifests) {
      for (const [key, resource] of Object.entries(applyObjects(`${name}-${m.applyAs}`, m.objects, common))) {
        if (objects[key]) throw new Error(`${name}: ${key} appears in two manifest files`);
        objects[key] = resource;
      }
    }
    this.objects = objects;
    this.registerOutputs({});
  }
}
