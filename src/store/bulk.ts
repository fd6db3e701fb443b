/**
 * Bulk writes for `chart import`: many new records as one commit, fast enough for tens of
 * thousands of files. Records are encrypted in parallel before the writer lock is taken; under
 * the lock every file is written under a temporary name (ignored by git), then all are renamed
 * into place, then all paths are staged and committed in one `git add` and one `git commit`, the paths
 * passed through a pathspec file rather than the command line. There is no fsync per file and
 * per folder: the commit is the point of durability (and `commitRecords` remains the path for
 * everyday single-record writes). If anything fails, the files written are removed and
 * unstaged, so the chart is left as it was.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { conflict, invalid } from "../domain/errors.js";
import { parseRecordPath, recordPath, type AnyRecord, type BaseRecord } from "../domain/record.js";
import { TEMP_MARK } from "./atomic.js";
import { serialize } from "./envelope.js";
import { commitStaged, gitOr, retryIndexLock } from "./git.js";
import type { Chart } from "./repo.js";
import { withWriteLock } from "./write-lock.js";


const BATCH = 256;

export interface BulkProgress {
  (phase: "encrypt" | "write" | "commit", done: number, total: number): void;
}

async function inBatches<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, onBatch?: (done: number) => void): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    out.push(...(await Promise.all(items.slice(i, i + BATCH).map(fn))));
    onBatch?.(Math.min(i + BATCH, items.length));
  }
  return out;
}

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

/**
 * Write new records (none may exist yet) and commit them with `message`. Returns the paths.
 * Refuses, writing nothing, when a target path already exists.
 */
export async function commitNewRecords(
  chart: Chart,
  records: readonly BaseRecord[],
  message: string,
  progress?: BulkProgress,
): Promise<string[]> {
  if (records.length === 0) return [];
  const planned = records.map((r) => {
    const path = recordPath(r.kind, r.client, r.id);
    if (!parseRecordPath(path)) throw invalid("E_BAD_PATH", `cannot place a ${r.kind} record`);
    return { path, record: r as AnyRecord };
  });
  const seen = new Set<string>();
  for (const p of planned) {
    if (seen.has(p.path)) throw invalid("E_DUPLICATE_ID", `two records would be written to ${p.path}`);
    seen.add(p.path);
  }
  const encrypted = await inBatches(
    planned,
    async ({ path, record }) => ({ path, data: await chart.cipher.encrypt(serialize(record, path, chart.macKey)) }),
    (n) => progress?.("encrypt", n, planned.length),
  );
  const git = await chart.git();
  return withWriteLock(chart, async () => {
    const taken = await inBatches(encrypted, async ({ path }) => ((await exists(join(chart.root, path))) ? path : undefined));
    const clash = taken.find((p) => p !== undefined);
    if (clash) throw conflict("E_EXISTS", `${clash} already exists; nothing was written`, "import adds records, it never replaces them");
    for (const dir of new Set(encrypted.map((e) => dirname(join(chart.root, e.path))))) await mkdir(dir, { recursive: true, mode: 0o700 });
    const written: string[] = [];
    const listFile = join(chart.gitDir, `chart-import-${process.pid}-${randomBytes(4).toString("hex")}.paths`);
    const paths = encrypted.map((e) => e.path);
    const tag = `${TEMP_MARK}${process.pid}-${randomBytes(4).toString("hex")}`;
    const temp = (path: string) => join(chart.root, dirname(path), `.${path.slice(path.lastIndexOf("/") + 1)}${tag}`);
    let staged = false;
    try {
      // All files under temporary names first (git ignores them; a dead writer's are swept),
      // then all renamed at once: a writer killed midway leaves at most the short rename phase
      // half done, never a half-written file.
      await inBatches(
        encrypted,
        ({ path, data }) => writeFile(temp(path), data, { mode: 0o600, flag: "wx" }),
        (n) => progress?.("write", n, encrypted.length),
      );
      await inBatches(encrypted, async ({ path }) => {
        await rename(temp(path), join(chart.root, path));
        written.push(path);
      });
      await writeFile(listFile, `${paths.join("\0")}\0`, { mode: 0o600 });
      progress?.("commit", 0, paths.length);
      staged = true;
      await retryIndexLock(() => gitOr("add", () => git.raw(["add", "--pathspec-from-file", listFile, "--pathspec-file-nul"])));
      // One signed commit (src/store/git.ts): with nothing else staged, the index is the tree.
      await commitStaged(git, message, paths, listFile);
      progress?.("commit", paths.length, paths.length);
      for (const p of paths) chart.touched.written.add(p);
      return paths;
    } catch (e) {
      if (staged) await git.raw(["reset", "--quiet", "--pathspec-from-file", listFile, "--pathspec-file-nul"]).catch(() => undefined);
      await inBatches(paths, (p) => rm(temp(p), { force: true }));
      await inBatches(written, (p) => rm(join(chart.root, p), { force: true }));
      throw e;
    } finally {
      await rm(listFile, { force: true });
    }
  });
}
