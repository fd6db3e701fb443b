/**
 * The error a listing ends with when records in its scope could not be read or verified: it has
 * printed the others and named each failure on stderr; this makes the exit non-zero, so a
 * script never takes a partial listing for a whole one.
 */
import { ChartError, errorFor, EXIT } from "../domain/errors.js";
import type { ReadFailure } from "../store/records.js";

export function incompleteError(failures: readonly ReadFailure[]): ChartError {
  const sorted = [...failures].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const first = sorted[0] as ReadFailure;
  // The exit class of the first failure by path (storage 7, key 6, else invalid 3), each with its
  // own code, so a script can tell an open-file limit from a damaged record.
  const code = first.error.exit === EXIT.storage ? "E_INCOMPLETE_STORAGE" : first.error.exit === EXIT.key ? "E_INCOMPLETE_KEY" : "E_INCOMPLETE";
  const n = failures.length;
  return errorFor(
    code,
    `${n} record${n === 1 ? "" : "s"} could not be read or verified; the output is incomplete`,
    first.error.hint ?? "run chart fsck --decrypt",
    { unreadable: sorted.map((f) => ({ path: f.path, code: f.error.code })) },
  );
}

/**
 * A write that checks a history (medications, diagnoses) refuses when part of that history
 * cannot be read: a rule checked against some of the events is not checked.
 */
export function refuseIncomplete(failures: readonly ReadFailure[], what: string): ChartError {
  const base = incompleteError(failures);
  const n = failures.length;
  return new ChartError(
    "invalid",
    "E_INCOMPLETE",
    `${n} record${n === 1 ? "" : "s"} of ${what} could not be read or verified; nothing was written`,
    base.hint,
    base.details,
  );
}
