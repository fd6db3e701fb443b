/**
 * Checking a chart: every file in the right place, every record decrypting and verifying (with
 * decrypt), the work tree against the verified commit (missing, added, older or changed records;
 * .chart/ changed without a commit), the whole history (every commit signed by a device trusted
 * at that point, .chart/ changed only by key changes, no rewind past the newest commit this
 * device verified), and stale temp files.
 */
import { open, readdir, readFile, rm } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { ChartError } from "../domain/errors.js";
import { parseRecordPath } from "../domain/record.js";
import { readAccessLog, type AccessLogRead } from "./access-log.js";
import { TEMP_MARK, tempWriter } from "./atomic.js";
import { commitPaths, headCommit, type Git } from "./git.js";
import { blobOid } from "./git-objects.js";
import { descends, readAnchor, verifyRange } from "./history.js";
import { readFailure } from "./read-error.js";
import { decryptPool, openDecryptPool, releaseDecryptPool } from "./decrypt-pool.js";
import { checkFiles } from "./cold-read.js";
import { COLD_READ, readRecordAt } from "./records.js";
import { readProgress } from "./read-progress.js";
import type { Chart } from "./repo.js";
import { treeChanges } from "./worktree.js";
import { withWriteLock } from "./write-lock.js";
import { eachLimit } from "./pool.js";
import { pidAlive } from "./pid.js";

export interface FsckProblem {
  path: string;
  code: string;
  message: string;
}

export interface FsckReport {
  files: number;
  decrypted: number;
  problems: FsckProblem[];
  /** Complete, verified records not in the verified history, newer than anything there: --repair commits them. */
  uncommitted: string[];
  tempFiles: string[];
  history: { checked: number; unadopted: string[] };
}

const AGE_MAGIC = "age-encryption.org/v1\n";

/** The first bytes of a file, enough to tell an age file from anything else. */
async function readHead(abs: string): Promise<string> {
  const fh = await open(abs, "r");
  try {
    const buf = Buffer.alloc(AGE_MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString("latin1");
  } finally {
    await fh.close();
  }
}
/** A record error's message without the path it starts with (fsck prints the path first). */
const withoutPath = (message: string, path: string): string => (message.startsWith(path) ? message.slice(path.length).replace(/^:?\s*/, "") : message);

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw readFailure(dir, e);
  }
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory() && !e.name.endsWith(".age")) await walk(root, rel, out);
    else out.push(rel);
  }
}

/**
 * Temp files a killed command left in this device's own state (.git/chart: the read cache, the
 * work-tree check's stamps, drafts, pins, the access log's head), named relative to the chart's
 * folder. Only a writer that is gone: these are written without the writer lock (a listing
 * refreshes the cache), so a running command's temp file is its own business. They are
 * encrypted or hold no record content; each is junk that nothing would ever rename into place.
 */
async function staleStateTemps(chart: Pick<Chart, "root" | "gitDir">): Promise<string[]> {
  const files: string[] = [];
  await walk(chart.gitDir, "chart", files);
  return files
    .filter((f) => {
      const name = basename(f);
      const pid = name.includes(TEMP_MARK) ? tempWriter(name) : undefined;
      return pid !== undefined && pid !== process.pid && !pidAlive(pid);
    })
    .map((f) => {
      const abs = join(chart.gitDir, f);
      const rel = relative(chart.root, abs);
      return rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
    });
}

/**
 * The access log checked (entries not kept), first, and with --decrypt (which starts workers
 * anyway) in a worker thread of its own when the built CLI has one: its lines are large (an
 * entry of a whole-chart read names every record), and V8 collects what reading them leaves
 * behind late, so in this thread it stacked on the paths and workers held later (the peak of
 * fsck --decrypt on the large chart). The worker's heap ends with it. When the worker cannot
 * read it (a line under an older MAC key, which git gives) or fails, the log is read here, with
 * the same findings.
 */
