/** gatherCheckFacts: what it asks kubectl for, and the budgets it gives each call on fast and slow benches. */
import { describe, expect, it } from "vitest";
import { gatherCheckFacts } from "../../lib/check/gather";
import type { BenchAccess } from "../../lib/remote/bench-access";
import type { KubectlOptions } from "../../lib/remote/kubectl";
import { specFor } from "../helpers/spec";

interface Call {
  args: readonly string[];
  timeoutMs: number | undefined;
}

const PODS = {
  items: [
    { metadata: { name: "client-1" }, spec: { nodeName: "compute1" }, status: { podIP: "10.233.65.5", phase: "Running" } },
    { metadata: { name: "client-2" }, spec: { nodeName: "compute2" }, status: { podIP: "10.233.66.5", phase: "Running" } },
  ],
};

/** An access whose kubectl answers the reads with small lists and records every call; SSH probes fail. */
function recordingAccess(scale: number): { access: BenchAccess; calls: Call[] } {
  const calls: Call[] = [];
  const answer = async (args: readonly string[], opts?: KubectlOptions): Promise<string> => {
    calls.push({ args, timeoutMs: opts?.timeoutMs });
    if (args.includes("pods")) return JSON.stringify(PODS);
    if (args.includes("exec")) return "ok";
    return JSON.stringify({ items: [] });
  };
  const kubectl = Object.assign(answer, { answer: async () => ({ code: 0, stdout: "", stderr: "" }) });
  const access = {
    stackName: "t",
    spec: specFor(27, 4, { timeouts: { scale } }),
    nodeRows: [],
    kubeconfig: "",
    kubectl,
    ssh: async () => {
      throw new Error("no SSH in this test");
    },
    connection: () => {
      throw new Error("no SSH in this test");
    },
    close: () => {},
  } as unknown as BenchAccess;
  return { access, calls };
}

async function curlCall(scale: number): Promise<Call> {
  const { access, calls } = recordingAccess(scale);
  const facts = await gatherCheckFacts(access);
  expect(facts.curlFromClient2).toMatchObject({ value: "ok" });
  const curl = calls.find((c) => c.args.includes("curl"));
  expect(curl, JSON.stringify(calls.map((c) => c.args))).toBeDefined();
  expect(curl!.args.slice(0, 4)).toEqual(["-n", "default", "exec", "client-2"]);
  return curl!;
}

describe("gatherCheckFacts", () => {
  it("curl from client-2 gets 10 s on a real bench and ten times that at timeouts.scale 10, inside kubectl's own limit", async () => {
    for (const [scale, seconds] of [
      [1, "10"],
      [10, "100"],
    ] as const) {
      const curl = await curlCall(scale);
      const budget = curl.args[curl.args.indexOf("--max-time") + 1];
      expect(budget, `scale ${scale}`).toBe(seconds);
      expect(curl.timeoutMs, "kubectl exec outlives curl's own budget").toBeGreaterThan(Number(seconds) * 1000);
    }
  });
});
