/** Waiting on a real cluster in the end-to-end tests. */
import { waitForLab, type ClusterState } from "../../lib/facts/cluster-state";

/** Polls `probe` until it returns a value (errors count as "not yet"), or fails naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The three lab pods Running with IPs and webserver-service-1 with its endpoint (lib's `waitForLab`, 2 min). */
export function labRunning(kubeconfig: string, timeoutMs = 120_000): Promise<ClusterState> {
  return waitForLab(kubeconfig, timeoutMs);
}
