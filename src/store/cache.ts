/**
 * The local read cache (design §11): records already decrypted and verified on this device, kept
 * per client in .git/chart/cache/<cid>.age (profiles in _clients.age), age-encrypted to this
 * device's key only, with an HMAC under the chart's MAC key. Never committed or pushed.
 *
 * An entry is used only while its file is exactly the one that was read: same inode, size,
 * modification and change time (nanoseconds). chart's own writes (temp file + rename), git
 * checkouts and pulls all give a new inode or times, so a changed file is always decrypted and
 * verified again. A cache that is missing, unreadable or fails its HMAC is ignored and rebuilt.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AnyRecord } from "../domain/record.js";
import { encryptFor } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import type { Chart } from "./repo.js";

interface CacheFile {
  v: 1;
  entries: Record<string, { sig: string; rec: AnyRecord }>;
}

const cacheDir = (chart: Pick<Chart, "gitDir">) => join(chart.gitDir, "chart", "cache");

/** Which cache file holds a record path: its client's, or the profiles' one. */
export function cacheGroup(path: string): string {
  const m = /^clients\/([a-z0-9_]+)\/(profile\.age|[a-z]+\/)/.exec(path);
  if (!m) return "_other";
  return m[2] === "profile.age" ? "_clients" : (m[1] as string);
}

export async function fileSig(abs: string): Promise<string | undefined> {
  try {
    const s = await stat(abs, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

const mac = (chart: Chart, body: string) => createHmac("sha256", chart.macKey).update("chart-cache-1\n").update(body).digest("hex");

/**
 * Cache files already opened by this command, per chart: a timeline or a search reads three
 * kinds of one client, and the client's cache file is decrypted once, not three times.
 */
const opened = new WeakMap<Chart, Map<string, Promise<CacheFile>>>();

export function loadCache(chart: Chart, group: string): Promise<CacheFile> {
  let byGroup = opened.get(chart);
  if (!byGroup) opened.set(chart, (byGroup = new Map<string, Promise<CacheFile>>()));
  let p = byGroup.get(group);
  if (!p) byGroup.set(group, (p = readCache(chart, group)));
  return p;
}

async function readCache(chart: Chart, group: string): Promise<CacheFile> {
  const empty: CacheFile = { v: 1, entries: {} };
  let data: Uint8Array;
  try {
    data = await readFile(join(cacheDir(chart), `${group}.age`));
  } catch {
    return empty;
  }
  try {
    const text = new TextDecoder().decode(await chart.cipher.decrypt(data));
    const nl = text.indexOf("\n");
    const given = Buffer.from(text.slice(0, nl));
    const body = text.slice(nl + 1);
    const want = Buffer.from(mac(chart, body));
    if (given.length !== want.length || !timingSafeEqual(given, want)) return empty;
    const parsed = JSON.parse(body) as CacheFile;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- parsed is a decrypted file: another version or a damaged cache
    return parsed.v === 1 && parsed.entries ? parsed : empty;
  } catch {
    return empty;
  }
}

export async function saveCache(chart: Chart, group: string, cache: CacheFile): Promise<void> {
  const body = JSON.stringify(cache);
  const data = await encryptFor(`${mac(chart, body)}\n${body}`, { recipients: [chart.identity.recipient] });
  await mkdir(cacheDir(chart), { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(cacheDir(chart), `${group}.age`), data, 0o600);
}
