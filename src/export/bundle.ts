/**
 * A share bundle on disk: render the view (PDF, FHIR, JSON) and the manifest, encrypt when
 * asked; src/export/publish.ts writes them to a directory outside the chart repository, whole
 * or not at all.
 *
 * The manifest lists the SHA-256 of every other file as the recipient will read it (the
 * plaintext); the bundle hash is the SHA-256 of the manifest file itself. Both are functions of
 * the view alone (which carries the share's instant and document id), so the hash recorded in
 * the disclosure is the hash of the files written, and a recipient can check theirs against
 * the chart's record of disclosures. Encrypted files (.age) differ
 * on every run (age is randomised); their hashes are recorded separately.
 */
import { stat } from "node:fs/promises";
import { ChartError, invalid, usageError } from "../domain/errors.js";
import type { ShareView } from "../domain/share-view.js";
import { encryptFor } from "../store/age.js";
import { sha256Hex } from "../store/hash.js";
import { inside, realish } from "./paths.js";
import { buildManifest, MANIFEST_NAME, manifestText } from "./manifest.js";
import type { PdfThread } from "./pdf-thread.js";

export const SHARE_FORMATS = ["pdf", "fhir", "json"] as const;
export type ShareFormat = (typeof SHARE_FORMATS)[number];
export const DEFAULT_FORMATS: readonly ShareFormat[] = ["pdf", "fhir"];

export const FILE_NAMES: Record<ShareFormat, string> = {
  pdf: "record.pdf",
  fhir: "record.fhir.json",
  json: "record.json",
};
export const MANIFEST_FILE = MANIFEST_NAME;
export const AGE_SUFFIX = ".age";

export interface BundleFile {
  name: string;
  data: Uint8Array;
  sha256: string; // hex
}

export type Encryption = { recipients: string[] } | { passphrase: string };

/** Formats typed by the user ("pdf,fhir", repeatable), in canonical order. */
export function checkFormats(input: readonly string[] | string | undefined): ShareFormat[] {
  const list = (typeof input === "string" ? [input] : input ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  if (list.length === 0) return [...DEFAULT_FORMATS];
  for (const f of list) {
    if (!(SHARE_FORMATS as readonly string[]).includes(f)) {
      throw usageError("E_SHARE_FORMAT", `unknown format "${f.slice(0, 20)}"`, `use one or more of: ${SHARE_FORMATS.join(", ")}`);
    }
  }
  return SHARE_FORMATS.filter((f) => list.includes(f));
}

const file = (name: string, data: Uint8Array | string): BundleFile => {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return { name, data: bytes, sha256: sha256Hex(bytes) };
};

const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Render the view in each format, then the manifest over them. Pure of the view (no clock).
 * `pdfThread`: the PDF is rendered there (src/export/pdf-thread.ts) while this thread writes the
 * other formats; the bytes are the same. Should the thread itself fail, the PDF is rendered here.
 */
export async function renderBundle(view: ShareView, formats: readonly ShareFormat[], pdfThread?: PdfThread): Promise<{ files: BundleFile[]; manifest: BundleFile }> {
  const inProcess = async (): Promise<Uint8Array> => {
    const { renderPdf } = await import("./pdf.js");
    return renderPdf(view);
  };
  const pdf = formats.includes("pdf")
    ? pdfThread
      ? pdfThread.render(view).catch((e: unknown) => {
          if (e instanceof ChartError) throw e;
          return inProcess();
        })
      : inProcess()
    : undefined;
  pdf?.catch(() => undefined); // awaited below, after the other formats
  // The other formats first (while the thread renders the PDF), then the files in format order.
  const made = new Map<ShareFormat, BundleFile>();
  for (const f of formats) {
    if (f === "fhir") {
      const { renderFhir } = await import("./fhir.js");
      made.set(f, file(FILE_NAMES.fhir, jsonText(renderFhir(view))));
    } else if (f === "json") {
      const { recordJson } = await import("./record-json.js");
      made.set(f, file(FILE_NAMES.json, jsonText(recordJson(view))));
    }
  }
  if (pdf) made.set("pdf", file(FILE_NAMES.pdf, await pdf));
  const files = formats.map((f) => made.get(f) as BundleFile);
  const manifest = file(MANIFEST_FILE, manifestText(buildManifest(view, files.map(({ name, sha256 }) => ({ name, sha256 })))));
  return { files, manifest };
}

/**
 * Encrypt every file for the recipients or the passphrase; names take the .age suffix.
 * A passphrase costs one scrypt per file (age gives each file its own salt), so files are
 * encrypted two at a time.
 */
export async function encryptBundle(files: readonly BundleFile[], to: Encryption): Promise<BundleFile[]> {
  const one = async (f: BundleFile) => file(f.name + AGE_SUFFIX, await encryptFor(f.data, to));
  const out: BundleFile[] = new Array<BundleFile>(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) out[i] = await one(files[i] as BundleFile);
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** The bundle hash recorded in the disclosure: SHA-256 of the (plaintext) manifest file. */
export const bundleHash = (manifest: BundleFile): string => `sha256:${manifest.sha256}`;

/** The real path of `p`, resolving symlinks of the part that exists. */

/**
 * Refuse an output directory inside the chart repository (or its git directory): a bundle is
 * plaintext, or meant for someone else, and must never be committed or synced with the chart.
 */
export async function checkOutDir(outDir: string, chart: { root: string; gitDir: string }): Promise<string> {
  const out = await realish(outDir);
  for (const p of [chart.root, chart.gitDir]) {
    if (inside(out, await realish(p))) {
      throw invalid("E_SHARE_INSIDE_REPO", "the output directory is inside the chart repository", "choose a directory outside it, e.g. --out ~/shares/referral");
    }
  }
  const st = await stat(out).catch(() => undefined);
  if (st && !st.isDirectory()) throw usageError("E_SHARE_OUT", `${outDir} exists and is not a directory`, "name a directory for the bundle");
  return out;
}

