/**
 * Checking a chart: every tracked or new file in the right place, every record decrypting and
 * verifying (with decrypt), stale temp files, and records a killed command left uncommitted.
 */
import { execFile } from "node:child_process";
import { open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { ChartError } from "../domain/errors.js";
import { parseRecordPath } from "../domain/record.js";
import { TEMP_MARK } from "./atomic.js";
import { commitPaths } from "./git.js";
import { withLock } from "./lock.js";
import { eachLimit } from "./pool.js";
import { readFailure } from "./read-error.js";
import { decryptPool } from "./decrypt-pool.js";
import { COLD_READ, readRecordAt } from "./records.js";
import type { Chart } from "./repo.js";
import { WRITE_LOCK_TIMEOUT_MS } from "./write-lock.js";

export interface FsckProblem {
  path: string;
  code: string;
  message: string;
}

export interface FsckReport {
  files: number;
  decrypted: number;
  problems: FsckProblem[];
  uncommitted: string[]; // complete record files git does not have yet
  tempFiles: string[];
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

function gitLines(root: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile("git", args, { cwd: root, maxBuffer: 1 << 28 }, (err, out) =>
      err ? reject(err) : resolve(String(out).split("\0").filter((l) => l !== "")),
    ),
  );
}

export async function fsck(chart: Chart, opts: { decrypt: boolean }): Promise<FsckReport> {
  const files: string[] = [];
  await walk(chart.root, "clients", files);
  const problems: FsckProblem[] = [];
  const tempFiles = files.filter((f) => f.includes(TEMP_MARK));
  const records = files.filter((f) => !f.includes(TEMP_MARK));
  let decrypted = 0;
  // Bounded (docs/decisions.md, "Bounded file work"): one file per slot, nothing kept but the
  // count and the problems, so memory stays flat however large the chart. Decryption runs in
  // worker threads when the built CLI has them (decrypt-pool.ts).
  const pool = opts.decrypt && records.length >= COLD_READ ? decryptPool(chart) : undefined;
  await eachLimit(records, async (path) => {
    if (!parseRecordPath(path)) {
      problems.push({ path, code: "E_BAD_PATH", message: "not a chart record path" });
      return;
    }
    let head: string;
    try {
      head = await readHead(join(chart.root, path));
    } catch (e) {
      const err = readFailure(path, e);
      problems.push({ path, code: err.code, message: err.message.replace(`${path} `, "") });
      return;
    }
    if (head !== AGE_MAGIC) {
      problems.push({ path, code: "E_NOT_AGE", message: "not a binary age file (plaintext?)" });
      return;
    }
    if (!opts.decrypt) return;
    try {
      if (pool) {
        let data: Uint8Array;
        try {
          data = await readFile(join(chart.root, path));
        } catch (e) {
          throw readFailure(path, e);
        }
        await pool.decode(path, data);
        chart.touched.read.add(path);
      } else await readRecordAt(chart, path);
      decrypted += 1;
    } catch (e) {
      if (!(e instanceof ChartError)) throw e;
      problems.push({ path, code: e.code, message: e.message.replace(`${path}: `, "") });
    }
  });
  const untracked = new Set(await gitLines(chart.root, ["ls-files", "-z", "--others", "--exclude-standard", "--", "clients"]));
  const modified = await gitLines(chart.root, ["diff", "-z", "--name-only", "HEAD", "--", "clients", ".chart"]).catch(() => []);
  const bad = new Set(problems.map((p) => p.path));
  const uncommitted = [...records.filter((f) => untracked.has(f)), ...modified].filter((f) => !bad.has(f)).sort();
  problems.sort((a, b) => a.path.localeCompare(b.path));
  return { files: records.length, decrypted, problems, uncommitted: [...new Set(uncommitted)], tempFiles: tempFiles.sort() };
}

/** Commit complete, verified records a killed command left behind, and remove temp files. */
export async function repair(chart: Chart, report: FsckReport): Promise<void> {
  await withLock(chart.gitDir, WRITE_LOCK_TIMEOUT_MS, async () => {
    for (const t of report.tempFiles) await rm(join(chart.root, t), { force: true });
    await commitPaths(await chart.git(), report.uncommitted, "chart: recover uncommitted records");
  });
}
