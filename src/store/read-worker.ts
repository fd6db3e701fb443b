/**
 * A worker thread that decrypts and verifies records for a cold read of many files
 * (decrypt-pool.ts). It gets the identity's secret (or the unlock agent's socket) and the MAC
 * key from its parent (same process), bytes in, records or typed errors out; it never touches the disk.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ChartError } from "../domain/errors.js";
import { makeCipher, type IdentityKey } from "./age.js";
import { decodeRecord } from "./decode-record.js";

interface Job {
  id: number;
  path: string;
  data: Uint8Array;
}

// The identity's secret (this process's own), or where the unlock agent listens: each worker
// then has its own connection to the agent, its requests pipelined (src/store/agent-client.ts).
const { key: identityKey, macKey } = workerData as { key: IdentityKey; macKey: string };
const cipher = await makeCipher(identityKey, []);
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
