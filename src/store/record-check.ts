/**
 * One record file checked as a cold read and `chart fsck --decrypt` check it: read, (for fsck)
 * the age header's first line, decrypt, envelope and MAC (decode-record.ts), the kind's shape,
 * and (for the read cache) whether the bytes are HEAD's blob. The same code runs in the read
 * workers (read-worker.ts, for many files) and in-process (for a few, or where no worker file
 * exists), so the findings do not depend on where it ran. Pure of the chart object: worker-safe.
 */
import { ChartError, errorFor, invalid, type ErrorCode } from "../domain/errors.js";
import { parseRecordPath, type AnyRecord, type ChartRecord } from "../domain/record.js";
import { isChartRecord, shapeProblems } from "../domain/record-shape.js";
import type { Cipher } from "./age.js";
import { decodeRecord } from "./decode-record.js";
import { blobOid } from "./git-objects.js";
import { readFailure } from "./read-error.js";

/**
 * A record that decrypted and verified but is not of its kind's shape (src/domain/record-shape.ts):
 * a named read failure, like a bad MAC, never a record handed on with the wrong type.
 */
export function shapeFailure(path: string, problems: readonly string[]): ChartError {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return invalid(
    "E_RECORD_SHAPE",
    `${path}: the record verifies but is not a well-formed ${parseRecordPath(path)?.kind ?? "chart"} record: ${problems[0] ?? "wrong shape"}${more}`,
    "it may have been written by a newer version of chart (update chart), or edited by hand; restore it from git history, or run chart fsck --decrypt",
  );
}

/** The record as its kind's type, or the named failure when its shape is wrong. */
export function checkShape(path: string, record: AnyRecord): ChartRecord {
  if (isChartRecord(record)) return record;
  throw shapeFailure(path, shapeProblems(record));
}

/** What to check of one file, and what the caller knows of it. */
export interface FileJob {
  path: string;
  /** HEAD's blob id of the path: the record may be cached only when its bytes are this blob. */
  blob?: string | undefined;
}

/** How one file fared (`record` only when asked for; `error` carries the path in its message). */
export type FileResult =
  | { path: string; record?: ChartRecord; cacheable?: boolean }
  | { path: string; notAge: true }
  | { path: string; error: ChartError; stage: "read" | "decode" };

const AGE_MAGIC = "age-encryption.org/v1\n";

/**
 * Check one file. `fsck`: the first line must be age's (else `notAge`), and the record is not
 * handed back (memory stays flat whatever the chart's size); otherwise the record is returned,
 * with `cacheable` when its bytes are `job.blob`.
 */
export async function checkRecordFile(
  cipher: Cipher,
  macKey: Uint8Array,
  job: FileJob,
  read: (path: string) => Uint8Array | Promise<Uint8Array>,
  opts: { fsck: boolean },
): Promise<FileResult> {
  const { path } = job;
  let data: Uint8Array;
  try {
    data = await read(path);
  } catch (e) {
    return { path, error: readFailure(path, e), stage: "read" };
  }
  if (opts.fsck && Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, AGE_MAGIC.length)).toString("latin1") !== AGE_MAGIC) {
    return { path, notAge: true };
  }
  try {
    const record = checkShape(path, await decodeRecord(cipher, macKey, path, data)); // a mis-shaped record fails here, never cached
    if (opts.fsck) return { path };
    const blob = job.blob;
    const cacheable = blob !== undefined && blobOid(data, blob.length === 64 ? "sha256" : "sha1") === blob;
    return { path, record, cacheable };
  } catch (e) {
    if (!(e instanceof ChartError)) throw e;
    return { path, error: e, stage: "decode" };
  }
}

/** A result as it crosses between threads (a ChartError is not cloned with its class). */
export type WireResult =
  | { path: string; record?: ChartRecord; cacheable?: boolean }
  | { path: string; notAge: true }
  | { path: string; stage: "read" | "decode"; error: { code: string; message: string; hint?: string | undefined; cause?: { code?: string; message: string } } };

export function toWire(r: FileResult): WireResult {
  if (!("error" in r)) return r;
  const cause = r.error.cause as (Error & { code?: string }) | undefined;
  return {
    path: r.path,
    stage: r.stage,
    error: { code: r.error.code, message: r.error.message, hint: r.error.hint, ...(cause instanceof Error ? { cause: { message: cause.message, ...(cause.code ? { code: cause.code } : {}) } } : {}) },
  };
}

export function fromWire(r: WireResult): FileResult {
  if (!("error" in r)) return r;
  const { code, message, hint, cause } = r.error;
  const c = cause ? Object.assign(new Error(cause.message), cause.code ? { code: cause.code } : {}) : undefined;
  return { path: r.path, stage: r.stage, error: errorFor(code as ErrorCode, message, hint, undefined, c ? { cause: c } : undefined) };
}
