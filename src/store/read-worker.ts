/**
 * A worker thread that decrypts and verifies records for a cold read of many files
 * (decrypt-pool.ts). It gets the identity's secret and the MAC key from its parent (same
 * process), bytes in, records or typed errors out; it never touches the disk.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ChartError } from "../domain/errors.js";
import { makeCipher } from "./age.js";
import { decodeRecord } from "./decode-record.js";

interface Job {
  id: number;
  path: string;
  data: Uint8Array;
}

const { secret, macKey } = workerData as { secret: string; macKey: string };
const cipher = await makeCipher(secret, []);
const key = new Uint8Array(Buffer.from(macKey, "hex"));
parentPort?.on("message", (job: Job) => {
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
