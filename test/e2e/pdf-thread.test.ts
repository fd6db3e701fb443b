/**
 * The share's PDF thread (src/export/pdf-thread.ts) runs the built worker next to the bundle
 * (tests run the sources, where there is none): its bytes must be renderPdf's, and a ChartError
 * it raises must come back typed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { expect, it } from "vitest";
import type { ShareView } from "../../src/domain/share-view.js";
import { renderPdf } from "../../src/export/pdf.js";
import { largeView, loadView } from "../fixtures/large-view.js";
import { BIN } from "../support/e2e.js";

const WORKER = join(BIN, "..", "..", "dist", "bundle", "pdf-worker.js");

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
