/**
 * Where a long read reports its progress (a cold rebuild of the read cache). The command line
 * sets it per chart (a bar on a terminal, a counter on stderr with --json, nothing on a pipe);
 * the store only calls it.
 */
import type { Chart } from "./repo.js";

export type ReadProgress = (done: number, total: number) => void;

const hooks = new WeakMap<Chart, ReadProgress>();

export function setReadProgress(chart: Chart, fn: ReadProgress): void {
  hooks.set(chart, fn);
}

export function readProgress(chart: Chart): ReadProgress | undefined {
  return hooks.get(chart);
}

/**
 * A counter over a known total for one long read, which may span several calls of readPaths
 * (a search's cold rebuild reads the clients a batch at a time): `step(n)` counts n more files
 * done, `step(0, true)` says the read is over, done or failed (a bar is then cleared).
 */
export type ProgressStep = (n: number, end?: boolean) => void;

export function progressOf(fn: ReadProgress | undefined, total: number): ProgressStep | undefined {
  if (!fn || total <= 0) return undefined;
  let done = 0;
  return (n, end) => {
    done += n;
    if (end || n > 0) fn(end ? total : Math.min(done, total), total);
  };
}
