/** A simulated bench brought up and provisioned by the real engine for one end-to-end file, and its removal. */
import type { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { openStack } from "../../lib/engine/workspace";
import { requireToolchain } from "../../lib/engine/toolchain";
import { openBenchAccess, type BenchAccess } from "../../lib/remote/bench-access";
import { simDown, simUp, type SimBench } from "../../lib/sim/sim";
import { labHome } from "../../lib/spec/nodes";
import { labRunning } from "./wait";

/** kubectl from a test, synchronously, with a kubeconfig file: its stdout (throws with kubectl's stderr). */
function kubectlSync(kubeconfigFile: string, args: readonly string[], input?: string): string {
  return execFileSync("kubectl", [`--kubeconfig=${kubeconfigFile}`, ...args], { encoding: "utf8", input });
}

export interface ProvisionedSim {
  readonly sim: SimBench;
  readonly stack: Stack;
  /** The bench as the instructor's commands reach it (closed by `removeSim`). */
  readonly access: BenchAccess;
  /** The lab user's home on the controller, as this machine sees it. */
  readonly home: string;
  /** kubectl against the bench with its kubeconfig output (in a private directory `removeSim` deletes). */
  kubectl(args: readonly string[], input?: string): string;
  /** Closes the access and deletes the kubeconfig directory. */
  close(): void;
}

/** Removes any earlier copy of the bench, brings it up, `pulumi up`s its stack and waits for the lab pods. */
export async function provisionSim(room: number, bench: number): Promise<ProvisionedSim> {
  requireToolchain(); // throws, naming what is missing and how to build it
  await simDown(room, bench);
  const sim = await simUp(room, bench);
  const stack = await openStack(sim.stackName);
  const up = await stack.up({ onOutput: () => {} });
  expect(up.summary.result).toBe("succeeded");
  const access = await openBenchAccess(stack);
  const dir = mkdtempSync(path.join(os.tmpdir(), `e2e-room${room}-bench${bench}-kc-`));
  const close = () => {
    access.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const kubeconfigFile = path.join(dir, "config");
    writeFileSync(kubeconfigFile, access.kubeconfig, { mode: 0o600 });
    await labRunning(access.kubeconfig);
    return { sim, stack, access, home: labHome(access.spec), kubectl: (args, input) => kubectlSync(kubeconfigFile, args, input), close };
  } catch (e) {
    close();
    throw e;
  }
}

/** Closes what `provisionSim` opened (when it got that far), removes the bench, and checks no namespace of it is left. */
export async function removeSim(room: number, bench: number, provisioned: ProvisionedSim | undefined): Promise<void> {
  provisioned?.close();
  await simDown(room, bench);
  expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toMatch(new RegExp(`nl${room}x${bench}-`));
}
