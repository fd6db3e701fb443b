/**
 * The work tree is what was verified: before records of a client are used, its folder must
 * hold exactly what the verified commit (HEAD) holds. A record missing, added, replaced by an
 * older version or changed without a commit is named, and the command refuses. One
 * `git status` limited to the client's folder (git compares against its index's stat data and
 * rehashes what changed). Reading HEAD's trees with `git ls-tree` and hashing the files was
 * tried: git's stat comparison was faster (it reads no file that did not change). A clean answer
 * is remembered per folder, keyed on HEAD, the index and every file's stats, so an unchanged
 * folder needs no git process at all (src/store/worktree-cache.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ChartError, invalid } from "../domain/errors.js";
import type { Git } from "./git.js";
import type { Chart } from "./repo.js";
import { knownIntact, rememberIntact, stampOf, treeKey, type Stamp } from "./worktree-cache.js";

export interface TreeChange {
  path: string;
  change: "missing" | "added" | "changed";
}

/** Every client's folder, as one pathspec (a whole-chart read: search, a cold rebuild). */
export const ALL_CLIENT_FOLDERS = ":(glob)clients/cl_*/**";
const CLIENT_FOLDER = /^clients\/cl_[A-Za-z0-9_-]+$/;
const IN_CLIENT_FOLDER = /^clients\/cl_[^/]*\//;

/*
 * git compares each file, and each folder its untracked cache holds, with the stats it stored,
 * whatever the user's git config says: ctime too (a file's or folder's mtime can be set back,
 * its ctime cannot), and every stat field.
 */
const STRICT_STAT = ["-c", "core.trustctime=true", "-c", "core.checkStat=default"];

/** A status of the whole work tree, untracked folders shown as folders (git's default). */
const WHOLE_STATUS = ["status", "--porcelain=v1", "-z", "--untracked-files=normal", "--no-renames"];

/**
 * Differences between the work tree (and index) and HEAD under these pathspecs.
 *
 * Every client's folder at once (ALL_CLIENT_FOLDERS: a search, a cold rebuild) is one status of
 * the whole work tree, its answer then kept to the client folders, so that git can use its
 * untracked cache (docs/verifiable-history.md, "A search over the whole chart"). git uses the
 * cache only for a status without pathspecs, and for a folder only while the folder's stats are
 * as stored, which creating, removing or renaming any name in it changes. Listing 1,207 folders
 * for new files was about half of this status's time on the large chart. The check itself never
 * writes (`--no-optional-locks`): the cache is stored by writers (storeUntrackedCache).
 * Untracked folders are named as folders ("clients/cl_…/extra/").
 */
