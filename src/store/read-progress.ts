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
