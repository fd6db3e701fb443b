/**
 * A worker thread that renders a share's PDF (src/export/pdf-thread.ts). `chart share` starts
 * it before it reads anything, so that loading pdfkit and fontkit, parsing the fonts and a first
 * small document (which brings pdfkit's code up to speed) happen on the other core while the
 * main thread checks and reads the client's records; the share's own document is then rendered
 * here while the main thread writes the FHIR and JSON files (docs/sharing.md, "Speed").
 *
 * Built as one CommonJS file with pdfkit and fontkit inside (dist/bundle/pdf-worker.cjs,
 * rolldown.config.mjs) and started by src/export/pdf-worker-boot.ts with the V8 code cache the
 * build makes for it, after a training run of `ready` (scripts/code-cache.mjs). Hence no
 * top-level await: a job posted during the warm-up waits for it.
 *
 * View in, PDF bytes or a typed error out; it touches no file but pdfkit's and the fonts.
 * The warm-up document is made up here and thrown away: nothing of a chart reaches it.
 */
import { parentPort } from "node:worker_threads";
import { ChartError } from "../domain/errors.js";
import type { ShareNote, ShareView } from "../domain/share-view.js";
import { renderPdf } from "./pdf.js";

type Job = { id: number; view: ShareView };

/** A small document with every kind of block a share has: title, fields, notices, tables, notes with headings and addenda. */
function warmUpView(): ShareView {
  const body = "## Subjective\nReports sleep improving; mood steady.\n\n## Assessment\nProgressing as planned.\n\n## Plan\n- Continue weekly sessions.\n- Review goals next month.\n";
  const note = (i: number): ShareNote => ({
    id: `nt_warmup${String(i).padStart(19, "a")}`,
    type: "progress",
    template: "soap",
    date: `2020-01-0${i + 1}`,
    duration: 50,
    cpt: "90834",
    status: "signed",
    signedBy: "Warm Up",
    signedAt: `2020-01-0${i + 1}T15:00:00Z`,
    labels: [],
    text: body,
    addenda: i === 0 ? [{ id: "nt_warmupaddendumaaaaaaaaaaa", date: "2020-01-02", text: "A correction.", signedBy: "Warm Up", signedAt: "2020-01-02T10:00:00Z" }] : [],
  });
  return {
    date: "2020-01-10",
    generatedAt: "2020-01-10T12:00:00Z",
    documentId: "ds_warmupaaaaaaaaaaaaaaaaaaa",
    consent: {
      id: "cs_warmupaaaaaaaaaaaaaaaaaaa",
      recipient: { name: "Warm Up", organization: "Warm Up" },
      discloser: "Warm Up",
      purposes: ["warm up"],
      categories: ["demographics", "diagnoses", "medications", "notes"],
      expires: "2020-12-31",
      signed: "2020-01-01",
      signedBy: "Warm Up",
      statements: ["A statement."],
    },
    clientId: "cl_warmupaaaaaaaaaaaaaaaaaaa",
    patient: { id: "cl_warmupaaaaaaaaaaaaaaaaaaa", name: "Warm Up", dob: "1990-01-01" },
    diagnoses: [
      { code: "F41.1", description: "Generalized anxiety disorder", status: "active", since: "2020-01-01", added: "2020-01-01", primary: true, labels: [], items: ["dx_warmupaaaaaaaaaaaaaaaaaaa"] },
      { code: "F32.0", description: "Major depressive disorder, single episode, mild", status: "resolved", since: "2020-01-05", added: "2020-01-01", resolved: "2020-01-05", primary: false, labels: [], items: ["dx_warmupbbbbbbbbbbbbbbbbbbb"] },
    ],
    medications: [{ med: "md_warmupaaaaaaaaaaaaaaaaaaa", name: "Sertraline", dose: "50 mg", started: "2020-01-01", active: true, labels: [], items: ["md_warmupaaaaaaaaaaaaaaaaaaa"] }],
    notes: [note(0)],
    withheld: [],
    labels: [],
    part2: false,
    items: [],
  };
}

// Warm up first: a job posted meanwhile waits for it and runs on warm code.
export const ready: Promise<void> = renderPdf(warmUpView()).then(
  () => undefined,
  () => undefined,
);

parentPort?.on("message", (job: Job) => {
  ready.then(() => renderPdf(job.view)).then(
    (pdf) => parentPort?.postMessage({ id: job.id, pdf }, [pdf.buffer as ArrayBuffer]), // a buffer of its own (collect in pdf.ts)
    (e: unknown) =>
      parentPort?.postMessage(
        e instanceof ChartError
          ? { id: job.id, error: { code: e.code, message: e.message, hint: e.hint } }
          : { id: job.id, fatal: e instanceof Error ? e.message : String(e) },
      ),
  );
});
