/**
 * Bulk writes for `chart import`: many new records as one commit, fast enough for tens of
 * thousands of files. Under the writer lock a journal is written first (import-journal.ts), then
 * every record is encrypted and written under a temporary name (ignored by git), its bytes also
 * streamed into a git pack (blob-pack.ts), then all are renamed into place, then all paths are
 * staged and committed in one `git update-index` (which finds every blob in the pack) and one
 * commit, the paths passed through a pathspec file rather than the command line. There is no
 * fsync per file and per folder: the commit is the point of durability (and `commitRecords`
 * remains the path for everyday single-record writes). If anything fails, or the process is
 * killed, everything written is removed and unstaged (now, or by the next command from the
 * journal), so the chart is left as it was.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { conflict, errorFor, invalid } from "../domain/errors.js";
import { groupBy } from "../domain/events.js";
import { parseRecordPath, recordPath, type BaseRecord } from "../domain/record.js";
import { TEMP_MARK } from "./atomic.js";
import { serialize } from "./envelope.js";
import { openBlobPack, type BlobPack, type PackTarget } from "./blob-pack.js";
import { commitStaged, gitEnv, gitOr, retryIndexLock } from "./git.js";
import { storeUntrackedCache } from "./worktree.js";
import type { Chart } from "./repo.js";
import { importTemp, removeJournal, undoImport, writeJournal, type ImportJournal } from "./import-journal.js";
import { eachLimit } from "./pool.js";
import { decryptPool } from "./decrypt-pool.js";
import { COLD_READ } from "./records.js";
import { readFailure } from "./read-error.js";
import { withWriteLock } from "./write-lock.js";


export interface BulkProgress {
  (phase: "encrypt" | "write" | "commit", done: number, total: number): void;
}

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    (e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw readFailure(p, e);
    },
  );

/**
 * The first of `paths` (relative to `root`) that exists, by one `readdir` per folder instead of
 * an `lstat` per path (70,000 of them were a second and a half of an import's set-up, with the
 * workers idle). Names are compared case folded: on a case-insensitive file system another
 * case of a name is the same file, as lstat would have found; elsewhere such a name is refused
 * too. A folder that does not exist holds nothing; any other failure is named.
 */
async function firstExisting(root: string, paths: readonly string[]): Promise<string | undefined> {
  const byDir = groupBy(paths, dirname);
  let clash: string | undefined;
  await eachLimit([...byDir], async ([d, inDir]) => {
    let names: string[];
    try {
      names = await readdir(join(root, d));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw readFailure(join(root, d), e);
    }
    const have = new Set(names.map((n) => n.toLowerCase()));
    clash ??= inDir.find((p) => have.has(basename(p).toLowerCase()));
  });
  return clash;
}

/**
 * Write new records (none may exist yet) and commit them with `message`. Returns the paths.
 * Refuses, writing nothing, when a target path already exists.
 */
