/**
 * Render a ShareView as a PDF with pdfkit (imported lazily: it costs ~165 ms to load).
 *
 * Accessible: PDF 1.7, tagged (a structure tree of headings, paragraphs, tables and lists;
 * page furniture such as rules, shading, the running header and footer marked as artifacts),
 * declared PDF/UA-1 in its XMP metadata, with a title shown in the window bar and a document
 * language. Fonts are embedded subsets of DejaVu Sans (the dejavu-fonts-ttf package), which
 * covers Latin, Greek and Cyrillic names; a character the font lacks is transliterated where a
 * plain equivalent exists and otherwise printed as "?" (the FHIR and JSON files carry the
 * exact text).
 *
 * Deterministic: the same view gives the same bytes. pdfkit's only varying inputs are the
 * info dictionary's dates (taken from view.generatedAt, the real instant of the share) and the
 * trailer /ID (set from a hash of the view so two different views never share one).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { invalid } from "../domain/errors.js";
import type { ShareView } from "../domain/share-view.js";
import { PDF_TITLE, pdfModel, type PdfBlock, type PdfColumn, type PdfLine } from "./pdf-model.js";

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

const FONT = "Body";
const BOLD = "Body-Bold";
const ITALIC = "Body-Italic";
const FONT_FILES: Record<string, string> = {
  [FONT]: "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  [BOLD]: "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
  [ITALIC]: "dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf",
};
const MARGIN = 56; // 0.78 in
const HEADER_GAP = 20; // running header above the text block
const FOOTER_GAP = 34; // footer area below the text block
const INK = "#111111";
const MUTED = "#555555";
const RULE = "#999999";
const SHADE = "#eeeeee";

export interface PdfOptions {
  title?: string;
  subject?: string;
}

let fontData: Record<string, Buffer> | undefined;
const parsed = new Map<string, FkFont>();

/** The font files, resolved from the installed package (works from src/ and from the bundle), read once. */
function fonts(): Record<string, Buffer> {
  if (fontData) return fontData;
  const require = createRequire(import.meta.url);
  fontData = Object.fromEntries(Object.entries(FONT_FILES).map(([name, spec]) => [name, readFileSync(require.resolve(spec))]));
  return fontData;
}

