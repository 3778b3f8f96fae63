/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: it runs before anything can compile TypeScript */
/* global require, module, __dirname, __filename */
"use strict";
/**
 * The Pulumi program, compiled ahead (lib/engine/main/ is Pulumi.yaml's `main`), in plain JavaScript so
 * the language host needs no TypeScript compiler at run time. The program (index.ts, components/, lib/) is compiled once per content, the way ts-node in
 * transpile-only mode did on every run (TypeScript's transpileModule, tsconfig.json's options), into
 * .netlab/program/<hash of the sources>/, and required from there. The type check stays `npm test`'s (tsc --noEmit).
 *
 * A build goes to a temporary directory renamed into place when complete, so benches started at once (a fleet
 * run) may build the same content side by side: one rename wins, the others' copies are dropped.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const REPO = path.resolve(__dirname, "..", "..");
const OUT_ROOT = path.join(REPO, ".netlab", "program");
/** Builds kept besides the current one (other checkouts' branches, a rollback). */
const KEEP = 4;

/** Every TypeScript source of the program, relative to the repository, sorted. */
function programSources() {
  const found = ["index.ts"];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(REPO, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) found.push(child);
    }
  };
  walk("components");
  walk("lib");
  return found.sort();
}

/** The compiled program's directory, built first when these sources have not been. */
function programDir() {
  const typescriptVersion = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [REPO] }), "utf8")).version;
  const tsconfig = fs.readFileSync(path.join(REPO, "tsconfig.json"), "utf8");
  const hash = crypto.createHash("sha256").update(`${typescriptVersion}\0${tsconfig}\0${fs.readFileSync(__filename, "utf8")}\0`);
  const sources = programSources().map((rel) => {
    const text = fs.readFileSync(path.join(REPO, rel), "utf8");
    hash.update(`${rel}\0${text}\0`);
    return { rel, text };
  });
  const out = path.join(OUT_ROOT, hash.digest("hex").slice(0, 20));
  if (fs.existsSync(path.join(out, ".complete"))) return out;

  const ts = require(require.resolve("typescript", { paths: [REPO] }));
  const parsed = ts.parseConfigFileTextToJson("tsconfig.json", tsconfig);
  if (parsed.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
  const { options } = ts.convertCompilerOptionsFromJson(parsed.config.compilerOptions, REPO);
  const compilerOptions = { ...options, sourceMap: false, inlineSourceMap: false, declaration: false, noEmit: false };
  fs.mkdirSync(OUT_ROOT, { recursive: true, mode: 0o700 });
  const tmp = fs.mkdtempSync(path.join(OUT_ROOT, ".build-"));
  try {
    for (const { rel, text } of sources) {
      const js = ts.transpileModule(text, { compilerOptions, fileName: path.join(REPO, rel), reportDiagnostics: false }).outputText;
      const file = path.join(tmp, rel.replace(/\.ts$/, ".js"));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, js);
    }
    fs.writeFileSync(path.join(tmp, ".complete"), `${new Date().toISOString()}\n`);
    try {
      fs.renameSync(tmp, out);
    } catch (e) {
      // Built beside us by another run: theirs is the same.
      if (!fs.existsSync(path.join(out, ".complete"))) throw e;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  prune(out);
  return out;
}

/** Drops all but the newest builds (and failed builds' leftovers). */
function prune(current) {
  const builds = fs
    .readdirSync(OUT_ROOT)
    .map((name) => path.join(OUT_ROOT, name))
    .filter((dir) => dir !== current && !path.basename(dir).startsWith("."))
    .map((dir) => ({ dir, mtime: fs.statSync(dir).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { dir } of builds.slice(KEEP)) fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { programDir, programSources, REPO };
