/**
 * The work-tree check's cache (docs/verifiable-history.md, "Cost"). `git status` of one client's
 * folder reads git's whole index (about 38 ms on a 50,000-note chart); most commands touch a
 * client whose folder has not changed since the last check. So a clean `git status` of a folder
 * is remembered, device-locally (.git/chart/intact/), keyed on everything that could change its
 * answer:
 *   - the commit HEAD points at (read from files),
 *   - git's index file (inode, size, mtime, ctime in nanoseconds),
 *   - every file under the folder (name, inode, size, mtime, ctime, mode): one SHA-256 over them.
 * Anything different, and the cache is not used: git status runs again, except when only HEAD or
 * the index moved and HEAD still holds the same under the folder (treeKey): a commit elsewhere in
 * the chart leaves this folder clean (docs/verifiable-history.md, "Cost"). A stamp is stored only
 * when the folder's stats were the same before and after a clean git status, and no file in it
 * changed in the last 2 seconds (a write within the file system's time granularity could keep
 * the same stats: git's "racy clean" problem, handled the same way). Each entry is
 * authenticated with a key derived from the chart's MAC key and this device's signing key, so
 * only this device can make one; a forged or copied entry is ignored.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { lstatSync, readdirSync, type Dirent } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { catFileBatch, catFileOids, readHeadNative } from "./git-objects.js";
import type { Git } from "./git.js";
import { sha256Hex } from "./hash.js";
import { deviceSecret } from "./device-secret.js";

/** What the cache needs of the chart. */
export interface CacheChart {
  root: string;
  gitDir: string;
  git?: () => Promise<Git>;
  macKey: Uint8Array;
  /** A key held here has its seed; one held by the unlock agent signs (docs/agent.md). */
  signingKey?: { seed?: Buffer; signDigest(namespace: string, hashAlg: "sha512", digest: Buffer): Promise<Buffer> };
}


export interface Stamp {
  head: string;
  index: string;
  digest: string;
  /**
   * What HEAD holds under the folder (treeKey below), when known: the second way a stamp can
   * match, after a commit elsewhere in the chart changed HEAD and the index but not this folder.
   */
  tree?: string;
}

const RACY_NS = 2_000_000_000n;
const PROFILES = ":(glob)clients/*/profile.age";

interface Scan {
  lines: string[];
  newest: bigint; // the newest mtime or ctime seen (ns)
}

/*
 * Stats are read one at a time with the synchronous calls: sequential (so bounded), and about four
 * times faster than the thread pool for a few hundred small lstat calls (1.9 ms against 8 ms for
 * 500 files), which is the whole point of this cache.
 */
function statInto(abs: string, rel: string, scan: Scan): void {
  const s = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  if (!s) {
    scan.lines.push(`${rel}\0-`);
    return;
  }
  scan.lines.push(`${rel}\0${s.ino}\0${s.size}\0${s.mtimeNs}\0${s.ctimeNs}\0${s.mode}`);
  if (s.mtimeNs > scan.newest) scan.newest = s.mtimeNs;
  if (s.ctimeNs > scan.newest) scan.newest = s.ctimeNs;
}

/**
 * Under `base` (the chart's folder ending in "/"): paths are joined by hand, not with path.join,
 * which normalizes each one and cost more than the lstat itself in a short-lived process (9 ms
 * for 300 profiles). Names come from readdir (never "." or "..", never a "/").
 */
function walk(base: string, rel: string, scan: Scan): void {
  let entries;
  try {
    entries = readdirSync(base + rel, { withFileTypes: true });
  } catch {
    scan.lines.push(`${rel}/\0-`);
    return;
  }
  for (const e of entries) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) {
      scan.lines.push(`${child}/`);
      walk(base, child, scan);
    } else statInto(base + child, child, scan);
  }
}

/** Which pathspecs the cache can stand for: one client's folder, or every client's profile. */
const cacheable = (pathspec: string): boolean => pathspec === PROFILES || /^clients\/cl_[A-Za-z0-9_-]+$/.test(pathspec);

/**
 * The stamp of a folder as it is now (undefined: not cacheable). `racy`: a file or the index changed
 * within the last 2 seconds of `nowNs`, the real time (file system times, not the command's clock).
 */
export async function stampOf(chart: CacheChart, pathspec: string, nowNs: bigint): Promise<(Stamp & { racy: boolean; racyFiles: boolean }) | undefined> {
  if (!cacheable(pathspec)) return undefined;
  const head = await readHeadNative(chart.gitDir);
  if (!head) return undefined;
  const idx = lstatSync(join(chart.gitDir, "index"), { bigint: true, throwIfNoEntry: false });
  if (!idx) return undefined;
  const scan: Scan = { lines: [], newest: 0n };
  const base = chart.root.endsWith("/") ? chart.root : `${chart.root}/`;
  if (pathspec === PROFILES) {
    let clients: Dirent[] = [];
    try {
      clients = readdirSync(join(chart.root, "clients"), { withFileTypes: true });
    } catch {
      scan.lines.push("clients/\0-");
    }
    for (const e of clients) {
      if (e.isDirectory()) statInto(`${base}clients/${e.name}/profile.age`, `clients/${e.name}/profile.age`, scan);
      else scan.lines.push(`clients/${e.name}\0not a folder`);
    }
  } else {
    walk(base, pathspec, scan);
  }
  scan.lines.sort();
  return {
    head,
    index: `${idx.ino}:${idx.size}:${idx.mtimeNs}:${idx.ctimeNs}`,
    digest: sha256Hex(scan.lines.join("\n")),
    racy: scan.newest + RACY_NS > nowNs || idx.mtimeNs + RACY_NS > nowNs,
    racyFiles: scan.newest + RACY_NS > nowNs,
  };
}

