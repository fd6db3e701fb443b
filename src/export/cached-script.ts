/**
 * Compile and run a CommonJS file as a vm.Script with the V8 code cache the build made for it
 * (`<file>.v8-cache`, scripts/code-cache.mjs). Node 20 has no compile cache for ES modules, so
 * the code that starts often and is large is built as CommonJS and loaded here: the CLI bundle
 * (src/cli/boot.ts) and the share's PDF worker with pdfkit inside it (src/export/pdf-worker-boot.ts).
 * A cache that is missing or that V8 rejects (another Node version, another build) costs nothing
 * but the compile it would have saved: the script is compiled from source as usual.
 *
 * The cache sits beside the code it was made from, written only by the build: it is trusted like
 * the code itself, and nothing is written at run time.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import vm from "node:vm";

export const cacheFile = (file: string): string => `${file}.v8-cache`;

export interface CachedScript {
  /** What the file put in module.exports. */
  exports: Record<string, unknown>;
  /** How it was compiled: with the cache, without one, or with one V8 refused. */
  cache: "used" | "none" | "rejected";
  /** The compiled script (the build makes the cache from it after a training run). */
  script: vm.Script;
}

/**
 * Compile and evaluate the CommonJS file at `file`, with its code cache when there is one: the
 * first of `caches` that exists (the CLI has a smaller one for its listings: src/cli/boot.ts).
 */
export function loadCached(file: string, caches: readonly string[] = [cacheFile(file)]): CachedScript {
  const source = readFileSync(file, "utf8");
  const cachePath = caches.find((f) => existsSync(f));
  const cachedData = cachePath ? readFileSync(cachePath) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // No import() option: a function restored from a code cache loses it (Node 20), so these
    // files are built without dynamic import() (rolldown.config.mjs; tests check they hold none).
  });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, script, cache: !cachedData ? "none" : script.cachedDataRejected ? "rejected" : "used" };
}