// The worker's old generation is capped (LOG_HEAP_MB): V8 then collects each line's garbage
// early instead of letting it (and the buffers it holds outside the heap, which the allocator
// keeps for the process after the worker ends) pile up. A line of a whole-chart read of 70,000
// records is 5.8 MB and needs about 30 MB while checked; a worker that runs out (a chart several
// times larger) ends with an error, and the log is then read here.
const LOG_HEAP_MB = 64;
async function checkAccessLog(chart: Chart, aside: boolean): Promise<AccessLogRead> {
  const pool = aside ? openDecryptPool(chart, 1, LOG_HEAP_MB) : undefined;
  if (!pool) return readAccessLog(chart, { entries: false });
  try {
    return await pool.accessLog(chart.root, chart.gitDir);
  } catch {
    return await readAccessLog(chart, { entries: false });
  } finally {
    await pool.close();
  }
}

/** Is this content a version the path had earlier in history (a rollback)? */
export async function isEarlierVersion(git: Git, path: string, data: Uint8Array): Promise<boolean> {
  const oid = blobOid(data);
  const out = await git.raw(["--literal-pathspecs", "log", "--format=", "--raw", "--no-abbrev", "--no-renames", "HEAD", "--", path]).catch(() => "");
  for (const line of out.split("\n")) {
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) /.exec(line);
    if (m && (m[1] === oid || m[2] === oid)) return true;
  }
  return false;
}

