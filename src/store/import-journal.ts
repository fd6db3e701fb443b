/**
 * All-or-nothing imports across crashes (docs/decisions.md, "Imports are all or nothing").
 *
 * Before `chart import` writes its first file it writes a journal, .git/chart/import-TAG.journal:
 * the paths it will create, the folders it will make and the tag of its temporary files. The
 * single `git commit` is the point where the import happens; the journal is removed after it.
 * A journal found by a later command therefore means the import was killed. If its commit is in
 * HEAD (git may finish a commit its parent was killed during), the import stands and only the
 * journal goes; otherwise every file and folder it made is removed and its paths unstaged, so
 * the chart is exactly as before and the same import can simply be run again. This runs before
 * the generic "commit what a dead writer left" recovery, which must never commit half an import.
 */
import { readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { storageError } from "../domain/errors.js";
import { writeFileAtomic } from "./atomic.js";
import { gitOr, retryIndexLock, type Git } from "./git.js";
import { ownerGone, withLock } from "./lock.js";
import { pidAlive } from "./pid.js";
import { eachLimit } from "./pool.js";
import type { Chart } from "./repo.js";

export interface ImportJournal {
  v: 1;
  tag: string;
  /** Record paths the import creates, relative to the chart root. */
  paths: string[];
  /** Folders it creates (none existed before), relative to the chart root. */
  dirs: string[];
}

const chartDir = (gitDir: string) => join(gitDir, "chart");
const PREFIX = "import-";
const SUFFIX = ".journal";
export const journalPath = (gitDir: string, tag: string): string => join(chartDir(gitDir), `${PREFIX}${tag}${SUFFIX}`);

/** Where a record's temporary file goes while an import writes it. */
export const importTemp = (root: string, path: string, tag: string): string =>
  join(root, dirname(path), `.${path.slice(path.lastIndexOf("/") + 1)}${tag}`);

export async function writeJournal(gitDir: string, j: ImportJournal): Promise<void> {
  await writeFileAtomic(journalPath(gitDir, j.tag), JSON.stringify(j), 0o600);
}

export async function removeJournal(gitDir: string, tag: string): Promise<void> {
  await rm(journalPath(gitDir, tag), { force: true });
}

async function journals(gitDir: string): Promise<string[]> {
  const names = await readdir(chartDir(gitDir)).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX));
}

/** Remove what an import made (files, temporary files, folders) and unstage its paths. */
export async function undoImport(chart: Pick<Chart, "root" | "gitDir">, git: Git, j: ImportJournal): Promise<void> {
  // The files first, so they are gone even when git cannot be asked (its index locked).
  await eachLimit(j.paths, async (p) => {
    await rm(importTemp(chart.root, p, j.tag), { force: true });
    await rm(join(chart.root, p), { force: true });
  });
  // Deepest first; a folder that is not empty (someone else's file) stays.
  for (const d of [...j.dirs].sort((a, b) => b.length - a.length)) await rmdir(join(chart.root, d)).catch(() => undefined);
  // Out of the index again: the paths are new (the import's commit did not land), so removing
  // their entries is exactly an unstage; by name on standard input, linear in the import.
  if (j.paths.length) {
    await retryIndexLock(() => gitOr("reset", () => git.raw(["update-index", "--force-remove", "-z", "--stdin"], { input: `${j.paths.join("\0")}\0` })));
  }
}

/** Wait for git's index lock to go: git may still be finishing a commit a killed import began. */
async function waitForIndex(gitDir: string): Promise<void> {
  const lock = join(gitDir, "index.lock");
  for (let i = 0; i < 100; i++) {
    if (!(await stat(lock).then(() => true, () => false))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw storageError("E_INDEX_LOCKED", "git's index is locked (.git/index.lock) while undoing an interrupted import", "if no git command is running, remove .git/index.lock, then run any chart command again");
}

function inHead(git: Git, path: string): Promise<boolean> {
  return git.raw(["cat-file", "-e", `HEAD:${path}`]).then(
    () => true,
    () => false,
  );
}

/**
 * Settle every journal left by a killed import. Call only while holding the writer lock: an
 * import holds it from before its journal is written until after it is removed, so any journal
 * seen under the lock is a dead import's.
 */
export async function recoverImports(chart: Chart): Promise<{ undone: number; kept: number }> {
  let undone = 0;
  let kept = 0;
  const names = await journals(chart.gitDir);
  if (names.length) {
    await waitForIndex(chart.gitDir);
    const git = await chart.git();
    for (const name of names) {
      const file = join(chartDir(chart.gitDir), name);
      let j: ImportJournal | undefined;
      try {
        j = JSON.parse(await readFile(file, "utf8")) as ImportJournal;
      } catch {
        j = undefined;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the journal is parsed from a file left by an earlier run
      if (j && j.v === 1 && Array.isArray(j.paths)) {
        // One commit holds every path of an import: one path in HEAD means all of them.
        const landed = j.paths.length > 0 && (await inHead(git, j.paths[0] as string));
        if (landed) kept += 1;
        else {
          await undoImport(chart, git, j);
          undone += 1;
        }
      }
      await rm(file, { force: true });
    }
  }
  // A journal's own temporary file, from an import killed while writing it, and the list of
  // paths a killed import handed to git.
  for (const n of await staleLeftovers(chart.gitDir)) await rm(n, { force: true });
  return { undone, kept };
}

async function staleLeftovers(gitDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of await readdir(chartDir(gitDir)).catch(() => [] as string[])) {
    const m = /^\.import-.*\.tmp-(\d+)-/.exec(n);
    if (m && !pidAlive(Number(m[1]))) out.push(join(chartDir(gitDir), n));
  }
  for (const n of await readdir(gitDir).catch(() => [] as string[])) {
    const m = /^chart-(?:import|undo)-(\d+)-[0-9a-f]+\.paths$/.exec(n) ?? /^chart-undo-\.tmp-(\d+)-[0-9a-f]+\.paths$/.exec(n);
    if (m && !pidAlive(Number(m[1]))) out.push(join(gitDir, n));
  }
  return out;
}

/**
 * From any command, before it reads: if a killed import left a journal and no live writer
 * holds the chart, settle it now, so no command ever sees half an import.
 */
export async function settleImports(chart: Chart): Promise<void> {
  if ((await journals(chart.gitDir)).length === 0 && (await staleLeftovers(chart.gitDir)).length === 0) return;
  const holder = await readFile(join(chart.gitDir, "chart.lock"), "utf8").catch(() => undefined);
  if (holder !== undefined && !(await ownerGone(holder))) return; // a live import: it finishes or fails by itself
  await withLock(chart.gitDir, 5_000, () => recoverImports(chart));
}