/** A new tagged, PDF/UA-declared document with the fonts registered. */
export async function newDocument(created: Date, info: { title: string; subject: string }): Promise<{ doc: Doc; root: Struct }> {
  if (Number.isNaN(created.getTime())) {
    throw invalid("E_BAD_VIEW", "the document has no valid creation time", "this is a bug; please report it");
  }
  const { default: PDFDocument } = await import("pdfkit");
  const doc = new PDFDocument({
    size: "LETTER",
    margins: { top: MARGIN + HEADER_GAP, bottom: MARGIN + FOOTER_GAP, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: true,
    pdfVersion: "1.7",
    tagged: true,
    subset: "PDF/UA",
    lang: "en-US",
    displayTitle: true,
    font: null, // no default font: chart registers its own (pdfkit would load and parse Helvetica's metrics for nothing)
    info: {
      Title: info.title,
      Subject: info.subject,
      Creator: "chart",
      Producer: "chart (PDFKit)",
      CreationDate: created,
      ModDate: created,
    },
  } as unknown as PDFKit.PDFDocumentOptions);
  for (const [name, data] of Object.entries(fonts())) {
    // The parsed font (fontkit's) is kept for the next document: pdfkit accepts one in place of
    // the file's bytes, and a document keeps its own subset, so the bytes are the same.
    doc.registerFont(name, (parsed.get(name) ?? data) as unknown as Buffer);
    const fk = (doc.font(name) as unknown as { _font?: EmbeddedFont })._font?.font;
    if (fk && !parsed.has(name)) parsed.set(name, fk);
    plainLayout(doc);
  }
  doc.font(FONT).fontSize(10).fillColor(INK);
  batchWrites(doc);
  const root = doc.struct("Document");
  doc.addStructure(root);
  return { doc, root };
}

interface PdfRef {
  write: (this: PdfRef, chunk: string | Uint8Array) => void;
  finalize: (this: PdfRef) => void;
  chartPending?: string[];
}
let batched = false;

/**
 * pdfkit turns every content operator (each BT, Tf, TJ, q, Q, BDC ...) into its own byte array
 * as it is written, then joins them when the page is finalized: tens of thousands of small
 * arrays for a long record. Here the text operators of an object are kept as strings and turned
 * into bytes once, when the object is finalized. The bytes are the same (pdfkit's own
 * conversion keeps the low byte of each character, as latin1 does, and adds the same newline).
 */
function batchWrites(doc: Doc): void {
  if (batched) return;
  const content = (doc as unknown as { page?: { content?: PdfRef } }).page?.content;
  const proto = content ? (Object.getPrototypeOf(content) as PdfRef) : undefined;
  if (!proto || typeof proto.write !== "function" || typeof proto.finalize !== "function") return;
  batched = true;
  const write = proto.write;
  const finalize = proto.finalize;
  const flush = (ref: PdfRef): void => {
    const pending = ref.chartPending;
    if (!pending?.length) return;
    ref.chartPending = [];
    write.call(ref, new Uint8Array(Buffer.from(pending.join(""), "latin1")));
  };
  proto.write = function (this: PdfRef, chunk: string | Uint8Array) {
    if (typeof chunk === "string") (this.chartPending ??= []).push(`${chunk}\n`);
    else {
      flush(this);
      write.call(this, chunk);
    }
  };
  proto.finalize = function (this: PdfRef) {
    flush(this);
    finalize.call(this);
  };
}

/** The parts of fontkit's font and glyph and of pdfkit's embedded font that plainLayout uses. */
interface FkGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}
interface FkFont {
  glyphsForString(s: string): FkGlyph[];
  stream: { buffer: Uint8Array };
  directory: { tables: Record<string, { offset: number; length: number } | undefined> };
  _tables?: Record<string, unknown>;
}
interface Run {
  glyphs: FkGlyph[];
  positions: Position[];
  advanceWidth: number;
}
interface Position {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}
interface EmbeddedFont {
  font?: FkFont;
  scale?: number;
  layoutRun?: (text: string, features?: unknown) => Run;
  layoutCached?: (text: string) => Run;
  layout?: (text: string, features?: unknown, onlyWidth?: boolean) => { glyphs: FkGlyph[] | null; positions: Position[] | null; advanceWidth: number };
}

const kernCache = new WeakMap<FkFont, Map<number, number>>();

/** Kerning pairs of a TrueType font's legacy `kern` table (format 0), read from its bytes: left << 16 | right -> value. */
export function kernPairs(font: FkFont): Map<number, number> {
  const pairs = new Map<number, number>();
  const entry = font.directory.tables.kern;
  const buf = font.stream.buffer;
  if (!entry || entry.length < 18) return pairs;
  const v = new DataView(buf.buffer, buf.byteOffset + entry.offset, entry.length);
  if (v.getUint16(0) !== 0) return pairs; // only the Microsoft version-0 layout
  let at = 4;
  for (let t = v.getUint16(2); t > 0 && at + 14 <= entry.length; t--) {
    const length = v.getUint16(at + 2);
    const coverage = v.getUint16(at + 4);
    // format 0 (coverage high byte), horizontal (bit 0), kerning values rather than minimums (bit 1 clear), not cross-stream (bit 2 clear)
    if (coverage >> 8 === 0 && (coverage & 0x7) === 1) {
      const n = v.getUint16(at + 6);
      for (let i = 0, p = at + 14; i < n && p + 6 <= entry.length; i++, p += 6) {
        const key = v.getUint16(p) * 65536 + v.getUint16(p + 2);
        if (!pairs.has(key)) pairs.set(key, v.getInt16(p + 4));
      }
    }
    at += Math.max(length, 6);
  }
  return pairs;
}

/**
 * The header of the font's `post` table, read from its bytes into fontkit's table cache.
 * pdfkit reads two fields of it when embedding the font (isFixedPitch, italicAngle); fontkit
 * would decode the whole table for them, glyph names included: DejaVu Sans names ~6,000
 * glyphs, ~0.1 s per face. Nothing chart draws needs the glyph names.
 */
