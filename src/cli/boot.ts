/**
 * Start the CLI bundle (dist/bundle/chart.cjs) with the V8 code cache made for it at build time
 * (scripts/code-cache.mjs): about half of a warm command's start-up was compiling the bundle
 * (docs/decisions.md, "Start-up"). Node 20 has no compile cache for ES modules, so the bundle is
 * CommonJS, compiled here as a vm.Script with the cache as cachedData. A cache that is missing or
 * that V8 rejects (another Node version, another build) costs nothing but the compile it would
 * have saved: the script is compiled from source as usual.
 *
 * The cache sits beside the code it was made from, written only by the build: it is trusted like
 * the code itself, and nothing is written at run time.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { commandWords } from "./command-word.js";

export interface Bundle {
  run(argv?: string[]): Promise<number>;
  /** How the bundle was compiled: with the cache, without one, or with one V8 refused. */
  cache: "used" | "none" | "rejected";
  /** The compiled script (the build makes the cache from it after a training run). */
  script: vm.Script;
}

export const BUNDLE = "chart.cjs";

/**
 * Two caches of the same code: "reads", made from the everyday listings alone, and "all", from
 * every command the build runs (writes, a share). V8 restores a whole cache on every start, so a
 * listing starts with the small one: about half the size, about a tenth less start-up CPU (docs/
 * decisions.md, "Start-up"). A function a cache lacks is compiled when first called, as without one.
 */
export type CacheKind = "reads" | "all";
export const cacheFile = (file: string, kind: CacheKind = "all"): string => `${file}.${kind === "all" ? "v8-cache" : "reads.v8-cache"}`;

/**
 * The commands that start with the "reads" cache (their first two words, or the first alone):
 * those scripts/code-cache.mjs runs to make it (`readSteps`), and `note show`.
 */
export const READS = new Set(["client list", "client show", "note list", "note show", "timeline", "med list", "dx list", "search", "status"]);

/** Which cache a command line starts with. */
export function cacheKindFor(argv: readonly string[]): CacheKind {
  const [a, b] = commandWords(argv, 2);
  return a !== undefined && (READS.has(a) || (b !== undefined && READS.has(`${a} ${b}`))) ? "reads" : "all";
}

/** Compile and evaluate the bundle at `file` as CommonJS, with its code cache when there is one. */
export function loadBundle(file: string, kind: CacheKind = "all"): Bundle {
  const source = readFileSync(file, "utf8");
  // Without the listings' cache, the whole one (it holds their code too).
  const cachePath = [cacheFile(file, kind), cacheFile(file)].find((f) => existsSync(f));
  const cachedData = cachePath ? readFileSync(cachePath) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // No import() option: a function restored from a code cache loses it (Node 20), so the
    // bundle is built without dynamic import() (rolldown.config.mjs: pdfkit and the prompts
    // library are require()d; a test checks the bundle holds no import()).
  });
  const module = { exports: {} as { run?: Bundle["run"] } };
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  const run = module.exports.run;
  if (typeof run !== "function") throw new Error(`${file} does not export run()`);
  return { run, script, cache: !cachedData ? "none" : script.cachedDataRejected ? "rejected" : "used" };
}

/** bin/chart.js: load the bundle beside this file and run the command line. */
export async function boot(): Promise<number> {
  return loadBundle(join(dirname(fileURLToPath(import.meta.url)), BUNDLE), cacheKindFor(process.argv.slice(2))).run();
}
