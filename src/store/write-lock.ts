/**
 * What every write to the chart does first, under the writer lock: check the recipients this
 * device pinned, settle an import a killed process left (import-journal.ts), and when the lock
 * was a dead writer's, commit what that writer left complete.
 */
import { withLock } from "./lock.js";
import { assertPinned } from "./pin.js";
import type { Chart } from "./repo.js";

export const WRITE_LOCK_TIMEOUT_MS = 15_000;

export async function withWriteLock<T>(chart: Chart, fn: () => Promise<T>): Promise<T> {
  return withLock(chart.gitDir, WRITE_LOCK_TIMEOUT_MS, async ({ tookOverStale }) => {
    await assertPinned(chart);
    // A killed import first: it is undone (or kept, if its commit landed) as a whole, before
    // anything below could commit part of it.
    const { recoverImports } = await import("./import-journal.js");
    await recoverImports(chart);
    if (tookOverStale) await chart.recoverInterrupted();
    return fn();
  });
}