export async function fsck(chart: Chart, opts: { decrypt: boolean }): Promise<FsckReport> {
  const git = await chart.git();
  const log = await checkAccessLog(chart, opts.decrypt);
  const files: string[] = [];
  await walk(chart.root, "clients", files);
  const problems: FsckProblem[] = [];
  const tempFiles = [...files.filter((f) => f.includes(TEMP_MARK)), ...(await staleStateTemps(chart))];
  const records = files.filter((f) => !f.includes(TEMP_MARK));
  let decrypted = 0;
  // Bounded (docs/decisions.md, "Bounded file work"): nothing kept but the count and the
  // problems, so memory stays flat however large the chart. With --decrypt, the files are read,
  // decrypted and checked in worker threads when the built CLI has them (cold-read.ts).
  const placed = records.filter((path) => {
    if (parseRecordPath(path)) return true;
    problems.push({ path, code: "E_BAD_PATH", message: "not a chart record path" });
    return false;
  });
  if (opts.decrypt) {
    const many = placed.length >= COLD_READ;
    const pool = many ? decryptPool(chart) : undefined;
    const progress = many ? readProgress(chart) : undefined; // a bar on a terminal (src/cli/progress.ts)
    let done = 0;
    await checkFiles(chart, placed.map((path) => ({ path })), { fsck: true, pool }, (r) => {
      done += 1;
      progress?.(done, placed.length);
      if ("notAge" in r) problems.push({ path: r.path, code: "E_NOT_AGE", message: "not a binary age file (plaintext?)" });
      else if (!("error" in r)) decrypted += 1;
      else if (r.stage === "read") problems.push({ path: r.path, code: r.error.code, message: r.error.message.replace(`${r.path} `, "") });
      else problems.push({ path: r.path, code: r.error.code, message: withoutPath(r.error.message, r.path) });
    });
    progress?.(placed.length, placed.length);
    // The workers' heaps go back before the history and the access log are read.
    await releaseDecryptPool(chart);
  } else {
    await eachLimit(placed, async (path) => {
      let head: string;
      try {
        head = await readHead(join(chart.root, path));
      } catch (e) {
        const err = readFailure(path, e);
        problems.push({ path, code: err.code, message: err.message.replace(`${path} `, "") });
        return;
      }
      if (head !== AGE_MAGIC) problems.push({ path, code: "E_NOT_AGE", message: "not a binary age file (plaintext?)" });
    });
  }
  // The work tree against the verified commit.
  const bad = new Set(problems.map((p) => p.path));
  const uncommitted: string[] = [];
  const hasHead = (await headCommit(git)) !== undefined;
  const changes = hasHead ? await treeChanges(git, ["clients", ".chart", ".gitattributes", ".gitignore"]) : [];
  for (const c of changes) {
    if (bad.has(c.path) || c.path.includes(TEMP_MARK)) continue;
    // The practice's templates are checked and committed by their own path (chart fsck names
    // them, --repair commits the valid ones: src/store/template-records.ts).
    if (c.path.startsWith(".chart/templates/")) continue;
    if (!c.path.startsWith("clients/")) {
      problems.push({ path: c.path, code: "E_CHART_FILES_CHANGED", message: `${c.change === "missing" ? "deleted" : "changed"} without a signed commit (restore: git checkout HEAD -- ${c.path})` });
      continue;
    }
    if (c.change === "missing") {
      problems.push({ path: c.path, code: "E_MISSING", message: `missing: deleted without a commit (restore: git checkout HEAD -- ${c.path})` });
      continue;
    }
    if (!parseRecordPath(c.path)) continue; // reported above
    const data = await readFile(join(chart.root, c.path)).catch(() => undefined);
    if (!data) continue;
    try {
      await readRecordAt(chart, c.path);
    } catch (e) {
      if (!(e instanceof ChartError)) throw e;
      if (!opts.decrypt) problems.push({ path: c.path, code: e.code, message: withoutPath(e.message, c.path) });
      continue;
    }
    if (await isEarlierVersion(git, c.path, data)) {
      problems.push({ path: c.path, code: "E_OLDER_VERSION", message: `an older version of this record, put back without a commit (restore: git checkout HEAD -- ${c.path})` });
      continue;
    }
    uncommitted.push(c.path);
    problems.push({ path: c.path, code: "E_UNCOMMITTED", message: `${c.change === "added" ? "not" : "changed but not"} in the verified history (a killed command's write? chart fsck --repair commits it)` });
  }
  // History: every commit from the first, and no rewind past what this device verified.
  let history = { checked: 0, unadopted: [] as string[] };
  const head = await headCommit(git);
  if (head) {
    const anchor = await readAnchor(chart.gitDir);
    const forward = anchor ? await descends(git, anchor.commit, head) : false;
    if (anchor && !forward) {
      problems.push({ path: "history", code: "E_HISTORY_REWOUND", message: `no longer contains commit ${anchor.commit.slice(0, 12)}, the newest this device verified (rewound or rewritten)` });
    }
    const r = await verifyRange(git, undefined, head, { verifiedAt: forward ? anchor?.commit : undefined });
    for (const p of r.problems) problems.push({ path: `commit ${p.commit.slice(0, 12)}`, code: p.code, message: p.message.replace(/^commit [0-9a-f]+ /, "") });
    if (r.signersAtHead === undefined) {
      problems.push({ path: ".chart/allowed_signers", code: "E_UNSIGNED_CHART", message: "this chart's history is not signed yet (any chart command brings it into signed history)" });
    }
    history = { checked: r.checked, unadopted: r.unadopted };
  }
  for (const p of log.problems) problems.push({ path: p.line ? `access log line ${p.line}` : "access log", code: "E_ACCESS_LOG_TAMPERED", message: p.message });
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: records.length, decrypted, problems, uncommitted: uncommitted.sort(), tempFiles: tempFiles.sort(), history };
}

/**
 * Commit complete, verified records a killed command left behind (never a deletion, never an
 * older version, never .chart/), and remove temp files.
 */
export async function repair(chart: Chart, report: FsckReport): Promise<void> {
  await withWriteLock(chart, async () => {
    for (const t of report.tempFiles) await rm(resolve(chart.root, t), { force: true });
    await commitPaths(await chart.git(), report.uncommitted, "chart: recover uncommitted records");
  });
}
