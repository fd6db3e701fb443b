/**
 * Reading and writing records: decrypt + verify on read, encrypt + atomic write + one commit
 * on write, under the chart's writer lock. A file that fails is named; the others still work.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { ChartError, invalid, keyError } from "../domain/errors.js";
import { KIND_DIR, parseRecordPath, recordPath, type AnyRecord, type BaseRecord, type RecordKind } from "../domain/record.js";
import { writeFileAtomic } from "./atomic.js";
import { parseEnvelope, serialize } from "./envelope.js";
import { commitPaths } from "./git.js";
import type { Chart } from "./repo.js";
import { withWriteLock } from "./write-lock.js";
import { cacheGroup, fileSig, loadCache, saveCache } from "./cache.js";
import { assertIntact, pathspecsFor } from "./worktree.js";

export interface ReadFailure {
  path: string;
  error: ChartError;
}

export interface ReadResult<T> {
  records: T[];
  failures: ReadFailure[];
}


export async function readRecordAt(chart: Chart, path: string): Promise<AnyRecord> {
  let data: Uint8Array;
  try {
    data = await readFile(join(chart.root, path));
  } catch {
    throw new ChartError("notFound", "E_NO_RECORD", `${path} does not exist`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await chart.cipher.decrypt(data));
  } catch {
    throw keyError("E_DECRYPT", `${path} cannot be decrypted (corrupted, or not encrypted to this identity)`, "restore it from git history (git checkout -- PATH), or run chart fsck");
  }
  const record = parseEnvelope(text, path, chart.macKey);
  chart.touched.read.add(path);
  return record;
}

/** Paths of one kind for one client (or client profiles when kind is "client"). */
export async function listRecordPaths(chart: Chart, kind: RecordKind, client?: string): Promise<string[]> {
  if (kind === "client") {
    const ids = await readdir(join(chart.root, "clients")).catch(() => [] as string[]);
    return ids.filter((d) => d.startsWith("cl_")).sort().map((d) => `clients/${d}/profile.age`);
  }
  if (!client) throw new Error("listRecordPaths needs a client for " + kind);
  const dir = `clients/${client}/${KIND_DIR[kind]}`;
  const files = await readdir(join(chart.root, dir)).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith(".age") && !f.startsWith(".")).sort().map((f) => `${dir}/${f}`);
}

/**
 * Read many paths, collecting failures instead of stopping at the first. Records whose files
 * are unchanged since this device last read them come from the local cache; the rest are
 * decrypted and verified (in parallel), and the cache is brought up to date.
 */
export async function readPaths(chart: Chart, paths: readonly string[]): Promise<ReadResult<AnyRecord>> {
  await assertIntact(chart, pathspecsFor(paths)); // the work tree is what was verified
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const g = cacheGroup(p);
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  const records: AnyRecord[] = [];
  const failures: ReadFailure[] = [];
  await Promise.all(
    [...groups].map(async ([group, list]) => {
      const cache = await loadCache(chart, group);
      let changed = false;
      const results = await Promise.all(
        list.map(async (path) => {
          const sig = await fileSig(join(chart.root, path));
          const hit = sig !== undefined ? cache.entries[path] : undefined;
          if (hit && hit.sig === sig) {
            chart.touched.read.add(path);
            return { record: hit.rec };
          }
          try {
            const record = await readRecordAt(chart, path);
            if (sig !== undefined && sig === (await fileSig(join(chart.root, path)))) {
              cache.entries[path] = { sig, rec: record };
              changed = true;
            }
            return { record };
          } catch (e) {
            if (e instanceof ChartError) return { failure: { path, error: e } };
            throw e;
          }
        }),
      );
      for (const r of results) {
        if ("record" in r && r.record) records.push(r.record);
        else if ("failure" in r && r.failure) failures.push(r.failure);
      }
      if (changed) {
        // Forget entries for files that are gone, then save; a cache that cannot be written
        // costs speed only.
        if (group !== "_clients") {
          const read = new Set(list);
          for (const p of Object.keys(cache.entries)) if (!read.has(p) && (await fileSig(join(chart.root, p))) === undefined) delete cache.entries[p];
        }
        await saveCache(chart, group, cache).catch(() => undefined);
      }
    }),
  );
  const order = new Map(paths.map((p, i) => [p, i]));
  const at = (r: AnyRecord) => order.get(recordPath(r.kind, r.client, r.id)) ?? 0;
  records.sort((a, b) => at(a) - at(b));
  return { records, failures };
}

export async function readKind<T extends BaseRecord>(chart: Chart, kind: RecordKind, client?: string): Promise<ReadResult<T>> {
  const res = await readPaths(chart, await listRecordPaths(chart, kind, client));
  return res as ReadResult<T>;
}

export async function readRecord<T extends BaseRecord>(chart: Chart, kind: RecordKind, client: string, id: string): Promise<T> {
  await assertIntact(chart, pathspecsFor([recordPath(kind, client, id)]));
  return (await readRecordAt(chart, recordPath(kind, client, id))) as T;
}

export interface Change {
  record: AnyRecord;
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
  const encrypted = await Promise.all(
    planned.map(async ({ path, record }) => ({ path, data: await chart.cipher.encrypt(serialize(record as AnyRecord, path, chart.macKey)) })),
  );
  const git = await chart.git();
  return withWriteLock(chart, async () => {
    const paths = [...encrypted.map((e) => e.path), ...remove];
    const before = await Promise.all(paths.map((p) => readFile(join(chart.root, p)).catch(() => undefined)));
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
