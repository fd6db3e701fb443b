/**
 * The share's PDF, rendered in a worker thread started early (src/export/pdf-worker.ts, started by
 * file through src/export/pdf-worker-boot.ts, built as dist/bundle/pdf-worker-boot.cjs): pdfkit's
 * loading and warm-up overlap the main thread's checks and reads, and the render overlaps the
 * FHIR and JSON files. The bytes are the same as renderPdf's in this thread (same code, same
 * view). Used only from the built CLI, where the worker's file sits next to the bundle;
 * elsewhere (tests run the sources) there is no thread and the caller renders in-process.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { errorFor, type ErrorCode } from "../domain/errors.js";
import type { ShareView } from "../domain/share-view.js";
import { localTime } from "./local-time.js";

export interface PdfThread {
  render(view: ShareView): Promise<Uint8Array>;
  /** Stop the thread (after its one render, or when the command ends without one), and wait for it to end. */
  close(): Promise<void>;
}

type Reply = { id: number; pdf?: Uint8Array; error?: { code: string; message: string; hint?: string }; fatal?: string };

/**
 * Laying out a long record allocates many short-lived objects: a young generation larger than
 * V8's default (16 MB on 64-bit) spares most of the scavenges. Only this thread's heap.
 */
const YOUNG_MB = 64;

export function startPdfThread(): PdfThread | undefined {
  const url = new URL("./pdf-worker-boot.cjs", import.meta.url);
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) return undefined;
  const worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
  worker.unref(); // warming up alone keeps nobody waiting
  // ICU's caches are the process's, not a thread's: its first date formatter took 20-30 ms of
  // the thread's warm-up, on the share's critical path. Made here, on this thread while the
  // other is still loading, the thread's own first one takes under 1 ms (docs/sharing.md, "Speed").
  setImmediate(() => localTime("2020-01-01T00:00:00Z", "UTC"));
  const waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }>();
  let next = 0;
  let failed: Error | undefined;
  const fail = (e: Error): void => {
    failed ??= e;
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
  };
  worker.on("message", (m: Reply) => {
    const p = waiting.get(m.id);
    if (!p) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if (m.pdf) p.resolve(m.pdf);
    else if (m.error) p.reject(errorFor(m.error.code as ErrorCode, m.error.message, m.error.hint)); // the ChartError the thread raised
    else p.reject(new Error(m.fatal ?? "the PDF thread failed"));
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the PDF thread ended (${code})`)));
  return {
    render(view) {
      if (failed !== undefined) return Promise.reject(failed);
      const id = next++;
      worker.ref(); // a render keeps the process alive until it answers
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, view });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
