/** Print an error once: `error: ...` and `hint: ...`, or a JSON object with --json. */
import { ChartError, EXIT } from "../domain/errors.js";
import type { Deps } from "./deps.js";
import { jsonSafe, terminalSafe } from "./safe-text.js";

export function reportError(e: unknown, deps: Deps, json: boolean): number {
  const debug = deps.env.CHART_DEBUG === "1";
  const err =
    e instanceof ChartError
      ? e
      : new ChartError(
          "internal",
          "E_INTERNAL",
          debug ? `internal error: ${(e as Error)?.message ?? String(e)}` : "internal error",
          "run again with CHART_DEBUG=1 for details, and report it",
        );
  if (json) {
    const body: Record<string, unknown> = { code: err.code, exit: err.exit, message: err.message };
    if (err.hint) body.hint = err.hint;
    if (err.details) body.details = err.details;
    deps.stderr.write(`${jsonSafe(JSON.stringify({ error: body }))}\n`);
  } else {
    deps.stderr.write(`error: ${terminalSafe(err.message)}\n`);
    if (err.hint) deps.stderr.write(`hint: ${terminalSafe(err.hint)}\n`);
    if (err.terminalOnly && deps.isTTY.stderr) for (const l of err.terminalOnly) deps.stderr.write(`  ${terminalSafe(l)}\n`);
  }
  if (debug && e instanceof Error && e.stack) {
    deps.stderr.write(`${terminalSafe(e.stack)}\n`);
    for (let c: unknown = e.cause, depth = 0; c !== undefined && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
      deps.stderr.write(`caused by: ${terminalSafe(c instanceof Error ? (c.stack ?? c.message) : String(c))}\n`);
    }
  }
  return err.exit ?? EXIT.internal;
}
