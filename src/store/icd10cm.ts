/**
 * Loading the shipped ICD-10-CM code set (data/icd10cm/icd10cm-YYYY.tsv.gz, built by
 * scripts/build-icd10cm.mjs from the official order file). The newest year present is used.
 * When no code set is installed, codes are checked by format only (and chart says so).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseCompact, type Icd10CodeSet } from "../domain/icd10-set.js";

/** The package's data/icd10cm folder (from src/store or from the dist bundle). */
export function codeSetDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "data", "icd10cm");
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

let cached: { dir: string; set: Icd10CodeSet | undefined } | undefined;

/** The newest code set in `dir` (default: the package's), or undefined when none is installed. */
export function loadCodeSet(dir: string | undefined = codeSetDir()): Icd10CodeSet | undefined {
  if (!dir) return undefined;
  if (cached?.dir === dir) return cached.set;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^icd10cm-\d{4}\.tsv\.gz$/.test(f)).sort() : [];
  const newest = files[files.length - 1];
  const set = newest ? parseCompact(gunzipSync(readFileSync(join(dir, newest))).toString("utf8"), newest.slice(8, 12)) : undefined;
  cached = { dir, set };
  return set;
}
