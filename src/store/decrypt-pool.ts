/**
 * Worker threads for a cold read of many records (docs/decisions.md, "The read cache"): the
 * files are read on the main thread (bounded, pool.ts) and decrypted and verified in one worker
 * per CPU core. Used only from the built CLI, where the worker's file sits next to the bundle;
 * elsewhere (tests run the sources) records are decrypted in-process, with the same results.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { errorFor, type ErrorCode } from "../domain/errors.js";
import type { AnyRecord, BaseRecord } from "../domain/record.js";
import type { Chart } from "./repo.js";

export interface DecryptPool {
  decode(path: string, data: Uint8Array): Promise<AnyRecord>;
  /**
   * Serialize (envelope and MAC) and encrypt a record for its path, as commitRecords does, and
   * write it to `file`, a new file (an import's temporary file): the worker writes it, so the
   * ciphertext is never copied back to this thread.
   */
  encodeTo(path: string, record: BaseRecord, file: string): Promise<void>;
  close(): Promise<void>;
}

type Reply = { id: number; record?: AnyRecord; written?: boolean; io?: { message: string; code?: string }; error?: { exit: number; code: string; message: string; hint?: string }; fatal?: string; ready?: boolean };


const pools = new WeakMap<Chart, DecryptPool | undefined>();

/**
 * The chart's pool, started on first use and kept for the rest of the command (a search reads
 * client after client). Idle workers do not keep the process alive.
 */
export function decryptPool(chart: Chart): DecryptPool | undefined {
  if (!pools.has(chart)) pools.set(chart, openDecryptPool(chart));
  return pools.get(chart);
}

export function openDecryptPool(chart: Chart, size = Math.min(4, availableParallelism())): DecryptPool | undefined {
  const url = new URL("./read-worker.js", import.meta.url);
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) return undefined;
  const waiting = new Map<number, { resolve: (r?: AnyRecord) => void; reject: (e: unknown) => void }>();
  let next = 0;
  const pending: number[] = [];
  const workers = Array.from({ length: Math.max(1, size) }, (_, k) => {
    // A small young generation: a worker keeps nothing from one file to the next, so its
    // garbage dies young, and V8's default (up to 48 MB a thread) was resident memory for nothing.
    const w = new Worker(url, {
      workerData: { key: chart.identity.key, macKey: Buffer.from(chart.macKey).toString("hex"), recipients: chart.recipients },
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    pending[k] = 0;
    w.unref();
    w.on("message", (m: Reply) => {
      if (m.ready) return;
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      pending[k] = (pending[k] ?? 1) - 1;
      if (pending[k] === 0) w.unref();
      if (m.record) p.resolve(m.record);
      else if (m.written) p.resolve();
      else if (m.io) p.reject(Object.assign(new Error(m.io.message), { code: m.io.code })); // the file system's error, as writeFile would throw it
      else if (m.error) p.reject(errorFor(m.error.code as ErrorCode, m.error.message, m.error.hint)); // a ChartError the worker raised, passed across the thread
      else p.reject(new Error(m.fatal ?? "worker failed"));
    });
    w.on("error", (e) => {
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    });
    return w;
  });
  const send = (job: { path: string; data?: Uint8Array; encode?: BaseRecord; file?: string }): Promise<AnyRecord | undefined> => {
    const id = next++;
    const k = id % workers.length;
    const w = workers[k] as Worker;
    // A worker with work keeps the process alive until it answers.
    if ((pending[k] = (pending[k] ?? 0) + 1) === 1) w.ref();
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...job });
    });
  };
  return {
    decode: (path, data) => send({ path, data }) as Promise<AnyRecord>,
    encodeTo: async (path, record, file) => {
      await send({ path, encode: record, file });
    },
    async close() {
      for (const w of workers) await w.terminate();
    },
  };
}