function lightPost(fk: FkFont): void {
  const entry = fk.directory.tables.post;
  const tables = fk._tables;
  if (!entry || entry.length < 32 || !tables || "post" in tables) return;
  const buf = fk.stream.buffer;
  const v = new DataView(buf.buffer, buf.byteOffset + entry.offset, 32);
  tables.post = {
    version: v.getInt32(0) / 65536,
    italicAngle: v.getInt32(4) / 65536,
    underlinePosition: v.getInt16(8),
    underlineThickness: v.getInt16(10),
    isFixedPitch: v.getUint32(12),
    minMemType42: v.getUint32(16),
    maxMemType42: v.getUint32(20),
    minMemType1: v.getUint32(24),
    maxMemType1: v.getUint32(28),
  };
}

/**
 * Lay text out from the font's character map, advance widths and kerning pairs, without
 * OpenType shaping (GSUB/GPOS). Shaping is what a Latin, Greek or Cyrillic record does not
 * need (no ligatures: "ffi" stays three glyphs, which also copies and reads back as typed;
 * accented letters are precomposed, see pdfText's NFC), and it was most of a share's time: fontkit
 * decodes DejaVu's large GSUB/GPOS tables and runs its shaper on every distinct word (a
 * 200-note share spent ~0.6 s there; see docs/sharing.md, "Speed"). The run has the shape
 * pdfkit's own layoutRun returns (glyphs, positions scaled to 1000 units, advanceWidth).
 */
function plainLayout(doc: Doc): void {
  const ef = (doc as unknown as { _font?: EmbeddedFont })._font;
  const fk = ef?.font;
  if (!ef || !fk || typeof fk.glyphsForString !== "function" || typeof ef.scale !== "number") return;
  lightPost(fk);
  const scale = ef.scale;
  let kern: Map<number, number> | undefined;
  ef.layoutRun = (text: string): Run => {
    if (!kern) {
      kern = kernCache.get(fk) ?? kernPairs(fk);
      kernCache.set(fk, kern);
    }
    const glyphs = fk.glyphsForString(text);
    const positions: Position[] = [];
    let advanceWidth = 0;
    for (let i = 0; i < glyphs.length; i++) {
      const g = glyphs[i] as FkGlyph;
      const next = glyphs[i + 1];
      const k = next ? (kern.get(g.id * 65536 + next.id) ?? 0) : 0;
      const xAdvance = (g.advanceWidth + k) * scale;
      positions.push({ xAdvance, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: g.advanceWidth * scale });
      advanceWidth += xAdvance;
    }
    return { glyphs, positions, advanceWidth };
  };
  // pdfkit's layout splits text into words (each with its trailing space or tab) and lays each
  // out once per document (layoutCached); the same, without its array per character and its
  // repeated concatenation.
  const cached = ef.layoutCached?.bind(ef);
  if (!cached) return;
  ef.layout = (text: string, features?: unknown, onlyWidth?: boolean) => {
    if (features) return (ef.layoutRun as (t: string, f?: unknown) => Run)(text, features);
    const glyphs: FkGlyph[] | null = onlyWidth ? null : [];
    const positions: Position[] | null = onlyWidth ? null : [];
    let advanceWidth = 0;
    let last = 0;
    const end = text.length;
    for (let i = 0; i <= end; i++) {
      const c = i < end ? text.charCodeAt(i) : -1;
      if (c !== 32 && c !== 9 && !(c === -1 && last < end)) continue;
      const run = cached(text.slice(last, i + 1));
      if (glyphs && positions) {
        for (const g of run.glyphs) glyphs.push(g);
        for (const p of run.positions) positions.push(p);
      }
      advanceWidth += run.advanceWidth;
      last = i + 1;
    }
    return { glyphs, positions, advanceWidth };
  };
}

export async function renderPdf(view: ShareView): Promise<Uint8Array> {
  const blocks = pdfModel(view);
  const { doc, root } = await newDocument(new Date(view.generatedAt), {
    title: `${PDF_TITLE}${view.patient ? ` — ${view.patient.name}` : ""}`,
    subject: "Disclosed under the client's written authorization",
  });
  setFileId(doc, view);
  return renderBlocks(doc, root, blocks);
}

/**
 * Lay out a document model on a new document: each block in order, the running header and
 * footer (from the model's `running` block) on every page once all pages exist. Every chart PDF
 * (share, accounting, superbill) is made this way.
 */
