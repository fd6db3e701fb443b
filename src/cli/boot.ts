/**
 * Start the CLI bundle (dist/bundle/chart.cjs) with the V8 code cache made for it at build time
 * (scripts/code-cache.mjs): about half of a warm command's start-up was compiling the bundle
 * (docs/decisions.md, "Start-up"). Node 20 has no compile cache for ES modules, so the bundle is
 * CommonJS, compiled as a vm.Script with the cache as cachedData (src/export/cached-script.ts).
 * A cache that is missing or that V8 rejects (another Node version, another build) costs nothing
 * but the compile it would have saved: the script is compiled from source as usual.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type vm from "node:vm";
import { cacheFile as wholeCache, loadCached } from "../export/cached-script.js";
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
 * listing starts with the small one: about two thirds the size (docs/decisions.md, "Start-up").
 * A function a cache lacks is compiled when first called, as without one.
 */
export type CacheKind = "reads" | "all";
export const cacheFile = (file: string, kind: CacheKind = "all"): string => (kind === "all" ? wholeCache(file) : `${file}.reads.v8-cache`);

/** Also the loader of the PDF worker's cache: the build (scripts/code-cache.mjs) makes every cache through this file. */
export { loadCached };

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
  // No import() in the bundle (rolldown.config.mjs: pdfkit and the prompts library are
  // require()d; a test checks the bundle holds none): a function restored from a cache loses it.
  // Without the listings' cache, the whole one (it holds their code too).
  const { exports, script, cache } = loadCached(file, [cacheFile(file, kind), cacheFile(file)]);
  const run = exports.run as Bundle["run"] | undefined;
  if (typeof run !== "function") throw new Error(`${file} does not export run()`);
  return { run, script, cache };
}

/** bin/chart.js: load the bundle beside this file and run the command line. */
export async function boot(): Promise<number> {
  return loadBundle(join(dirname(fileURLToPath(import.meta.url)), BUNDLE), cacheKindFor(process.argv.slice(2))).run();
}