export async function commitNewRecords(
  chart: Chart,
  records: readonly BaseRecord[],
  message: string,
  progress?: BulkProgress,
  /**
   * The full records, made one at a time in the order of `records` (which then need only kind,
   * client and id): an import makes each again from its line when it is written instead of
   * holding every record (src/cli/commands/import.ts).
   */
  make?: Iterator<BaseRecord>,
): Promise<string[]> {
  if (records.length === 0) return [];
  // The record to write for the next planned path (eachLimit starts its calls in order).
  const full = (planned: BaseRecord): BaseRecord => {
    if (!make) return planned;
    const n = make.next();
    if (n.done || n.value.id !== planned.id || n.value.kind !== planned.kind || n.value.client !== planned.client) {
      throw errorFor("E_INTERNAL", "bulk write: the records made do not match the planned paths; nothing was written", "run the import again");
    }
    return n.value;
  };
  const planned = records.map((r) => {
    const path = recordPath(r.kind, r.client, r.id);
    if (!parseRecordPath(path)) throw invalid("E_BAD_PATH", `cannot place a ${r.kind} record`);
    return { path, record: r };
  });
  const seen = new Set<string>();
  for (const p of planned) {
    if (seen.has(p.path)) throw invalid("E_DUPLICATE_ID", `two records would be written to ${p.path}`);
    seen.add(p.path);
  }
  const paths = planned.map((p) => p.path);
  const git = await chart.git();
  return withWriteLock(chart, async () => {
    const clash = await firstExisting(chart.root, paths);
    if (clash) throw conflict("E_EXISTS", `${clash} already exists; nothing was written`, "import adds records, it never replaces them");
    // The folders this import makes (parents before children), so an undo removes exactly them.
    const dirs: string[] = [];
    const wanted = new Set<string>();
    for (const p of paths) for (let d = dirname(p); d !== "." && d !== "clients" && !wanted.has(d); d = dirname(d)) wanted.add(d);
    await eachLimit([...wanted].sort(), async (d) => {
      if (!(await exists(join(chart.root, d)))) dirs.push(d);
    });
    dirs.sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    const tag = `${TEMP_MARK}${process.pid}-${randomBytes(4).toString("hex")}`;
    const journal: ImportJournal = { v: 1, tag, paths, dirs };
    const listFile = join(chart.gitDir, `chart-import-${process.pid}-${randomBytes(4).toString("hex")}.paths`);
    // The journal is on disk before the first file: a kill at any later moment is undone (or,
    // if the commit landed, kept) by the next command (import-journal.ts).
    await writeJournal(chart.gitDir, journal);
    let pack: BlobPack | undefined;
    try {
      for (const d of dirs) await mkdir(join(chart.root, d), { recursive: true, mode: 0o700 });
      // Each record is encrypted and written under its temporary name in one step, a bounded
      // number at a time (docs/decisions.md, "Bounded file work"): nothing encrypted is held
      // in memory, so memory does not grow with the import.
      progress?.("encrypt", 0, paths.length);
      let done = 0;
      const every = Math.max(1, Math.floor(paths.length / 100));
      // Serialized, encrypted and written in worker threads (one per core, decrypt-pool.ts)
      // when the built CLI runs; in-process otherwise (the same bytes' format either way).
      const pool = planned.length >= COLD_READ ? decryptPool(chart) : undefined;
      // Each file's bytes also go to git as they are written, into a pack (one per worker), so
      // staging below writes no object files (src/store/blob-pack.ts).
      const target: PackTarget = { gitDir: chart.gitDir, env: gitEnv(chart.env) };
      pack = pool ? undefined : openBlobPack(target);
      await eachLimit(planned, async ({ path, record: plan }) => {
        const record = full(plan);
        const file = importTemp(chart.root, path, tag);
        if (pool) await pool.encodeTo(path, record, file, target);
        else {
          const data = await chart.cipher.encrypt(serialize(record, path, chart.macKey));
          await Promise.all([writeFile(file, data, { mode: 0o600, flag: "wx" }), pack?.add(data)]);
        }
        done += 1;
        if (done % every === 0 || done === paths.length) progress?.("write", done, paths.length);
      });
      // The packs end (git writes their index files) while the files are renamed into place;
      // staging, below, needs both (0.5 s of the large chart's import was the packs' ending alone).
      // A pack that fails to end costs only speed (blob-pack.ts), so it never rejects here: the
      // renames are always settled, all of them, before this goes on or the import is undone.
      const packed = (pool ? pool.finishPacks() : pack?.finish())?.catch(() => false);
      pack = undefined;
      await Promise.all([packed, eachLimit(paths, (path) => rename(importTemp(chart.root, path, tag), join(chart.root, path)))]);
      progress?.("commit", 0, paths.length);
      // Staged by name on standard input: `git add` with one pathspec per file is quadratic
      // (10,000 files 2.3 s of git CPU, 20,000 files 8.6 s); update-index is linear (0.16 s).
      await retryIndexLock(() => gitOr("add", () => git.raw(["update-index", "--add", "-z", "--stdin"], { input: `${paths.join("\0")}\0` })));
      // One signed commit (src/store/git.ts): with nothing else staged, the index is the tree
      // (otherwise these paths are added to a private index, named through this file).
      await writeFile(listFile, `${paths.join("\0")}\0`, { mode: 0o600 });
      await commitStaged(git, message, paths, { pathspecFile: listFile });
      await removeJournal(chart.gitDir, tag);
      // New files in folders across the chart: git's untracked cache is stored again for the
      // whole-chart check (src/store/worktree.ts).
      await storeUntrackedCache(git);
      progress?.("commit", paths.length, paths.length);
      for (const p of paths) chart.touched.written.add(p);
      return paths;
    } catch (e) {
      void pack?.finish(); // what it holds no commit names (blob-pack.ts)
      await undoImport(chart, git, journal).catch(() => undefined);
      await removeJournal(chart.gitDir, tag);
      throw e;
    } finally {
      await rm(listFile, { force: true });
    }
  });
}
