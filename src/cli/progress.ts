/**
 * Progress of a long read (a cold rebuild of the read cache): a bar on a terminal, a counter
 * on stderr in --json mode (one JSON line per step of 10%), nothing on a pipe or with -q.
 */
import type { ReadProgress } from "../store/read-progress.js";
import type { Deps } from "./deps.js";

export function readProgressFor(deps: Deps, opts: { json: boolean; quiet: boolean }): ReadProgress | undefined {
  if (opts.quiet) return undefined;
  if (opts.json) {
    let shown = -1;
    return (done, total) => {
      const step = Math.floor((done * 10) / total);
      if (step === shown) return;
      shown = step;
      deps.stderr.write(`${JSON.stringify({ progress: { what: "decrypting", done, total } })}\n`);
    };
  }
  if (!deps.isTTY.stderr) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    deps.stderr.write(`\rdecrypting [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}${done === total ? "\r\x1b[K" : ""}`);
  };
}
