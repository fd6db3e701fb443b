/**
 * The local read cache (docs/decisions.md, "The read cache"): records already decrypted and
 * verified on this device, kept per client in .git/chart/cache/<cid>.cache (profiles in
 * _clients.cache), sealed to this device and this chart (cache-seal.ts). Never committed or
 * pushed.
 *
 * Each file records the commit its entries were read at. When HEAD has moved since, the record
 * files that changed between the two commits (one `git diff-tree`, cache-sync.ts) lose their
 * entries; the others are still exactly what HEAD holds. Files that differ from HEAD in the work
 * tree are never served from the cache. A cache that is missing, unreadable, sealed by another
 * device or for another chart or key, or damaged, is ignored and rebuilt.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AnyRecord, ChartRecord } from "../domain/record.js";
import { isChartRecord, shapesText } from "../domain/record-shape.js";
import { writeFileAtomic } from "./atomic.js";
import { seal, unseal } from "./cache-seal.js";
import { changedBetween } from "./cache-sync.js";
import type { Chart } from "./repo.js";

export interface CacheFile {
  v: 2;
  /** The commit the entries were read at (undefined: none yet). */
  commit?: string;
  /**
   * The field rules every entry was checked against (shapesFingerprint): entries are cached only
   * after their shape check, so a hit is not checked again under the same rules.
   */
  shapes?: string;
  entries: Record<string, ChartRecord>;
}

export const cacheDir = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "cache");

/** Which cache file holds a record path: its client's, the profiles' one, or none ("_other"). */
export function cacheGroup(path: string): string {
  const m = /^clients\/([a-z0-9_]+)\/(profile\.age|[a-z]+\/)/.exec(path);
  if (!m) return "_other";
  return m[2] === "profile.age" ? "_clients" : (m[1] as string);
}

/**
 * Cache files already opened by this command, per chart: a timeline or a search reads three
 * kinds of one client, and the client's cache file is opened once, not three times.
 */
const opened = new WeakMap<Chart, Map<string, Promise<CacheFile>>>();

/** A group's cache as of `head`: entries of files changed since its commit dropped. */
export function loadCache(chart: Chart, group: string, head: string | undefined): Promise<CacheFile> {
  let byGroup = opened.get(chart);
  if (!byGroup) opened.set(chart, (byGroup = new Map<string, Promise<CacheFile>>()));
  const key = `${group}@${head ?? ""}`;
  let p = byGroup.get(key);
  if (!p) byGroup.set(key, (p = readCache(chart, group).then((c) => bringUpTo(chart, c, head))));
  return p;
}

/** Caches brought forward to a newer commit since they were read from disk: to be saved. */
const moved = new WeakSet<CacheFile>();
export const cacheMoved = (cache: CacheFile): boolean => moved.has(cache);

async function bringUpTo(chart: Chart, cache: CacheFile, head: string | undefined): Promise<CacheFile> {
  if (cache.commit === head) return cache;
  const changed = cache.commit && head ? await changedBetween(chart, cache.commit, head) : undefined;
  const entries: Record<string, ChartRecord> = {};
  if (changed) for (const [p, rec] of Object.entries(cache.entries)) if (!changed.has(p)) entries[p] = rec;
  const out: CacheFile = { v: 2, commit: head, shapes: cache.shapes, entries };
  moved.add(out);
  return out;
}

async function readCache(chart: Chart, group: string): Promise<CacheFile> {
  const empty: CacheFile = { v: 2, entries: {} };
  let data: Uint8Array;
  try {
    data = await readFile(join(cacheDir(chart), `${group}.cache`));
  } catch {
    return empty;
  }
  const text = await unseal(chart, data);
  if (text === undefined) return empty;
  try {
    const parsed = JSON.parse(text) as CacheFile;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- parsed is a file from disk: another version or a damaged cache
    if (!(parsed.v === 2 && parsed.entries && typeof parsed.entries === "object" && (parsed.commit === undefined || typeof parsed.commit === "string"))) return empty;
    if (parsed.shapes === shapesFingerprint()) return parsed;
    // Written under other field rules (another version of chart): each entry is checked once
    // here; one that fails is dropped, read again from its file and named there.
    const entries: Record<string, ChartRecord> = {};
    for (const [p, r] of Object.entries(parsed.entries as unknown as Record<string, AnyRecord>)) if (isChartRecord(r)) entries[p] = r;
    const checked: CacheFile = { v: 2, commit: parsed.commit, shapes: shapesFingerprint(), entries };
    moved.add(checked); // saved with the mark
    return checked;
  } catch {
    return empty;
  }
}

let shapesMark: string | undefined;
/**
 * The mark of the field rules a cache's entries passed: a hash of the rules (shapesText), made
 * once a process. Native SHA-256: a hash loop in JavaScript cost 2–4 ms of every warm listing.
 */
export const shapesFingerprint = (): string => (shapesMark ??= createHash("sha256").update(shapesText()).digest("hex").slice(0, 20));

export async function saveCache(chart: Chart, group: string, cache: CacheFile): Promise<void> {
  await mkdir(cacheDir(chart), { recursive: true, mode: 0o700 });
  const marked: CacheFile = { ...cache, shapes: shapesFingerprint() }; // every entry passed checkShape
  await writeFileAtomic(join(cacheDir(chart), `${group}.cache`), await seal(chart, JSON.stringify(marked)), 0o600);
  await rm(join(cacheDir(chart), `${group}.age`), { force: true }); // the same group's cache in the format before (an age file)
}