export function renderBlocks(doc: Doc, root: Struct, blocks: readonly PdfBlock[]): Promise<Uint8Array> {
  const done = collect(doc);
  const page = makePage(doc, root);
  let running = { header: "", footer: "" };
  for (const b of blocks) {
    if (b.kind === "running") running = { header: b.header, footer: b.footer };
    else drawBlock(page, b);
  }
  root.end();
  drawRunning(page, running.header, running.footer);
  doc.end();
  return done;
}

/** The trailer /ID: 16 bytes of SHA-256 over the view (pdfkit's default hashes only the info dictionary). */
function setFileId(doc: Doc, view: unknown): void {
  const holder = doc as unknown as { _id?: unknown };
  if (holder._id instanceof Uint8Array) {
    holder._id = new Uint8Array(createHash("sha256").update(JSON.stringify(view)).digest().subarray(0, 16));
  }
}

/**
 * The document's bytes once it ends. pdfkit writes each object in pieces (its number, its
 * dictionary, its stream...), each converted to bytes and pushed through a stream on its own:
 * tens of thousands of small pushes for a long record. Here what it writes from now on is kept
 * as it comes and turned into bytes once at the end; what it wrote before (the file header)
 * still comes through the stream, first. The bytes are the same: pdfkit's conversion keeps the
 * low byte of each character, as latin1 does, and adds the same newline.
 */
export function collect(doc: Doc): Promise<Uint8Array> {
  const parts: (string | Uint8Array)[] = [];
  const writer = doc as unknown as { _write?: (data: unknown) => void; _offset: number };
  if (typeof writer._write === "function" && typeof writer._offset === "number") {
    writer._write = function (this: { _offset: number }, data: unknown): void {
      if (data instanceof Uint8Array) {
        parts.push(data);
        this._offset += data.length;
      } else {
        const text = `${String(data)}\n`;
        parts.push(text);
        this._offset += text.length;
      }
    };
  }
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => {
      let text = "";
      for (const p of parts) {
        if (typeof p === "string") text += p;
        else {
          if (text) chunks.push(Buffer.from(text, "latin1"));
          text = "";
          chunks.push(p);
        }
      }
      if (text) chunks.push(Buffer.from(text, "latin1"));
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    doc.on("error", reject);
  });
}

export interface Page {
  doc: Doc;
  root: Struct;
  left: number;
  width: number;
  has: (cp: number) => boolean;
}

export function makePage(doc: Doc, root: Struct): Page {
  doc.font(FONT).fontSize(10).fillColor(INK);
  const font = (doc as unknown as { _font?: { font?: { hasGlyphForCodePoint?: (cp: number) => boolean } } })._font?.font;
  // Printable ASCII is in every font chart embeds; the rest is asked of the font once per character.
  const known = new Map<number, boolean>();
  const has = (cp: number): boolean => {
    if (cp >= 0x20 && cp < 0x7f) return true;
    let k = known.get(cp);
    if (k === undefined) known.set(cp, (k = font?.hasGlyphForCodePoint?.(cp) ?? false));
    return k;
  };
  return { doc, root, left: doc.page.margins.left, width: doc.page.width - doc.page.margins.left - doc.page.margins.right, has };
}

const bottomOf = (d: Doc): number => d.page.height - d.page.margins.bottom;

/** Start a new page unless `height` points still fit on this one. */
function ensure(p: Page, height: number): void {
  if (p.doc.y + height > bottomOf(p.doc)) p.doc.addPage();
  p.doc.x = p.left;
}

/** Tagged content: a structure element of `type` under `parent`, its content drawn by `draw`. */
export function tag(p: Page, type: string, draw: () => void, parent: Struct = p.root): void {
  const el = p.doc.struct(type);
  parent.add(el);
  el.add(draw);
  el.end();
}

/** Page furniture (rules, shading): an artifact, outside the structure tree. */
export function artifact(p: Page, draw: () => void, type: "Layout" | "Pagination" = "Layout"): void {
  p.doc.markContent("Artifact", { type });
  draw();
  p.doc.endMarkedContent();
}

