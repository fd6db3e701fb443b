/**
 * A worker thread that decrypts and verifies records for a cold read of many files, and
 * serializes, encrypts and writes records for an import (decrypt-pool.ts). It gets the
 * identity's secret (or the unlock agent's socket), the chart's recipients and the MAC key from
 * its parent (same process): bytes in, records or typed errors out; or a record and the name of
 * the import's temporary file in, that file written, nothing but an acknowledgement out, so the
 * ciphertext never crosses threads (the parent bounds how many jobs are in flight, pool.ts). For
 * a batch of paths (a cold read, fsck) it reads the files itself, one at a time (so the files
 * open at once are at most one per worker, and their bytes never cross threads), and checks each
 * as record-check.ts does in-process. For fsck it also reads the access log (access-log.ts
 * readAccessLogFrom), so what its large lines leave behind is in this thread's heap, which ends
 * with it; a line whose MAC key is an older one (read from git) is left to the parent.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { ChartError } from "../domain/errors.js";
import { makeCipher, type IdentityKey } from "./age.js";
import { decodeRecord } from "./decode-record.js";
import type { BaseRecord } from "../domain/record.js";
import { openBlobPack, type BlobPack, type PackTarget } from "./blob-pack.js";
import { serialize } from "./envelope.js";
import { checkRecordFile, toWire, type FileJob, type WireResult } from "./record-check.js";
import { OTHER_MAC_KEY, readAccessLogFrom } from "./access-log.js";

type Job =
  | { id: number; path: string; data: Uint8Array }
  | { id: number; path: string; encode: BaseRecord; file: string; pack?: PackTarget }
  | { id: number; path: string; finishPack: true }
  | { id: number; path: string; batch: { root: string; jobs: FileJob[]; fsck: boolean } }
  | { id: number; path: string; accessLog: { root: string; gitDir: string } };

// The identity's secret (this process's own), or where the unlock agent listens: each worker
// then has its own connection to the agent, its requests pipelined (src/store/agent-client.ts).
const { key: identityKey, macKey, recipients } = workerData as { key: IdentityKey; macKey: string; recipients: string[] };
const cipher = await makeCipher(identityKey, recipients);
const key = new Uint8Array(Buffer.from(macKey, "hex"));
/** An import's pack of the blobs this worker writes (src/store/blob-pack.ts). */
let pack: BlobPack | undefined;
async function checkBatch(b: { root: string; jobs: FileJob[]; fsck: boolean }): Promise<WireResult[]> {
  const read = (path: string) => readFileSync(join(b.root, path));
  const out: WireResult[] = [];
  for (const job of b.jobs) out.push(toWire(await checkRecordFile(cipher, key, job, read, { fsck: b.fsck })));
  return out;
}

/** A job's file work failed: answered with the error's message and code, rethrown as the file system's error by decrypt-pool.ts. */
function ioFailed(id: number, e: unknown): void {
  const err: NodeJS.ErrnoException = e instanceof Error ? e : new Error(String(e));
  parentPort?.postMessage({ id, io: { message: err.message, code: err.code } });
}

parentPort?.on("message", (job: Job) => {
  if ("accessLog" in job) {
    const { root, gitDir } = job.accessLog;
    const source = { root, gitDir, macKey: key, decrypt: (d: Uint8Array) => cipher.decrypt(d), otherMacKey: () => Promise.reject(new Error(OTHER_MAC_KEY)) };
    readAccessLogFrom(source, { entries: false }).then(
      (log) => parentPort?.postMessage({ id: job.id, log }),
      (e: unknown) => parentPort?.postMessage({ id: job.id, fatal: e instanceof Error ? e.message : String(e) }),
    );
    return;
  }
  if ("batch" in job) {
    checkBatch(job.batch).then(
      (results) => parentPort?.postMessage({ id: job.id, results }),
      (e: unknown) => parentPort?.postMessage({ id: job.id, fatal: e instanceof Error ? e.message : String(e) }),
    );
    return;
  }
  if ("finishPack" in job) {
    const ended = pack ? pack.finish() : Promise.resolve(false);
    pack = undefined;
    void ended.then((packed) => parentPort?.postMessage({ id: job.id, packed }));
    return;
  }
  if ("encode" in job) {
    if (job.pack) pack ??= openBlobPack(job.pack);
    const into = pack;
    Promise.resolve()
      .then(() => cipher.encrypt(serialize(job.encode, job.path, key)))
      .then(
        (data) => {
          // A new file (wx: never over another), readable by the owner only, as bulk.ts wrote it,
          // and handed to this worker's pack for git (src/store/blob-pack.ts). Written with
          // blocking calls: this thread has nothing else to do meanwhile, and the promise API's
          // three trips through libuv's thread pool per file (open, write, close) cost more CPU
          // than the writes on the 2-core machine of issue 7 (docs/decisions.md, "Where the
          // time goes", import).
          try {
            writeFileSync(job.file, data, { mode: 0o600, flag: "wx" });
          } catch (e) {
            ioFailed(job.id, e);
            return;
          }
          // The pack's add resolves when git has taken the bytes (it does not reject: blob-pack.ts);
          // should it fail all the same, the job is answered with the error, never left waiting.
          Promise.resolve()
            .then(() => into?.add(data))
            .then(
              () => parentPort?.postMessage({ id: job.id, written: true }),
              (e: unknown) => ioFailed(job.id, e),
            );
        },
        (e: unknown) => parentPort?.postMessage({ id: job.id, fatal: e instanceof Error ? e.message : String(e) }),
      );
    return;
  }
  decodeRecord(cipher, key, job.path, job.data).then(
    (record) => parentPort?.postMessage({ id: job.id, record }),
    (e: unknown) =>
      parentPort?.postMessage(
        e instanceof ChartError
          ? { id: job.id, error: { exit: e.exit, code: e.code, message: e.message, hint: e.hint } }
          : { id: job.id, fatal: e instanceof Error ? e.message : String(e) },
      ),
  );
});
parentPort?.postMessage({ ready: true });
