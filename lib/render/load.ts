/** Reads the YAML under manifests/ and scripts/node/ (resolved from this module, never from the cwd). */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO } from "../repo";

export const MANIFEST_DIR = path.join(REPO, "manifests");
export const NODE_SCRIPT_DIR = path.join(REPO, "scripts", "node");

/**
 * A Kubernetes object as plain data. Below `metadata` it is the manifest's YAML, untyped: the render modules edit the
 * few fields they own in place, and the Kubernetes schema (render tier) checks the result.
 */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped YAML below metadata (see above)
  [k: string]: any;
};

/** Every document of a manifest file, as fresh objects the caller may change. */
export function loadManifest(file: string): K8sObject[] {
  const text = readFileSync(path.join(MANIFEST_DIR, file), "utf8");
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`manifests/${file} document ${i + 1}: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
}

/** The one object of `kind` named `name` in a list; a missing one is a bug in manifests/, said plainly. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`manifests: no ${kind} named ${name}`);
  return found;
}

export function readNodeScript(file: string): string {
  return readFileSync(path.join(NODE_SCRIPT_DIR, file), "utf8");
}

/** The node-affinity term of a lab manifest's pod spec, the one field pinToNode edits. */
interface PinnablePodSpec {
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } } };
}

/** Requires every pod of a workload onto one node, by its hostname label (node names are the hostnames). */
export function pinToNode(podSpec: PinnablePodSpec, node: string): void {
  podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions[0]!.values = [node];
}

/** Kubernetes' own probe defaults, for the fields a manifest leaves out. */
const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1 } as const;

/** The kubelet's probes a manifest can carry, as the container's field names them. */
export const ProbeKind = { Liveness: "livenessProbe", Readiness: "readinessProbe" } as const;
export type ProbeKind = (typeof ProbeKind)[keyof typeof ProbeKind];

/**
 * Stretches a probe's waits by the stack's time-limit multiplier (timeouts.scale): on a node `scale` times slower
 * than real hardware, a probe answered in 1 s there needs `scale` s. Failure counts stay as written, so a dead
 * process is still noticed after the same number of probes. Scale 1 leaves the probe as upstream wrote it.
 * - A liveness probe's every wait scales: its period is CPU spent on a node that has little, and a later
 *   first probe restarts nothing that is only slow to start.
 * - A readiness probe's period is how long a pod that just became able to serve stays unready: scaling it by 10
 *   kept nodelocaldns and CoreDNS unready for 100 s after each failed first probe. Only its timeout scales, and a
 *   period shorter than Kubernetes' default (kubeadm's 1 s on the static pods, a TLS handshake each) grows up to that
 *   default; its initial delay stays.
 */
export function stretchProbe(probe: Record<string, unknown>, scale: number, kind: ProbeKind): void {
  if (scale === 1) return;
  const written = (field: keyof typeof PROBE_DEFAULTS) => (typeof probe[field] === "number" ? (probe[field] as number) : PROBE_DEFAULTS[field]);
  probe.timeoutSeconds = Math.ceil(written("timeoutSeconds") * scale);
  if (kind === ProbeKind.Liveness) {
    probe.initialDelaySeconds = Math.ceil(written("initialDelaySeconds") * scale);
    probe.periodSeconds = Math.ceil(written("periodSeconds") * scale);
    return;
  }
  const period = written("periodSeconds");
  probe.periodSeconds = Math.max(period, Math.min(Math.ceil(period * scale), PROBE_DEFAULTS.periodSeconds));
}
