/** The lab workloads students inspect: webserver-1 + webserver-service-1 (s1) and client-1 + client-2 (c1). */
import { stringify } from "yaml";
import type { BenchSpec } from "../spec/types";
import { find, loadManifest, pinToNode, type K8sObject } from "./load";

/** Namespace the lab lives in, and where a rendered object without a namespace goes. */
export const LAB_NAMESPACE = "default";

export const LAB_FILES = { server: "k8s-network-lab-s1.yml", clients: "k8s-network-lab-c1.yml" } as const;

export function labServerObjects(spec: BenchSpec): K8sObject[] {
  const objects = loadManifest(LAB_FILES.server);
  const pod = find(objects, "Deployment", "webserver-1").spec.template.spec;
  pinToNode(pod, spec.placement.webserverNode);
  pod.containers[0].image = spec.images.webserver;
  // Kubernetes' 1 s probe timeout missed connects on a loaded emulated node for minutes (the Service had no
  // endpoint). Only the timeout scales: a longer period would delay the first success by as much.
  if (spec.timeouts.scale > 1) pod.containers[0].readinessProbe.timeoutSeconds = Math.ceil(spec.timeouts.scale);
  requestCpuOnSlowNodes(spec, pod);
  return objects;
}

export function labClientObjects(spec: BenchSpec): K8sObject[] {
  const objects = loadManifest(LAB_FILES.clients);
  const placement = { "client-1": spec.placement.webserverNode, "client-2": spec.placement.client2Node };
  for (const [name, node] of Object.entries(placement)) {
    const pod = find(objects, "Pod", name).spec;
    pinToNode(pod, node);
    pod.containers[0].image = spec.images.client;
    requestCpuOnSlowNodes(spec, pod);
  }
  return objects;
}

const LAB_POD_CPU_REQUEST = "10m";

/**
 * On slow nodes (timeouts.scale > 1) a lab pod asks for a little CPU, so it is not BestEffort: on a busy emulated
 * worker a BestEffort httpd answered its probe's connect too late for minutes. Real benches keep the handout's pods.
 */
function requestCpuOnSlowNodes(spec: BenchSpec, pod: { containers: Record<string, unknown>[] }): void {
  if (spec.timeouts.scale === 1) return;
  pod.containers[0]!.resources = { requests: { cpu: LAB_POD_CPU_REQUEST } };
}

/** A multi-document YAML file, as students receive it. */
export function toYamlStream(objects: readonly K8sObject[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}
