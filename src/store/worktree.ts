/**
 * The work tree is what was verified: before records of a client are used, its folder must
 * hold exactly what the verified commit (HEAD) holds. A record missing, added, replaced by an
 * older version or changed without a commit is named, and the command refuses. HEAD's side is
 * read from its trees for that folder only (`git ls-tree`, which does not read the index: a
 * `git status` reads all of it, ~40 ms at 50,000 records); the files' side is hashed here.
 * fsck uses `git status` over everything (treeChanges).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ChartError, invalid } from "../domain/errors.js";
import { TEMP_MARK } from "./atomic.js";
import type { Git } from "./git.js";
import { blobOid, catFileBatch } from "./git-objects.js";
import { eachLimit } from "./pool.js";
import type { Chart } from "./repo.js";

export interface TreeChange {
  path: string;
  change: "missing" | "added" | "changed";
}

/** Differences between the work tree (and index) and HEAD under these pathspecs. */
export async function treeChanges(git: Git, pathspecs: readonly string[]): Promise<TreeChange[]> {
  const out = await git.raw(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", ...pathspecs]);
  const changes: TreeChange[] = [];
  for (const entry of out.split("\0")) {
    if (entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    const path = entry.slice(3);
    const change = xy === "??" || xy.includes("A") ? "added" : xy.includes("D") ? "missing" : "changed";
    changes.push({ path, change });
  }
  return changes.sort((a, b) => a.path.localeCompare(b.path));
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
  const todo = pathspecs.filter((p) => !seen.has(p));
  if (todo.length === 0) return;
  const git = await chart.git();
  let changes = await headChanges(chart.root, git, todo);
  if (changes.length > 0) {
    const { withWriteLock } = await import("./write-lock.js");
    await withWriteLock(chart, async () => undefined).catch((e: unknown) => {
      if (!(e instanceof ChartError)) throw e;
    });
    changes = await headChanges(chart.root, git, todo);
  }
  if (changes.length > 0) throw worktreeError(changes);
  for (const p of todo) seen.add(p);
}

/** The folders (pathspecs) to check before reading these record paths. */
export function pathspecsFor(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const m = /^clients\/([^/]+)\/(.+)$/.exec(p);
    if (!m) continue;
    if (m[2] === "profile.age") out.add(PROFILES);
    else out.add(`clients/${m[1]}`);
  }
  return [...out];
}

/** Files git ignores in a chart (.gitignore): temp files of atomic writes, lock files. */
const ignored = (name: string): boolean => name.includes(TEMP_MARK) || name.endsWith(".lock");

async function walkFiles(root: string, dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(join(root, dir), { withFileTypes: true }).catch(() => [])) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) await walkFiles(root, rel, out);
    else if (!ignored(e.name)) out.push(rel);
  }
}

/** HEAD's blobs under a folder, from its trees only. */
async function headBlobs(git: Git, dir: string): Promise<Map<string, string>> {
  const out = await git.raw(["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", `${dir}/`]).catch(() => "");
  const blobs = new Map<string, string>();
  for (const entry of out.split("\0")) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (m) blobs.set(m[2] as string, m[1] as string);
  }
  return blobs;
}

async function compare(root: string, want: Map<string, string>, have: readonly string[]): Promise<TreeChange[]> {
  const changes: TreeChange[] = [];
  const present = new Set(have);
  for (const path of want.keys()) if (!present.has(path)) changes.push({ path, change: "missing" });
  await eachLimit(have, async (path) => {
    const oid = want.get(path);
    if (oid === undefined) return void changes.push({ path, change: "added" });
    const data = await readFile(join(root, path)).catch(() => undefined);
    if (data === undefined) return void changes.push({ path, change: "missing" });
    if (blobOid(data, oid.length === 64 ? "sha256" : "sha1") !== oid) changes.push({ path, change: "changed" });
  });
  return changes;
}

const PROFILES = ":(glob)clients/*/profile.age";

/** Differences between the work tree and HEAD for client folders (and PROFILES: every profile). */
export async function headChanges(root: string, git: Git, pathspecs: readonly string[]): Promise<TreeChange[]> {
  const changes: TreeChange[] = [];
  for (const spec of pathspecs) {
    if (spec === PROFILES) {
      const listed = await git.raw(["ls-tree", "-z", "--full-tree", "HEAD", "--", "clients/"]).catch(() => "");
      const inHead = listed.split("\0").map((e) => /^\d+ tree [0-9a-f]+\t(.+)$/s.exec(e)?.[1]).filter((p): p is string => p !== undefined);
      const onDisk = (await readdir(join(root, "clients")).catch(() => [] as string[])).filter((d) => !ignored(d)).map((d) => `clients/${d}`);
      // Names chart never makes (a line break, pathspec magic) are reported as they are, never passed on.
      const odd = onDisk.filter((d) => !/^clients\/[a-z0-9_]+$/.test(d));
      for (const d of odd) changes.push({ path: d, change: "added" });
      const dirs = [...new Set([...inHead, ...onDisk.filter((d) => !odd.includes(d))])];
      const objs = await catFileBatch(git, dirs.map((d) => `HEAD:${d}/profile.age`));
      const want = new Map<string, string>();
      for (const d of dirs) {
        const o = objs.get(`HEAD:${d}/profile.age`);
        if (o) want.set(`${d}/profile.age`, o.oid);
      }
      const have: string[] = [];
      await eachLimit(dirs, async (d) => {
        if ((await readdir(join(root, d)).catch(() => [] as string[])).includes("profile.age")) have.push(`${d}/profile.age`);
      });
      changes.push(...(await compare(root, want, have)));
      continue;
    }
    const files: string[] = [];
    await walkFiles(root, spec, files);
    changes.push(...(await compare(root, await headBlobs(git, spec), files)));
  }
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}