export function drawBlock(p: Page, b: Exclude<PdfBlock, { kind: "running" }>): void {
  switch (b.kind) {
    case "letterhead":
      return drawLetterhead(p, b.name, b.lines);
    case "title":
      return drawTitle(p, b.text, b.subtitle);
    case "heading":
      return drawHeading(p, b.level, b.text);
    case "fields":
      return drawFields(p, b.rows);
    case "notice":
      return drawNotice(p, b.title, b.text);
    case "paragraph":
      return drawParagraph(p, b.text, b.style);
    case "table":
      return drawTable(p, b.columns, b.rows);
    case "body":
      return drawBody(p, b.lines);
    case "signature":
      return drawSignature(p, b.lines);
    case "pagebreak":
      p.doc.addPage();
      p.doc.x = p.left;
      return;
  }
}

function drawLetterhead(p: Page, name: string, lines: string[]): void {
  const d = p.doc;
  tag(p, "H1", () => {
    d.font(BOLD).fontSize(15).fillColor(INK).text(pdfText(name, p.has), p.left, d.y, { width: p.width });
  });
  if (lines.length) {
    tag(p, "P", () => {
      d.font(FONT).fontSize(9).fillColor(MUTED).text(lines.map((l) => pdfText(l, p.has)).join("\n"), p.left, d.y, { width: p.width });
    });
  }
  const y = d.y + 4;
  artifact(p, () => d.moveTo(p.left, y).lineTo(p.left + p.width, y).lineWidth(0.8).strokeColor(RULE).stroke());
  d.y = y + 10;
  d.fillColor(INK).font(FONT).fontSize(10);
}

function drawTitle(p: Page, text: string, subtitle: string): void {
  const d = p.doc;
  tag(p, "H1", () => {
    d.font(BOLD).fontSize(18).fillColor(INK).text(pdfText(text, p.has), p.left, d.y, { width: p.width });
  });
  tag(p, "P", () => {
    d.font(FONT).fontSize(10).fillColor(MUTED).text(pdfText(subtitle, p.has), p.left, d.y, { width: p.width });
  });
  d.fillColor(INK).moveDown(0.8);
}

function drawHeading(p: Page, level: 1 | 2 | 3, text: string): void {
  const d = p.doc;
  const size = level === 1 ? 14 : level === 2 ? 11.5 : 10;
  d.moveDown(level === 1 ? 0.8 : 0.5);
  // Keep a heading with what follows it: a section heading with the first item's heading and
  // a few of its lines, an item heading with a few lines.
  ensure(p, size * 1.4 + (level === 1 ? 100 : level === 2 ? 60 : 40));
  tag(p, `H${level + 1}`, () => {
    d.font(level === 3 ? ITALIC : BOLD).fontSize(size).fillColor(INK).text(pdfText(text, p.has), p.left, d.y, { width: p.width });
  });
  if (level === 1) {
    const y = d.y + 1;
    artifact(p, () => d.moveTo(p.left, y).lineTo(p.left + p.width, y).lineWidth(0.6).strokeColor(RULE).stroke());
    d.y = y + 4;
  } else d.moveDown(0.2);
  d.font(FONT).fontSize(10);
}

function drawFields(p: Page, rows: { label: string; value: string }[]): void {
  const d = p.doc;
  const labelW = 110;
  const valueW = p.width - labelW;
  d.fontSize(10);
  const table = d.struct("Table");
  p.root.add(table);
  for (const row of rows) {
    const label = pdfText(row.label, p.has);
    const value = pdfText(row.value, p.has);
    const h = Math.max(d.font(BOLD).heightOfString(label, { width: labelW - 8 }), d.font(FONT).heightOfString(value || " ", { width: valueW }));
    ensure(p, h);
    const y = d.y;
    const tr = d.struct("TR");
    table.add(tr);
    tag(p, "TH", () => d.font(BOLD).fillColor(MUTED).text(label, p.left, y, { width: labelW - 8 }), tr);
    tag(p, "TD", () => d.font(FONT).fillColor(INK).text(value, p.left + labelW, y, { width: valueW }), tr);
    tr.end();
    d.y = y + h + 2;
  }
  table.end();
  d.x = p.left;
  d.moveDown(0.4);
}

