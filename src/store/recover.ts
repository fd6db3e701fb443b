/**
 * Recovering from a writer that died between writing its files and committing them: complete,
 * verified records it left are committed; stale temp files are removed; broken ones are left for
 * `chart fsck`. Runs under the writer lock, when a dead writer's lock was taken over.
 */
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { ChartError } from "../domain/errors.js";
import { parseRecordPath } from "../domain/record.js";
import { TEMP_MARK, tempWriter } from "./atomic.js";
import { isEarlierVersion } from "./fsck.js";
import { commitPaths } from "./git.js";
import { readRecordAt } from "./records.js";
import type { Chart } from "./repo.js";
import { pidAlive } from "./pid.js";

/** Paths under clients/ that differ from HEAD (through the one git runner: a clean environment). */
async function changedPaths(chart: Chart): Promise<string[]> {
  const out = await (await chart.git()).raw(["status", "--porcelain", "-z", "--untracked-files=all", "--", "clients"]);
  return out.split("\0").filter((l) => l.length > 3).map((l) => l.slice(3));
}


export async function recoverInterrupted(chart: Chart): Promise<{ committed: string[]; removed: string[] }> {
  const committed: string[] = [];
  const removed: string[] = [];
  for (const path of await changedPaths(chart)) {
    const name = basename(path);
    if (name.includes(TEMP_MARK)) {
      const pid = tempWriter(name);
      if (!pidAlive(pid ?? Number.NaN)) {
        await rm(join(chart.root, path), { force: true });
        removed.push(path);
      }
      continue;
    }
    if (!parseRecordPath(path)) continue;
    try {
      await readRecordAt(chart, path);
      // Never a rollback: an older version of the record put back is for fsck to report.
      if (await isEarlierVersion(await chart.git(), path, await readFile(join(chart.root, path)))) continue;
      committed.push(path);
    } catch (e) {
      if (!(e instanceof ChartError)) throw e; // a broken or deleted file: fsck reports it
    }
  }
  await commitPaths(await chart.git(), committed, "chart: recover interrupted write");
  return { committed, removed };
}
