/**
 * Reading and writing records: decrypt + verify on read, encrypt + atomic write + one commit
 * on write, under the chart's writer lock. A file that fails is named; the others still work.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { ChartError, invalid } from "../domain/errors.js";
import { KIND_DIR, ofKind, parseRecordPath, recordPath, type AnyRecord, type BaseRecord, type ChartRecord, type RecordKind, type RecordOf } from "../domain/record.js";
import { writeFileAtomic } from "./atomic.js";
import { serialize } from "./envelope.js";
import { commitPaths } from "./git.js";
import type { Chart } from "./repo.js";
import { withWriteLock } from "./write-lock.js";
import { cacheGroup, cacheMoved, loadCache, saveCache, type CacheFile } from "./cache.js";
import { cacheHead, dirtyPaths, headBlobs, settledAt } from "./cache-sync.js";
import { eachLimit, mapLimit } from "./pool.js";
import { readFailure } from "./read-error.js";
import { decodeRecord } from "./decode-record.js";
import { decryptPool } from "./decrypt-pool.js";
import { progressOf, readProgress, type ProgressStep } from "./read-progress.js";
import { checkFiles } from "./cold-read.js";

/** From this many records to decrypt in one read, worker threads do it (a cold rebuild). */
export const COLD_READ = 64;
import { assertIntact, pathspecsFor } from "./worktree.js";

export interface ReadFailure {
  path: string;
  error: ChartError;
}

export interface ReadResult<T> {
  records: T[];
  failures: ReadFailure[];
}


// The shape check lives with the per-file check the workers share (record-check.ts).
export { checkShape, shapeFailure } from "./record-check.js";
import { checkShape, shapeFailure } from "./record-check.js";

/**
 * Decrypt and verify one file (envelope and MAC): what re-encryption, recovery and fsck need.
 * Reads for use go through `readPaths`/`readKind`/`readRecord`, which check the shape too.
 */
export async function readRecordAt(chart: Chart, path: string): Promise<AnyRecord> {
  let data: Uint8Array;
  try {
    data = await readFile(join(chart.root, path));
  } catch (e) {
    throw readFailure(path, e);
  }
  const record = await decodeRecord(chart.cipher, chart.macKey, path, data);
  chart.touched.read.add(path);
  return record;
}

/** A folder's entries; none when it does not exist, a named error when it cannot be read. */
export async function listDir(chart: Pick<Chart, "root">, dir: string): Promise<string[]> {
  try {
    return await readdir(join(chart.root, dir));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw readFailure(dir, e);
  }
}

/** Paths of one kind for one client (or client profiles when kind is "client"). */
export async function listRecordPaths(chart: Chart, kind: RecordKind, client?: string): Promise<string[]> {
  if (kind === "client") {
    const ids = await listDir(chart, "clients");
    return ids.filter((d) => d.startsWith("cl_")).sort().map((d) => `clients/${d}/profile.age`);
  }
  if (!client) throw new Error("listRecordPaths needs a client for " + kind);
  const dir = `clients/${client}/${KIND_DIR[kind]}`;
  const files = await listDir(chart, dir);
  return files.filter((f) => f.endsWith(".age") && !f.startsWith(".")).sort().map((f) => `${dir}/${f}`);
}

/**
 * Read many paths, collecting failures instead of stopping at the first. Records the local
 * cache holds for files unchanged since the commit it was read at come from the cache (no file
 * is opened or stat'ed for them); the rest are decrypted and verified (in parallel), and the
 * cache is brought up to date.
 */