/**
 * What HEAD holds under a cacheable pathspec, as one string: for a client's folder, its tree's
 * object id in HEAD; for every client's profile, the names in HEAD's clients/ tree and each
 * profile's blob id. Read with `git cat-file` (two processes at most, a few milliseconds), not
 * `git status`, which reads the whole index and matches every path. Undefined when git cannot
 * say (no HEAD, no git): the caller then runs git status.
 */
export async function treeKey(chart: CacheChart, pathspec: string): Promise<string | undefined> {
  if (!cacheable(pathspec) || !chart.git) return undefined;
  const git = await chart.git();
  if (pathspec !== PROFILES) {
    const o = (await catFileBatch(git, [`HEAD:${pathspec}`])).get(`HEAD:${pathspec}`);
    return o ? `${o.type} ${o.oid}` : "missing";
  }
  const tree = (await catFileBatch(git, ["HEAD:clients"])).get("HEAD:clients");
  if (!tree) return "missing";
  if (tree.type !== "tree") return `${tree.type} ${tree.oid}`;
  const names = treeNames(tree.data);
  const requests = names.map((n) => `HEAD:clients/${n}/profile.age`);
  const found = await catFileOids(git, requests);
  return sha256Hex(names.map((n, i) => `${n}\0${found.get(requests[i] as string) ?? "-"}`).join("\n"));
}

/** The entry names of a git tree object (mode SP name NUL, then the raw object id). */
function treeNames(data: Buffer): string[] {
  const names: string[] = [];
  const idLen = 20; // SHA-1 repositories; a SHA-256 one gives names that do not parse and no key
  let at = 0;
  while (at < data.length) {
    const sp = data.indexOf(0x20, at);
    const nul = data.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0) break;
    names.push(data.toString("utf8", sp + 1, nul));
    at = nul + 1 + idLen;
  }
  return names;
}

const entryPath = (chart: CacheChart, pathspec: string): string => join(chart.gitDir, "chart", "intact", `${sha256Hex(pathspec).slice(0, 32)}.json`);

const macOf = async (chart: CacheChart, pathspec: string, s: Stamp): Promise<string> => {
  // This device's own secret (its signing key) and the chart's MAC key: another holder of a
  // chart key (a recovery key) cannot make an entry this device would use.
  const key = createHmac("sha256", chart.macKey).update("chart work-tree cache v1").update(await deviceSecret(chart)).digest();
  return createHmac("sha256", key).update(JSON.stringify([pathspec, s.head, s.index, s.digest, s.tree ?? null])).digest("hex");
};

const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Is this folder known clean at exactly this stamp? "same": HEAD, the index and every file's stats
 * are as when it was found clean (no git process). { tree }: the files' stats are the same and HEAD
 * holds the same under the folder (treeKey), though HEAD or the index moved (a commit elsewhere):
 * the work tree still matches HEAD there. Staged changes do not count here: a read uses the work
 * tree, and a commit checks the index itself (src/store/records.ts).
 */
export async function knownIntact(chart: CacheChart, pathspec: string, now: Stamp): Promise<"same" | { tree: string } | false> {
  const text = await readFile(entryPath(chart, pathspec), "utf8").catch(() => undefined);
  if (!text) return false;
  try {
    const e = JSON.parse(text) as Partial<Stamp & { mac: string }>;
    if (e.digest !== now.digest || typeof e.mac !== "string" || typeof e.head !== "string" || typeof e.index !== "string") return false;
    const stored: Stamp = { head: e.head, index: e.index, digest: e.digest, ...(typeof e.tree === "string" ? { tree: e.tree } : {}) };
    if (!same(e.mac, await macOf(chart, pathspec, stored))) return false;
    if (e.head === now.head && e.index === now.index) return "same";
    if (stored.tree === undefined) return false;
    const tree = await treeKey(chart, pathspec).catch(() => undefined);
    return tree !== undefined && tree === stored.tree ? { tree } : false;
  } catch {
    return false;
  }
}

/** Remember a folder as clean at this stamp. */
export async function rememberIntact(chart: CacheChart, pathspec: string, s: Stamp): Promise<void> {
  await mkdir(join(chart.gitDir, "chart", "intact"), { recursive: true, mode: 0o700 });
  const entry = { head: s.head, index: s.index, digest: s.digest, ...(s.tree !== undefined ? { tree: s.tree } : {}), mac: await macOf(chart, pathspec, s) };
  await writeFileAtomic(entryPath(chart, pathspec), `${JSON.stringify(entry)}\n`, 0o600);
}
