/**
 * The share's PDF thread (src/export/pdf-thread.ts) runs the built worker next to the bundle
 * (tests run the sources, where there is none): its bytes must be renderPdf's, and a ChartError
 * it raises must come back typed. The worker is built as CommonJS with pdfkit inside and started
 * with a V8 code cache (src/export/pdf-worker-boot.ts): the cache must be taken in a thread, and
 * a missing or refused cache must change nothing but the time.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { expect, it } from "vitest";
import type { ShareView } from "../../src/domain/share-view.js";
import { renderPdf } from "../../src/export/pdf.js";
import { largeView, loadView } from "../fixtures/large-view.js";
import { BIN } from "../support/e2e.js";
import { tempDir } from "../support/tmp.js";

const WORKER = join(BIN, "..", "..", "dist", "bundle", "pdf-worker-boot.cjs");

type Reply = { id: number; pdf?: Uint8Array; error?: { code: string } };

it("the built PDF thread gives renderPdf's bytes, and passes its errors on typed", async () => {
  expect(existsSync(WORKER), "npm run build first").toBe(true);
  const worker = new Worker(WORKER);
  try {
    let next = 0;
    const ask = (view: ShareView): Promise<Reply> =>
      new Promise((resolve) => {
        const id = next++;
        const on = (m: Reply): void => {
          if (m.id !== id) return;
          worker.off("message", on);
          resolve(m);
        };
        worker.on("message", on);
        worker.postMessage({ id, view });
      });
    for (const view of [largeView(20), { ...loadView("full"), generatedAt: "2024-06-14T15:30:00Z" }]) {
      const reply = await ask(view);
      expect(reply.pdf).toBeDefined();
      expect(Buffer.from(reply.pdf ?? new Uint8Array()).equals(Buffer.from(await renderPdf(view)))).toBe(true);
    }
    const bad = await ask({ ...loadView("minimal"), generatedAt: "yesterday" });
    expect(bad.error?.code).toBe("E_BAD_VIEW");
  } finally {
    await worker.terminate();
  }
}, 120_000);

const BUNDLE_DIR = join(BIN, "..", "..", "dist", "bundle");

/** The PDF of `view` from the thread started by file at `entry` (the real thread's resource limits). */
async function threadPdf(entry: string, view: ShareView): Promise<Buffer> {
  const worker = new Worker(entry, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      worker.on("message", resolve);
      worker.on("error", reject);
      worker.postMessage({ id: 0, view });
    });
    expect(reply.pdf, JSON.stringify(reply)).toBeDefined();
    return Buffer.from(reply.pdf ?? new Uint8Array());
  } finally {
    await worker.terminate();
  }
}

it("the PDF worker is one CommonJS file with pdfkit inside, no import(), and V8 takes its code cache in a thread", async () => {
  const file = join(BUNDLE_DIR, "pdf-worker.cjs");
  const { cacheFile } = await import("../../src/export/cached-script.js");
  expect(existsSync(cacheFile(file)), "npm run build first").toBe(true);
  const source = readFileSync(file, "utf8");
  expect(source).not.toMatch(/\bimport\s*\(/); // a function restored from a code cache cannot run import() (Node 20)
  expect(source).not.toMatch(/require\(["']pdfkit["']\)/);
  // In a thread with the PDF thread's resource limits (a fresh isolate: nothing compiled yet).
  const boot = join(BUNDLE_DIR, "boot.cjs");
  const probe = new Worker(
    `(async () => { const { loadCached } = require(${JSON.stringify(boot)}); const r = loadCached(${JSON.stringify(file)}); await r.exports.ready; require("node:worker_threads").parentPort.postMessage(r.cache); })();`,
    { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 64 } },
  );
  try {
    const state = await new Promise((resolve, reject) => {
      probe.on("message", resolve);
      probe.on("error", reject);
    });
    expect(state).toBe("used");
  } finally {
    await probe.terminate();
  }
}, 120_000);

it("without its code cache, or with one V8 refuses, the PDF thread gives the same bytes", async () => {
  const { cacheFile } = await import("../../src/export/cached-script.js");
  // A copy of the built files beside a link to the project's packages (the fonts are found from there).
  const dir = tempDir("chart-pdf-worker-");
  for (const f of readdirSync(BUNDLE_DIR)) if (!f.endsWith(".v8-cache")) copyFileSync(join(BUNDLE_DIR, f), join(dir, f));
  symlinkSync(join(BIN, "..", "..", "node_modules"), join(dir, "node_modules"));
  const copy = join(dir, "pdf-worker.cjs");
  const view = largeView(20);
  const expected = Buffer.from(await renderPdf(view));
  const state = (): string => {
    const r = spawnSync(process.execPath, ["-e", `(async () => { const { loadCached } = require(${JSON.stringify(join(dir, "boot.cjs"))}); const r = loadCached(${JSON.stringify(copy)}); await r.exports.ready; console.log(r.cache); })();`], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  expect(state()).toBe("none");
  expect((await threadPdf(join(dir, "pdf-worker-boot.cjs"), view)).equals(expected)).toBe(true);
  writeFileSync(cacheFile(copy), Buffer.from("not a V8 code cache"));
  expect(state()).toBe("rejected");
  expect((await threadPdf(join(dir, "pdf-worker-boot.cjs"), view)).equals(expected)).toBe(true);
  // The cache of the CLI bundle: V8's, but made from other code.
  writeFileSync(cacheFile(copy), readFileSync(cacheFile(join(BUNDLE_DIR, "chart.cjs"))));
  expect(state()).toBe("rejected");
  expect((await threadPdf(join(dir, "pdf-worker-boot.cjs"), view)).equals(expected)).toBe(true);
}, 180_000);
