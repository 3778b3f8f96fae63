/**
 * The facts operation (`netlab facts`): each selected bench's answer key, printed or written as DIR/<bench>.md
 * and DIR/<bench>.json; with --errata also the students' errata sheet (DIR/<bench>-errata.md, and printed).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describeObservation } from "../check/observation";
import { openStack } from "../engine/workspace";
import type { BenchOp, OpOutput } from "../fleet/run";
import { openBenchAccess } from "../remote/bench-access";
import type { BenchSpec } from "../spec/types";
import { gatherAnswerKey, type AnswerKey } from "./answer-key";
import { toJson, toMarkdown } from "./answer-key-format";
import { errataMarkdown } from "./errata";

/** The answer key and the spec it was read against. */
export async function readFacts(stackName: string, progress: (line: string) => void = () => {}): Promise<{ key: AnswerKey; spec: BenchSpec }> {
  const access = await openBenchAccess(await openStack(stackName, false));
  try {
    return { key: await gatherAnswerKey(access, progress), spec: access.spec };
  } finally {
    access.close();
  }
}

export async function readAnswerKey(stackName: string, progress: (line: string) => void = () => {}): Promise<AnswerKey> {
  return (await readFacts(stackName, progress)).key;
}

/** Writes `<dir>/<stack>.md` and `<dir>/<stack>.json`; returns both paths. */
export function writeAnswerKey(outDir: string, key: AnswerKey): { markdown: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, key.stack);
  writeFileSync(`${base}.md`, toMarkdown(key));
  writeFileSync(`${base}.json`, toJson(key));
  return { markdown: `${base}.md`, json: `${base}.json` };
}

/** Writes the students' errata sheet as `<dir>/<stack>-errata.md`; returns its path. */
export function writeErrata(outDir: string, key: AnswerKey, text: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${key.stack}-errata.md`);
  writeFileSync(file, text);
  return file;
}

function describeKey(k: AnswerKey): string {
  const pods = k.pods.map((p) => `${p.role} ${p.ip || "?"}@${p.node || "?"}`).join(", ");
  const unseen = k.pods.some((p) => !("value" in p.mac)) ? `; MAC/veth: ${describeObservation(k.pods[0]!.mac)}` : "";
  return `${pods}; webserver-service-1 ${k.clusterIps.webserverService1 || "?"}${unseen}`;
}

export interface FactsOptions {
  /** Also build the students' errata sheet: printed through `print`, and written next to the key when `outDir` is set. */
  readonly errata?: boolean;
  /** Where the errata sheet is printed (nothing when absent, e.g. with --json). */
  readonly print?: (text: string) => void;
}

/** The facts op, writing each bench's key (and errata sheet) under `outDir` when given. `data` is the AnswerKey. */
export function makeFactsOp(outDir?: string, options: FactsOptions = {}): BenchOp {
  return async (stackName, progress): Promise<OpOutput> => {
    const { key, spec } = await readFacts(stackName, progress);
    const written = outDir === undefined ? undefined : writeAnswerKey(outDir, key);
    let errataFile: string | undefined;
    if (options.errata) {
      const text = errataMarkdown(spec, key);
      options.print?.(`\n${text}`);
      if (outDir !== undefined) errataFile = writeErrata(outDir, key, text);
    }
    const files = [written?.markdown, errataFile].filter((f) => f !== undefined);
    return { changes: 0, detail: files.length > 0 ? `${describeKey(key)} -> ${files.join(", ")}` : describeKey(key), data: key };
  };
}

export const factsOp: BenchOp = makeFactsOp();
