/**
 * The PDF thread's entry (dist/bundle/pdf-worker-boot.cjs, src/export/pdf-thread.ts): runs the
 * worker built as CommonJS with pdfkit inside (dist/bundle/pdf-worker.cjs, from
 * src/export/pdf-worker.ts) with its V8 code cache. Loading pdfkit and fontkit as ES modules,
 * compiled from source in every share, was the larger part of the thread's start; the entry is
 * CommonJS too, as a thread starts a CommonJS file sooner than an ES module (docs/sharing.md,
 * "Speed").
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCached } from "./cached-script.js";

loadCached(join(dirname(fileURLToPath(import.meta.url)), "pdf-worker.cjs"));
