/** Small builders shared by the tests. */
import { parseBenchSpec } from "../../lib/spec/parse";
import type { RawBenchConfig } from "../../lib/spec/raw";
import type { BenchSpec } from "../../lib/spec/types";
import { BenchConfigError } from "../../lib/spec/problems";
import { KeyPresence } from "../../lib/spec/raw";

export const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKp4SOmeTestKeyOnlyForUnitTestsXXXXXXXXXXXXX";

/** A complete, valid raw config for a room and bench, with access fields filled. */
export function rawBench(room: number, bench: number, extra: RawBenchConfig = {}): RawBenchConfig {
  return {
    room,
    bench,
    sshPrivateKey: KeyPresence.Secret,
    nodes: Object.fromEntries(["controller", "compute1", "compute2", "compute3"].map((n) => [n, { hostKey: HOST_KEY }])),
    ...extra,
  };
}

export function specFor(room: number, bench: number, extra: RawBenchConfig = {}): BenchSpec {
  return parseBenchSpec(rawBench(room, bench, extra));
}

/** The problem lines of a config that must fail, or a thrown error if it parses. */
export function problemsOf(raw: RawBenchConfig, requireAccess = true): string[] {
  try {
    parseBenchSpec(raw, { requireAccess });
  } catch (e) {
    if (e instanceof BenchConfigError) return e.problems.map((p) => `${p.field}: ${p.message}`);
    throw e;
  }
  throw new Error("config was accepted, expected problems");
}