function drawNotice(p: Page, title: string, text: string): void {
  const d = p.doc;
  const pad = 6;
  const inner = p.width - 2 * pad;
  const t = pdfText(title, p.has);
  const body = pdfText(text, p.has);
  const h = d.font(BOLD).fontSize(9).heightOfString(t, { width: inner }) + d.font(FONT).fontSize(9).heightOfString(body, { width: inner }) + 2 * pad + 2;
  ensure(p, h);
  const y = d.y;
  artifact(p, () => {
    d.rect(p.left, y, p.width, h).fillColor(SHADE).fill();
    d.rect(p.left, y, 3, h).fillColor(MUTED).fill();
  });
  const sect = d.struct("Sect");
  p.root.add(sect);
  tag(p, "H3", () => d.fillColor(INK).font(BOLD).fontSize(9).text(t, p.left + pad, y + pad, { width: inner }), sect);
  tag(p, "P", () => d.font(FONT).fontSize(9).text(body, p.left + pad, d.y + 2, { width: inner }), sect);
  sect.end();
  d.y = y + h + 6;
  d.x = p.left;
  d.fontSize(10);
}

function drawParagraph(p: Page, text: string, style: "meta" | "muted" | undefined): void {
  const d = p.doc;
  if (style === "meta") d.font(FONT).fontSize(8.5).fillColor(MUTED);
  else if (style === "muted") d.font(ITALIC).fontSize(10).fillColor(MUTED);
  else d.font(FONT).fontSize(10).fillColor(INK);
  tag(p, "P", () => d.text(pdfText(text, p.has), p.left, d.y, { width: p.width }));
  d.fillColor(INK).font(FONT).fontSize(10).moveDown(style === "meta" ? 0.3 : 0.5);
}

function drawBody(p: Page, lines: PdfLine[]): void {
  const d = p.doc;
  d.fontSize(10).fillColor(INK);
  // Consecutive plain lines go out as one paragraph (pdfkit breaks at "\n"), much faster than a
  // call per line; bold lines (headings in the note) and blank lines separate the paragraphs.
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const text = run.map((l) => pdfText(l, p.has)).join("\n");
    tag(p, "P", () => d.font(FONT).text(text, p.left, d.y, { width: p.width }));
    run = [];
  };
  for (const l of lines) {
    if (l.bold) {
      flush();
      d.moveDown(0.2);
      ensure(p, 30);
      tag(p, "H5", () => d.font(BOLD).text(pdfText(l.text, p.has), p.left, d.y, { width: p.width }));
    } else if (l.text === "") {
      flush();
      d.moveDown(0.4);
    } else run.push(l.text);
  }
  flush();
  d.font(FONT).moveDown(0.6);
}

function drawSignature(p: Page, lines: string[]): void {
  const d = p.doc;
  d.moveDown(1);
  ensure(p, 14 * lines.length + 10);
  tag(p, "P", () => d.font(FONT).fontSize(10).fillColor(INK).text(lines.map((l) => pdfText(l, p.has)).join("\n"), p.left, d.y, { width: p.width }));
  d.moveDown(1);
}

