/** Print an error once: `error: ...` and `hint: ...`, or a JSON object with --json. */
import { ChartError, EXIT, type CodeOf } from "../domain/errors.js";
import type { Deps } from "./deps.js";
import { jsonSafe, terminalSafe } from "./safe-text.js";
import { textOf } from "../domain/text-of.js";

/**
 * File-system conditions a user can cause (a full disk, a read-only file system, a permission,
 * a file where a folder should be): storage errors (exit 7), never "internal error".
 */
const STORAGE_ERRNO = {
  ENOSPC: ["E_FS_ENOSPC", "no space left on the device"],
  EDQUOT: ["E_FS_EDQUOT", "disk quota exceeded"],
  EROFS: ["E_FS_EROFS", "the file system is read-only"],
  EACCES: ["E_FS_EACCES", "permission denied"],
  EPERM: ["E_FS_EPERM", "operation not permitted"],
  ENOTDIR: ["E_FS_ENOTDIR", "a file is where a folder should be"],
  EISDIR: ["E_FS_EISDIR", "a folder is where a file should be"],
  EIO: ["E_FS_EIO", "input/output error"],
  EMFILE: ["E_FS_EMFILE", "too many open files"],
  ENFILE: ["E_FS_ENFILE", "too many open files"],
  EEXIST: ["E_FS_EEXIST", "a file is in the way"],
  ENAMETOOLONG: ["E_FS_ENAMETOOLONG", "a file name is too long"],
  ELOOP: ["E_FS_ELOOP", "too many symbolic links"],
  EBUSY: ["E_FS_EBUSY", "a file is busy"],
  ETXTBSY: ["E_FS_ETXTBSY", "a file is busy"],
} as const satisfies Record<string, readonly [CodeOf<"storage">, string]>;

export function storageFromErrno(e: unknown): ChartError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string" || !(code in STORAGE_ERRNO)) return undefined;
  const [errCode, what] = STORAGE_ERRNO[code as keyof typeof STORAGE_ERRNO];
  const err = new ChartError(
    "storage",
    errCode,
    `a file operation failed: ${what} (${code})`,
    code === "ENOSPC" || code === "EDQUOT" ? "free some space and run the command again" : code === "EROFS" ? "remount the file system read-write, or work on a writable copy" : "check the chart's folders and their permissions (chart fsck)",
  );
  Object.defineProperty(err, "cause", { value: e, enumerable: false, configurable: true, writable: true });
  return err;
}

export function reportError(e: unknown, deps: Deps, json: boolean): number {
  const debug = deps.env.CHART_DEBUG === "1";
  const err =
    e instanceof ChartError
      ? e
      : storageFromErrno(e) ?? new ChartError(
          "internal",
          "E_INTERNAL",
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- e is whatever was thrown: null, a string, an object without message
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
      deps.stderr.write(`caused by: ${terminalSafe(c instanceof Error ? (c.stack ?? c.message) : textOf(c))}\n`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- kept as a fallback should an error reach here without an exit code
  return err.exit ?? EXIT.internal;
}