export async function treeChanges(git: Git, pathspecs: readonly string[], opts: { toplevel?: boolean } = {}): Promise<TreeChange[]> {
  // The whole tree's paths are the repository's: only where the chart's folder is the top of its
  // repository (it holds .git) are they the chart's own ("clients/…"). Otherwise, the pathspec.
  const whole = opts.toplevel === true && pathspecs.length === 1 && pathspecs[0] === ALL_CLIENT_FOLDERS;
  const out = whole
    ? await git.raw([...STRICT_STAT, "-c", "core.untrackedCache=keep", ...WHOLE_STATUS])
    : await git.raw([...STRICT_STAT, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", ...pathspecs]);
  const changes: TreeChange[] = [];
  for (const entry of out.split("\0")) {
    if (entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    const path = entry.slice(3);
    if (whole && !IN_CLIENT_FOLDER.test(path)) continue;
    const change = xy === "??" || xy.includes("A") ? "added" : xy.includes("D") ? "missing" : "changed";
    changes.push({ path, change });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Store git's untracked cache in its index, for the whole-chart check above: a status that may
 * write the index (`optionalLocks`), with the cache on and git told to save what it listed
 * (GIT_FORCE_UNTRACKED_CACHE). Called by writers, under the writer lock, after work that touched
 * folders across the chart (an import, a sync that brought commits, a key change); any other
 * write leaves only its own folders to be listed again. A cache that cannot be stored costs
 * speed only, so a failure here is ignored.
 */
export async function storeUntrackedCache(git: Git): Promise<void> {
  await git.raw([...STRICT_STAT, "-c", "core.untrackedCache=true", ...WHOLE_STATUS], { optionalLocks: true, env: { GIT_FORCE_UNTRACKED_CACHE: "1" } }).catch(() => undefined);
}

const describe = (c: TreeChange): string =>
  c.change === "missing" ? `${c.path} is missing` : c.change === "added" ? `${c.path} is not in the verified history` : `${c.path} differs from the verified history`;

export function worktreeError(changes: readonly TreeChange[]): ChartError {
  const list = changes.slice(0, 5).map(describe).join("; ");
  const more = changes.length > 5 ? ` (and ${changes.length - 5} more)` : "";
  const err = invalid(
    "E_WORKTREE_CHANGED",
    `records changed outside chart: ${list}${more}; nothing was read or written`,
    "see `chart fsck`; put back the verified files with `git checkout HEAD -- clients` (and remove added files), or review and commit them with `chart fsck --adopt`",
  );
  return err;
}

/**
 * Refuse when records under these client folders differ from the verified commit. A writer
 * that died leaving its records uncommitted is recovered first (under the writer lock).
 */
export async function assertIntact(chart: Chart, pathspecs: readonly string[]): Promise<void> {
  if (!chart.checkWorkTree) return;
  const seen = (chart.intact ??= new Set<string>());
  // A client's folder is covered once every client's folder was checked in this command: a cold
  // rebuild reads 300 folders after one whole-chart check, and stat'ing every file of each again
  // (70,000 lstat calls, a git process per folder not yet remembered) was a tenth of its CPU.
  const all = seen.has(ALL_CLIENT_FOLDERS);
  let todo = pathspecs.filter((p) => !seen.has(p) && !(all && CLIENT_FOLDER.test(p)));
  if (todo.length === 0) return;
  // A folder known clean at exactly these stats needs no git process (src/store/worktree-cache.ts).
  const stamps = new Map<string, Stamp & { racy: boolean }>();
  for (const p of todo) {
    const s = await stampOf(chart, p, realNowNs()).catch(() => undefined);
    if (!s) continue;
    // A file changed in the last 2 seconds: its stats may not show a later change ("racy").
    const known = s.racyFiles ? false : await knownIntact(chart, p, s);
    if (known === "same" && !s.racy) seen.add(p);
    else if (known && known !== "same") {
      seen.add(p);
      // Known again at today's HEAD and index, so the next command needs no git at all.
      if (!s.racy) await rememberIntact(chart, p, { ...s, tree: known.tree }).catch(() => undefined);
    } else stamps.set(p, s);
  }
  todo = todo.filter((p) => !seen.has(p));
  if (todo.length === 0) return;
  const git = await chart.git();
  const toplevel = existsSync(join(chart.root, ".git"));
  let changes = await treeChanges(git, todo, { toplevel });
  if (changes.length > 0) {
    const { withWriteLock } = await import("./write-lock.js");
    await withWriteLock(chart, () => Promise.resolve(undefined)).catch((e: unknown) => {
      if (!(e instanceof ChartError)) throw e;
    });
    changes = await treeChanges(git, todo, { toplevel });
  }
  if (changes.length > 0) throw worktreeError(changes);
  for (const p of todo) {
    seen.add(p);
    // Remembered only if nothing moved while git looked, and nothing is racy.
    const before = stamps.get(p);
    if (!before || before.racy) continue;
    const after = await stampOf(chart, p, realNowNs()).catch(() => undefined);
    if (after && !after.racy && after.head === before.head && after.index === before.index && after.digest === before.digest) {
      const tree = await treeKey(chart, p).catch(() => undefined);
      await rememberIntact(chart, p, { ...after, ...(tree !== undefined ? { tree } : {}) }).catch(() => undefined); // a cache: failing to write it changes nothing
    }
  }
}

/** The real time, for file system raciness (never the command's clock, which a test may set). */
const realNowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/**
 * The folders (pathspecs) to check before reading these record paths. A profile is covered by
 * its client's folder when that was checked already (`checked`, the command's chart.intact):
 * reading the profile of the client a command named (found by id, its folder checked) needs no
 * `git status` of every client's profile.
 */
export function pathspecsFor(paths: readonly string[], checked?: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const m = /^clients\/([^/]+)\/(.+)$/.exec(p);
    if (!m) continue;
    const folder = `clients/${m[1]}`;
    if (m[2] !== "profile.age") out.add(folder);
    else if (!checked?.has(folder)) out.add(":(glob)clients/*/profile.age");
  }
  return [...out];
}
