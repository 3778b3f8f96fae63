/** Applies a list of rendered Kubernetes objects on the bench's own provider. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { K8sObject } from "../lib/render/load";

export function applyObjects(name: string, objects: readonly K8sObject[], parent: pulumi.Resource, provider: k8s.Provider): k8s.yaml.ConfigGroup {
  // One child resource per object, named <name>-<namespace>/<object>.
  return new k8s.yaml.ConfigGroup(name, { objs: objects as unknown as any[], resourcePrefix: name }, { parent, provider });
}

export interface ClusterAddonArgs {
  /** Rendered objects (from lib/render), never edited here. */
  readonly objects: readonly K8sObject[];
  /** The bench's explicit provider, built from its admin kubeconfig. */
  readonly provider: k8s.Provider;
}
