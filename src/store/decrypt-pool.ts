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
import type { PackTarget } from "./blob-pack.js";
import { fromWire, type FileJob, type FileResult, type WireResult } from "./record-check.js";
import type { Chart } from "./repo.js";
import type { AccessLogRead } from "./access-log.js";

export interface DecryptPool {
  decode(path: string, data: Uint8Array): Promise<AnyRecord>;
  /** Read and check a batch of files in one worker (record-check.ts), in order. */
  check(root: string, jobs: FileJob[], fsck: boolean): Promise<FileResult[]>;
  /** How many workers there are (a caller keeps each busy, and no more). */
  size: number;
  /**
   * Serialize (envelope and MAC) and encrypt a record for its path, as commitRecords does, and
   * write it to `file`, a new file (an import's temporary file): the worker writes it, so the
   * ciphertext is never copied back to this thread.
   */
  encodeTo(path: string, record: BaseRecord, file: string, pack?: PackTarget): Promise<void>;
  /** End the workers' packs of what encodeTo wrote (blob-pack.ts); true when every one is whole. */
  finishPacks(): Promise<boolean>;
  /**
   * Read and check the chart's access log in a worker (access-log.ts readAccessLogFrom, entries
   * not kept); rejects when the worker cannot (a line under an older MAC key): read it in-process.
   */
  accessLog(root: string, gitDir: string): Promise<AccessLogRead>;
  close(): Promise<void>;
}

type Reply = { id: number; log?: AccessLogRead; record?: AnyRecord; written?: boolean; packed?: boolean; io?: { message: string; code?: string }; results?: WireResult[]; error?: { exit: number; code: string; message: string; hint?: string }; fatal?: string; ready?: boolean };


/** Each worker's young generation, in MB (V8's default is larger; see the Worker below). */
const YOUNG_MB = 8;

const pools = new WeakMap<Chart, DecryptPool | undefined>();

/**
 * The chart's pool, started on first use and kept for the rest of the command (a search reads
 * client after client). Idle workers do not keep the process alive.
 */
export function decryptPool(chart: Chart): DecryptPool | undefined {
  if (!pools.has(chart)) pools.set(chart, openDecryptPool(chart));
  return pools.get(chart);
}

/**
 * End the chart's pool, if one was started (a later read starts another): a command that has
 * finished its whole-chart read gives its workers' heaps back before its next phase.
 */
export async function releaseDecryptPool(chart: Chart): Promise<void> {
  const pool = pools.get(chart);
  pools.delete(chart);
  await pool?.close();
}

/** `oldMb`: a cap on each worker's old generation (a worker over it ends with an error). */
export function openDecryptPool(chart: Chart, size = Math.min(4, availableParallelism()), oldMb?: number): DecryptPool | undefined {
  const url = new URL("./read-worker.js", import.meta.url);
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) return undefined;
  const waiting = new Map<number, { resolve: (r: AnyRecord | WireResult[] | AccessLogRead | boolean | undefined) => void; reject: (e: unknown) => void }>();
  let next = 0;
  const pending: number[] = [];
  const workers = Array.from({ length: Math.max(1, size) }, (_, k) => {
    // A small young generation: a worker's garbage (file bytes, parsed YAML) is collected early
    // instead of growing the process by hundreds of MB over a whole-chart read.
    const w = new Worker(url, {
      workerData: { key: chart.identity.key, macKey: Buffer.from(chart.macKey).toString("hex"), recipients: chart.recipients },
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB, ...(oldMb ? { maxOldGenerationSizeMb: oldMb } : {}) },
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
      if (m.results) p.resolve(m.results);
      else if (m.log) p.resolve(m.log);
      else if (m.record) p.resolve(m.record);
      else if (m.written) p.resolve(undefined);
      else if (m.packed !== undefined) p.resolve(m.packed);
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
  type Job = {
    path: string;
    data?: Uint8Array;
    encode?: BaseRecord;
    file?: string;
    pack?: PackTarget;
    finishPack?: true;
    batch?: { root: string; jobs: FileJob[]; fsck: boolean };
    accessLog?: { root: string; gitDir: string };
  };
  const send = (job: Job, to?: number): Promise<AnyRecord | WireResult[] | AccessLogRead | boolean | undefined> => {
    const id = next++;
    // The worker with the least work waiting (round robin among equals), unless one is named.
    let k = to ?? id % workers.length;
    if (to === undefined) for (let j = 0; j < workers.length; j++) if ((pending[j] ?? 0) < (pending[k] ?? 0)) k = j;
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
    check: async (root, jobs, fsck) => ((await send({ path: "", batch: { root, jobs, fsck } })) as WireResult[]).map(fromWire),
    size: workers.length,
    accessLog: async (root, gitDir) => (await send({ path: "", accessLog: { root, gitDir } })) as AccessLogRead,
    encodeTo: async (path, record, file, pack) => {
      await send({ path, encode: record, file, ...(pack ? { pack } : {}) });
    },
    finishPacks: async () => (await Promise.all(workers.map((_, k) => send({ path: "", finishPack: true }, k)))).every((packed) => packed === true),
    async close() {
      for (const w of workers) await w.terminate();
    },
  };
}
