/**
 * How the read cache and the search index follow the repository (docs/decisions.md, "The read
 * cache"): each cache file records the commit it was last brought up to; when HEAD has moved
 * since (a commit, a pull, a sync, a checkout), one `git diff-tree` between the two commits
 * names the record files that changed, and only their entries are dropped. Files that differ
 * from HEAD in the work tree (not yet committed) are found with `git status` limited to the
 * folders read, and never taken from or put into the cache. No file is stat'ed for the cache.
 */
import type { Chart } from "./repo.js";
import { readHeadNative } from "./git-objects.js";
import { lockHeld } from "./lock.js";

/** The commit HEAD points at (read from the files, or asked of git), or undefined. */
export async function cacheHead(chart: Chart): Promise<string | undefined> {
  const native = await readHeadNative(chart.gitDir);
  if (native) return native;
  const git = await chart.git();
  const out = await git.raw(["rev-parse", "-q", "--verify", "HEAD^{commit}"]).catch(() => "");
  return out.trim() || undefined;
}

const diffs = new WeakMap<Chart, Map<string, Promise<Set<string> | undefined>>>();

/**
 * The paths under clients/ that differ between two commits (added, changed, removed), or
 * undefined when they cannot be compared (a commit no longer in the repository): then
 * everything cached from `from` is dropped. Asked once per pair of commits per command.
 */
export function changedBetween(chart: Chart, from: string, to: string): Promise<Set<string> | undefined> {
  let byPair = diffs.get(chart);
  if (!byPair) diffs.set(chart, (byPair = new Map<string, Promise<Set<string> | undefined>>()));
  const key = `${from}..${to}`;
  let p = byPair.get(key);
  if (!p) {
    p = (async () => {
      try {
        const git = await chart.git();
        const out = await git.raw(["diff-tree", "-r", "--no-renames", "--no-commit-id", "--name-only", "-z", from, to, "--", "clients"]);
        return new Set(out.split("\0").filter(Boolean));
      } catch {
        return undefined;
      }
    })();
    byPair.set(key, p);
  }
  return p;
}

/**
 * Paths under these pathspecs that differ from HEAD in the work tree or the index (changed,
 * added, removed, untracked): their files are read as they are and never cached. When the
 * command has already checked that these folders hold exactly HEAD (src/store/worktree.ts
 * refuses otherwise), there are none and git is not asked again.
 */
export async function dirtyPaths(chart: Chart, pathspecs: readonly string[], verified: boolean): Promise<Set<string>> {
  if (verified || pathspecs.length === 0) return new Set();
  const git = await chart.git();
  const out = await git.raw(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", ...pathspecs]);
  const dirty = new Set<string>();
  for (const entry of out.split("\0")) if (entry.length >= 4) dirty.add(entry.slice(3));
  return dirty;
}

/**
 * HEAD's blob id of each of these paths (one `git ls-tree`; by folder when there are thousands). A
 * record is cached only when the bytes it was decrypted from are this blob.
 */
export async function headBlobs(chart: Chart, head: string, paths: readonly string[]): Promise<Map<string, string>> {
  const git = await chart.git();
  const specs = paths.length > 2000 ? [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf("/"))))] : paths;
  const out = new Map<string, string>();
  const text = await git.raw(["ls-tree", "-r", "-z", "--full-tree", head, "--", ...specs.map((s) => `:(literal)${s}`)]).catch(() => "");
  for (const line of text.split("\0")) {
    const m = /^\d+ blob ([0-9a-f]{40,64})\t(.+)$/s.exec(line);
    if (m) out.set(m[2] as string, m[1] as string);
  }
  return out;
}

/**
 * May what was read at `head` be saved? Only while HEAD is still that commit and no writer is at
 * work: a writer between writing its files and committing them (or putting them back after a
 * failed commit) could have been read half-way.
 */
export async function settledAt(chart: Chart, head: string | undefined): Promise<boolean> {
  return head !== undefined && (await cacheHead(chart)) === head && !(await lockHeld(chart.gitDir));
}
