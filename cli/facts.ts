/** `netlab facts`: each selected bench's answer key, printed or written as DIR/<bench>.md and DIR/<bench>.json. */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { openBenchAccess } from "../lib/check/access";
import { describeObservation } from "../lib/check/observation";
import { openStack } from "../lib/engine/workspace";
import { gatherAnswerKey, toJson, toMarkdown, type AnswerKey } from "../lib/facts/answer-key";
import type { BenchOp, OpOutput } from "../lib/fleet/run";

export async function readAnswerKey(stackName: string, progress: (line: string) => void = () => {}): Promise<AnswerKey> {
  const access = await openBenchAccess(await openStack(stackName, false));
  try {
    return await gatherAnswerKey(access, progress);
  } finally {
    access.close();
  }
}

/** Writes `<dir>/<stack>.md` and `<dir>/<stack>.json`; returns both paths. */
export function writeAnswerKey(outDir: string, key: AnswerKey): { markdown: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, key.stack);
  writeFileSync(`${base}.md`, toMarkdown(key));
  writeFileSync(`${base}.json`, toJson(key));
  return { markdown: `${base}.md`, json: `${base}.json` };
}

function describeKey(k: AnswerKey): string {
  const pods = k.pods.map((p) => `${p.role} ${p.ip || "?"}@${p.node || "?"}`).join(", ");
  const unseen = k.pods.some((p) => !("value" in p.mac)) ? `; MAC/veth: ${describeObservation(k.pods[0]!.mac)}` : "";
  return `${pods}; webserver-service-1 ${k.clusterIps.webserverService1 || "?"}${unseen}`;
}

/** The facts op, writing each bench's key under `outDir` when given. `data` is the AnswerKey. */
export function makeFactsOp(outDir?: string): BenchOp {
  return async (stackName, progress): Promise<OpOutput> => {
    const key = await readAnswerKey(stackName, progress);
    const written = outDir === undefined ? undefined : writeAnswerKey(outDir, key);
    return { changes: 0, detail: written ? `${describeKey(key)} -> ${written.markdown}` : describeKey(key), data: key };
  };
}

export const factsOp: BenchOp = makeFactsOp();