export async function readPaths(chart: Chart, paths: readonly string[], opts: { progress?: ProgressStep } = {}): Promise<ReadResult<ChartRecord>> {
  const specs = pathspecsFor(paths, chart.intact);
  await assertIntact(chart, specs); // the work tree is what was verified
  const head = await cacheHead(chart);
  // Files that differ from HEAD in the work tree: read as they are, never cached. None when the
  // command checked the folders against the verified commit just above.
  const dirty = await dirtyPaths(chart, specs, chart.checkWorkTree === true);
  const cacheable = (p: string) => head !== undefined && !dirty.has(p) && cacheGroup(p) !== "_other";
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    if (!cacheable(p)) continue;
    const g = cacheGroup(p);
    const list = groups.get(g);
    if (list) list.push(p);
    else groups.set(g, [p]);
  }
  const names = [...groups.keys()];
  const loaded = new Map((await mapLimit(names, (g) => loadCache(chart, g, head))).map((c, i) => [names[i] as string, c]));
  const changed = new Set<string>(names.filter((g) => cacheMoved(loaded.get(g) as CacheFile)));
  type Result = { record: ChartRecord } | { failure: ReadFailure };
  const results: (Result | undefined)[] = new Array<Result | undefined>(paths.length);
  const misses: number[] = [];
  paths.forEach((path, i) => {
    const hit = cacheable(path) ? loaded.get(cacheGroup(path))?.entries[path] : undefined;
    if (hit) {
      chart.touched.read.add(path);
      // Shape-checked before it was cached, under the rules the cache file names (src/store/cache.ts).
      results[i] = { record: hit };
    } else misses.push(i);
  });
  // HEAD's blob of each file to cache: a record is cached only when the bytes decrypted are
  // exactly HEAD's (a file replaced while it was read is used, never cached).
  const toCache = misses.map((i) => paths[i] as string).filter(cacheable);
  const blobs = toCache.length > 0 && head ? await headBlobs(chart, head, toCache) : new Map<string, string>();
  // Then the rest, decrypted and verified: in worker threads when there are many (a cold
  // rebuild), with progress; each file is read once, by whoever checks it (cold-read.ts).
  const many = misses.length >= COLD_READ;
  const pool = many ? decryptPool(chart) : undefined;
  // Progress: the caller's counter over a longer read (given every path, cached or not), or
  // this read's own when it is a cold one.
  const own = many && !opts.progress ? progressOf(readProgress(chart), misses.length) : undefined;
  const progress = opts.progress ?? own;
  progress?.(paths.length - misses.length);
  // Each file once, its result at every place it was asked for.
  const at = new Map<string, number[]>();
  for (const i of misses) {
    const list = at.get(paths[i] as string);
    if (list) list.push(i);
    else at.set(paths[i] as string, [i]);
  }
  const jobs = [...at.keys()].map((path) => ({ path, blob: cacheable(path) ? blobs.get(path) : undefined }));
  try {
    await checkFiles(chart, jobs, { fsck: false, pool }, (r) => {
      const where = at.get(r.path) ?? [];
      progress?.(where.length);
      if ("error" in r) for (const i of where) results[i] = { failure: { path: r.path, error: r.error } };
      else if ("record" in r && r.record) {
        for (const i of where) results[i] = { record: r.record };
        if (r.cacheable) {
          const group = cacheGroup(r.path);
          (loaded.get(group) as CacheFile).entries[r.path] = r.record;
          changed.add(group);
        }
      }
    });
  } finally {
    own?.(0, true);
  }
  const records: ChartRecord[] = [];
  const failures: ReadFailure[] = [];
  for (const r of results) {
    if (!r) continue;
    if ("record" in r) records.push(r.record);
    else failures.push(r.failure);
  }
  // Saved only while HEAD is still the commit the entries belong to and no writer is at work; a
  // cache that cannot be written costs speed only.
  if (changed.size > 0 && (await settledAt(chart, head))) {
    await eachLimit([...changed], (group) => saveCache(chart, group, loaded.get(group) as CacheFile).catch(() => undefined));
  }
  // `results` keeps the order of `paths`.
  return { records, failures };
}

/** Every record of one kind for one client (or every client profile), each checked for shape. */
export async function readKind<K extends RecordKind>(chart: Chart, kind: K, client?: string): Promise<ReadResult<RecordOf<K>>> {
  const { records, failures } = await readPaths(chart, await listRecordPaths(chart, kind, client));
  // Every path listed is of this kind and each record's kind matched its path (checkEnvelope).
  return { records: records.filter(ofKind(kind)), failures };
}

/** One record, decrypted, verified and checked for shape. */
export async function readRecord<K extends RecordKind>(chart: Chart, kind: K, client: string, id: string): Promise<RecordOf<K>> {
  const path = recordPath(kind, client, id);
  await assertIntact(chart, pathspecsFor([path], chart.intact));
  const record = checkShape(path, await readRecordAt(chart, path));
  if (!ofKind(kind)(record)) throw shapeFailure(path, [`a ${record.kind} record where a ${kind} record belongs`]);
  return record;
}

/**
 * Write records (new or replacing) and remove paths, as one commit with a generic message.
 * Called with the records already validated; each path is checked against its record.
 */
export async function commitRecords(
  chart: Chart,
  records: readonly BaseRecord[],
  message: string,
  remove: readonly string[] = [],
): Promise<string[]> {
  if (records.length === 0 && remove.length === 0) return [];
  const planned = records.map((r) => {
    const path = recordPath(r.kind, r.client, r.id);
    const where = parseRecordPath(path);
    if (!where) throw invalid("E_BAD_PATH", `cannot place a ${r.kind} record`);
    return { path, record: r };
  });
  const encrypted = await mapLimit(planned, async ({ path, record }) => ({ path, data: await chart.cipher.encrypt(serialize(record, path, chart.macKey)) }));
  const git = await chart.git();
  return withWriteLock(chart, async () => {
    const paths = [...encrypted.map((e) => e.path), ...remove];
    const before = await mapLimit(paths, (p) => readFile(join(chart.root, p)).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw readFailure(p, e);
    }));
    try {
      for (const { path, data } of encrypted) await writeFileAtomic(join(chart.root, path), data, 0o600);
      for (const path of remove) await rm(join(chart.root, path), { force: true });
      await commitPaths(git, paths, message);
      for (const p of paths) chart.touched.written.add(p);
    } catch (e) {
      // Put the files back as they were, so a failed commit leaves the old state.
      await git.raw(["reset", "--quiet", "--", ...paths]).catch(() => undefined);
      for (const [i, p] of paths.entries()) {
        const old = before[i];
        if (old === undefined) await rm(join(chart.root, p), { force: true });
        else await writeFileAtomic(join(chart.root, p), old, 0o600);
      }
      throw e;
    }
    return paths;
  });
}