function drawTable(p: Page, columns: PdfColumn[], rows: string[][]): void {
  const d = p.doc;
  const pad = 3;
  const size = 8.5;
  const widths = columns.map((c) => c.width * p.width);
  const xs = widths.map((_, i) => p.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const titles = columns.map((c) => pdfText(c.title, p.has));
  const table = d.struct("Table");
  p.root.add(table);
  const heightOf = (cells: string[], font: string): number => {
    d.font(font).fontSize(size);
    return Math.max(...cells.map((c, i) => d.heightOfString(c || " ", { width: (widths[i] ?? 0) - 2 * pad }))) + 2 * pad;
  };
  const draw = (cells: string[], header: boolean, repeat = false): void => {
    const font = header ? BOLD : FONT;
    const h = heightOf(cells, font);
    if (d.y + h > bottomOf(d)) {
      d.addPage();
      if (!header) draw(titles, true, true); // repeat the header row on the new page
    }
    const y = d.y;
    if (header) artifact(p, () => d.rect(p.left, y, p.width, h).fillColor(SHADE).fill());
    d.fillColor(INK).font(font).fontSize(size);
    const paint = (): void => cells.forEach((c, i) => d.text(c, (xs[i] ?? 0) + pad, y + pad, { width: (widths[i] ?? 0) - 2 * pad }));
    if (repeat) artifact(p, paint, "Pagination"); // a repeated header is furniture, not a new row
    else {
      const tr = d.struct("TR");
      table.add(tr);
      cells.forEach((c, i) => tag(p, header ? "TH" : "TD", () => d.text(c, (xs[i] ?? 0) + pad, y + pad, { width: (widths[i] ?? 0) - 2 * pad }), tr));
      tr.end();
    }
    artifact(p, () => d.moveTo(p.left, y + h).lineTo(p.left + p.width, y + h).lineWidth(header ? 0.8 : 0.4).strokeColor(RULE).stroke());
    d.y = y + h;
  };
  ensure(p, heightOf(titles, BOLD) + 20);
  draw(titles, true);
  for (const row of rows) draw(row.map((c) => pdfText(c, p.has)), false);
  table.end();
  d.x = p.left;
  d.font(FONT).fontSize(10).moveDown(0.6);
}

/** Running header and footer with page numbers on every page, drawn once all pages exist (artifacts). */
export function drawRunning(p: Page, header: string, footer: string): void {
  const d = p.doc;
  const range = d.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    d.switchToPage(i);
    const { top, bottom } = d.page.margins;
    d.page.margins.bottom = 0; // writing below the margin must not start a new page
    d.page.margins.top = 0;
    artifact(
      p,
      () => {
        const hy = MARGIN - 4;
        d.font(FONT).fontSize(8).fillColor(MUTED);
        if (header) d.text(pdfText(header, p.has), p.left, hy, { width: p.width, lineBreak: false });
        d.moveTo(p.left, hy + 12).lineTo(p.left + p.width, hy + 12).lineWidth(0.4).strokeColor(RULE).stroke();
        const y = d.page.height - MARGIN - 10;
        d.moveTo(p.left, y - 6).lineTo(p.left + p.width, y - 6).lineWidth(0.4).strokeColor(RULE).stroke();
        d.font(FONT).fontSize(8).fillColor(MUTED);
        d.text(pdfText(footer, p.has), p.left, y, { width: p.width * 0.75, lineBreak: false });
        d.text(`Page ${i - range.start + 1} of ${range.count}`, p.left + p.width * 0.75, y, { width: p.width * 0.25, align: "right", lineBreak: false });
      },
      "Pagination",
    );
    d.page.margins.bottom = bottom;
    d.page.margins.top = top;
  }
  d.fillColor(INK);
}

/** Plain stand-ins for common characters a font may lack. */
const STAND_IN: Record<string, string> = {
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2015": "—",
  "\u2212": "-",
  "\u2032": "'",
  "\u2033": '"',
  "\u2190": "<-",
  "\u2192": "->",
  "\u2194": "<->",
  "\u21d2": "=>",
  "\u2264": "<=",
  "\u2265": ">=",
  "\u2260": "!=",
  "\u2248": "~",
  "\u00a0": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2009": " ",
  "\u200a": " ",
  "\u202f": " ",
};

const PLAIN = /^[\x20-\x7e\n]*$/;

/** Invisible or direction-changing characters that must not reach a page (they can reorder what a reader sees). */
const DROP = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/**
 * Text the embedded font can show: tabs become spaces, control and bidi-override characters go,
 * characters the font lacks are transliterated (accents stripped) where possible, else "?".
 * Line breaks are kept. `has` says whether the font has a glyph (DejaVu Sans covers Latin,
 * Greek and Cyrillic); without it, only printable ASCII is assumed. Every font has printable
 * ASCII, so text of nothing else comes back unchanged without asking `has`.
 */
export function pdfText(s: string, has: (cp: number) => boolean = (cp) => cp >= 0x20 && cp < 0x7f): string {
  // Most of a record: one test instead of a normalization and a look-up per character.
  if (PLAIN.test(s)) return s;
  let out = "";
  for (const ch of s.normalize("NFC")) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === "\n") out += ch;
    else if (ch === "\t") out += "    ";
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || DROP.test(ch)) continue;
    else if (has(cp) && !(ch in STAND_IN && !has(cp))) out += ch;
    else if (ch in STAND_IN) out += STAND_IN[ch] as string;
    else {
      const base = ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      out += base !== "" && Array.from(base).every((c) => has(c.codePointAt(0) ?? 0)) ? base : "?";
    }
  }
  return out;
}
