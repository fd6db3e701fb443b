/**
 * Checking many record files at once (a cold rebuild of the read cache, `chart fsck --decrypt`):
 * docs/decisions.md, "Where the time goes". With worker threads (decrypt-pool.ts), the files go
 * to them in batches of paths: each worker reads its batch's files one at a time and decrypts,
 * verifies and shape-checks them (record-check.ts), so the main thread does no per-file work but
 * take the results, no file's bytes cross threads, and at most two batches per worker are in
 * flight (bounded: files open at once are at most one per worker). Without workers (a few files,
 * or the sources run by the tests), the same check runs in-process, bounded by pool.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DecryptPool } from "./decrypt-pool.js";
import { eachLimit } from "./pool.js";
import { checkRecordFile, type FileJob, type FileResult } from "./record-check.js";
import type { Chart } from "./repo.js";

/** Files per message to a worker: enough that the message costs nothing, few enough to share work evenly. */
export const CHECK_BATCH = 32;

/**
 * Check each file and hand each result to `each` as it comes (not in order). A result whose
 * record decrypted and verified is counted as read (the access log).
 */
export async function checkFiles(
  chart: Chart,
  jobs: readonly FileJob[],
  opts: { fsck: boolean; pool?: DecryptPool | undefined },
  each: (r: FileResult) => void,
): Promise<void> {
  const took = (r: FileResult): void => {
    if (!("notAge" in r) && (!("error" in r) || r.error.code === "E_RECORD_SHAPE")) chart.touched.read.add(r.path);
    each(r);
  };
  const pool = opts.pool;
  if (!pool) {
    const read = (path: string) => readFile(join(chart.root, path));
    await eachLimit(jobs, async (job) => took(await checkRecordFile(chart.cipher, chart.macKey, job, read, { fsck: opts.fsck })));
    return;
  }
  const starts = Array.from({ length: Math.ceil(jobs.length / CHECK_BATCH) }, (_, i) => i * CHECK_BATCH);
  await eachLimit(
    starts,
    async (at) => {
      for (const r of await pool.check(chart.root, jobs.slice(at, at + CHECK_BATCH), opts.fsck)) took(r);
    },
    pool.size * 2,
  );
}
