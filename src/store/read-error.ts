/**
 * What a failed read of a record file means (docs/decisions.md, "Bounded file work"). Only a
 * file that is really absent (ENOENT, or a folder on its path that is not one: ENOTDIR) is
 * "not found"; every other failure is its own error with its own exit code and hint, and keeps
 * the operating system's error as `cause`. An open-file limit is never mistaken for a missing
 * record.
 */
import { ChartError, withCause } from "../domain/errors.js";

export function readFailure(path: string, e: unknown): ChartError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  let err: ChartError;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      err = new ChartError("notFound", "E_NO_RECORD", `${path} does not exist`);
      break;
    case "EMFILE":
    case "ENFILE":
      err = new ChartError("storage", "E_TOO_MANY_OPEN_FILES", `${path} could not be opened: too many open files (${code})`, "raise the open-file limit (ulimit -n) and run the command again; nothing is missing from the chart");
      break;
    case "EACCES":
    case "EPERM":
      err = new ChartError("storage", "E_READ_DENIED", `${path} cannot be read: permission denied`, "check the file's owner and permissions (ls -l PATH); chart writes its files mode 600");
      break;
    case "EISDIR":
      err = new ChartError("invalid", "E_NOT_A_FILE", `${path} is not a file`, "restore it from git history (git checkout -- PATH), or run chart fsck");
      break;
    default:
      err = new ChartError("storage", "E_READ_FAILED", `${path} could not be read (${code ?? "I/O error"})`, "check the disk (the chart's file system may be failing or unmounted), then run chart fsck");
  }
  return withCause(err, e);
}
