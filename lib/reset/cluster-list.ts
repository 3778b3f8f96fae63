/** Lists every object the `cluster` and `hosts` levels would destroy (cluster-archive.ts decides what is archived). */
import type { Kubectl } from "../remote/kubectl";
import { discoveryFailures, listableResources, unavailableApiServices, type ClusterListing, type Unlistable } from "./cluster-archive";
import type { ListedObject } from "./owners";

const firstLine = (text: string) =>
  text
    .trim()
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim() ?? "no answer";
const items = (json: string) => (JSON.parse(json) as { items?: ListedObject[] }).items ?? [];
/** With managedFields: who wrote an object is part of whose it is (owners.ts). */
const listArgs = (resources: string) => ["get", resources, "--all-namespaces", "--show-managed-fields", "-o", "json"];

/**
 * Every kind the API serves with a list verb (discovery), then all their objects, all namespaces. What cannot be
 * listed is returned as such, never skipped: a group discovery could not read, a kind whose list failed.
 */
export async function listCluster(kubectl: Kubectl): Promise<ClusterListing> {
  const discovery = await kubectl.answer(["api-resources", "--verbs=list", "-o", "name"]);
  const unlistable: Unlistable[] = discovery.ok ? [] : discoveryFailures(discovery.stderr || discovery.error || "");
  if (!discovery.ok && unlistable.length === 0) unlistable.push({ what: "API discovery", why: firstLine(discovery.error ?? "") });
  const resources = listableResources(discovery.stdout);
  if (resources.length === 0) {
    throw new Error(`kubectl api-resources: no listable kind (${firstLine(discovery.stderr || discovery.error || "empty answer")}); nothing was changed`);
  }
  const all = await kubectl.answer(listArgs(resources.join(",")));
  const objects: ListedObject[] = all.ok ? items(all.stdout) : [];
  if (!all.ok) {
    // One kind failed (a CRD whose conversion webhook is gone, a broken aggregated API ...): list each, to name it.
    for (const r of resources) {
      const one = await kubectl.answer(listArgs(r));
      if (one.ok) objects.push(...items(one.stdout));
      else unlistable.push({ what: r, why: firstLine(one.stderr || one.error || "") });
    }
  }
  return { objects, unlistable: [...unlistable, ...unavailableApiServices(objects)] };
}
