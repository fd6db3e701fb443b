/**
 * Render a ShareView as a PDF with pdfkit (imported lazily: it costs ~165 ms to load).
 *
 * Deterministic: the same view gives the same bytes. pdfkit's only varying inputs are the
 * info dictionary's dates (taken from view.generatedAt) and the trailer /ID (pdfkit derives it
 * from the info dictionary; we set it from a hash of the view so two different views never
 * share one). Deflate output is a pure function of its input.
 *
 * Text uses the 14 standard fonts (WinAnsi encoding, nothing embedded): characters those fonts
 * cannot show are transliterated where a plain equivalent exists (é stays, ł -> l, − -> -) and
 * replaced by "?" otherwise.
 */
import { createHash } from "node:crypto";
import { invalid } from "../domain/errors.js";
import type { ShareView } from "../domain/share-view.js";
import { PDF_TITLE, pdfModel, type PdfBlock, type PdfColumn, type PdfLine } from "./pdf-model.js";

type Doc = PDFKit.PDFDocument;

const FONT = "Helvetica";
const BOLD = "Helvetica-Bold";
const ITALIC = "Helvetica-Oblique";
const MARGIN = 56; // 0.78 in
const FOOTER_GAP = 34; // footer baseline area below the text block
const INK = "#111111";
const MUTED = "#555555";
const RULE = "#999999";
const SHADE = "#eeeeee";

export async function renderPdf(view: ShareView): Promise<Uint8Array> {
  const created = new Date(view.generatedAt);
  if (Number.isNaN(created.getTime())) {
    throw invalid("E_BAD_VIEW", "the share view has no valid generation time", "this is a bug in the selection; please report it");
  }
  const { default: PDFDocument } = await import("pdfkit");
  const blocks = pdfModel(view);
  const doc = new PDFDocument({
    size: "LETTER",
    margins: { top: MARGIN, bottom: MARGIN + FOOTER_GAP, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: true,
    lang: "en-US",
    displayTitle: true,
    info: {
      Title: pdfText(`${PDF_TITLE} (${view.consent.id})`),
      Subject: pdfText(`Disclosed under authorization ${view.consent.id}`),
      Creator: "chart",
      Producer: "chart (PDFKit)",
      CreationDate: created,
      ModDate: created,
    },
  });
  setFileId(doc, view);
  const done = collect(doc);

  const page = makePage(doc);
  let footer = "";
  for (const b of blocks) {
    if (b.kind === "footer") footer = b.text;
    else drawBlock(page, b);
  }
  drawFooters(page, footer);
  doc.end();
  return done;
}

/** The trailer /ID: 16 bytes of SHA-256 over the view (pdfkit's default hashes only the info dictionary). */
function setFileId(doc: Doc, view: ShareView): void {
  const holder = doc as unknown as { _id?: unknown };
  if (holder._id instanceof Uint8Array) {
    holder._id = new Uint8Array(createHash("sha256").update(JSON.stringify(view)).digest().subarray(0, 16));
  }
}

function collect(doc: Doc): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on("error", reject);
  });
}

interface Page {
  doc: Doc;
  left: number;
  width: number;
}

function makePage(doc: Doc): Page {
  doc.font(FONT).fontSize(10).fillColor(INK);
  return { doc, left: doc.page.margins.left, width: doc.page.width - doc.page.margins.left - doc.page.margins.right };
}

const bottomOf = (d: Doc): number => d.page.height - d.page.margins.bottom;

/** Start a new page unless `height` points still fit on this one. */
function ensure(p: Page, height: number): void {
  if (p.doc.y + height > bottomOf(p.doc)) p.doc.addPage();
  p.doc.x = p.left;
}

function drawBlock(p: Page, b: Exclude<PdfBlock, { kind: "footer" }>): void {
  switch (b.kind) {
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
  }
}

function drawTitle(p: Page, text: string, subtitle: string): void {
  const d = p.doc;
  d.font(BOLD).fontSize(18).fillColor(INK).text(pdfText(text), p.left, d.y, { width: p.width });
  d.font(FONT).fontSize(10).fillColor(MUTED).text(pdfText(subtitle), { width: p.width });
  d.fillColor(INK).moveDown(0.8);
}

function drawHeading(p: Page, level: 1 | 2 | 3, text: string): void {
  const d = p.doc;
  const size = level === 1 ? 14 : level === 2 ? 11.5 : 10;
  d.moveDown(level === 1 ? 0.8 : 0.5);
  // Keep a heading with what follows it: a section heading with the first item's heading and
  // a few of its lines, an item heading with a few lines.
  ensure(p, size * 1.4 + (level === 1 ? 100 : level === 2 ? 60 : 40));
  d.font(level === 3 ? ITALIC : BOLD).fontSize(size).fillColor(INK).text(pdfText(text), p.left, d.y, { width: p.width });
  if (level === 1) {
    const y = d.y + 1;
    d.moveTo(p.left, y).lineTo(p.left + p.width, y).lineWidth(0.6).strokeColor(RULE).stroke();
    d.y = y + 4;
  } else d.moveDown(0.2);
  d.font(FONT).fontSize(10);
}

function drawFields(p: Page, rows: { label: string; value: string }[]): void {
  const d = p.doc;
  const labelW = 110;
  const valueW = p.width - labelW;
  d.fontSize(10);
  for (const row of rows) {
    const label = pdfText(row.label);
    const value = pdfText(row.value);
    const h = Math.max(
      d.font(BOLD).heightOfString(label, { width: labelW - 8 }),
      d.font(FONT).heightOfString(value || " ", { width: valueW }),
    );
    ensure(p, h);
    const y = d.y;
    d.font(BOLD).fillColor(MUTED).text(label, p.left, y, { width: labelW - 8 });
    d.font(FONT).fillColor(INK).text(value, p.left + labelW, y, { width: valueW });
    d.y = y + h + 2;
  }
  d.x = p.left;
  d.moveDown(0.4);
}

function drawNotice(p: Page, title: string, text: string): void {
  const d = p.doc;
  const pad = 6;
  const inner = p.width - 2 * pad;
  const t = pdfText(title);
  const body = pdfText(text);
  const h =
    d.font(BOLD).fontSize(9).heightOfString(t, { width: inner }) +
    d.font(FONT).fontSize(9).heightOfString(body, { width: inner }) +
    2 * pad +
    2;
  ensure(p, h);
  const y = d.y;
  d.rect(p.left, y, p.width, h).fillColor(SHADE).fill();
  d.rect(p.left, y, 3, h).fillColor(MUTED).fill();
  d.fillColor(INK).font(BOLD).fontSize(9).text(t, p.left + pad, y + pad, { width: inner });
  d.font(FONT).fontSize(9).text(body, p.left + pad, d.y + 2, { width: inner });
  d.y = y + h + 6;
  d.x = p.left;
  d.fontSize(10);
}

function drawParagraph(p: Page, text: string, style: "meta" | "muted" | undefined): void {
  const d = p.doc;
  if (style === "meta") d.font(FONT).fontSize(8.5).fillColor(MUTED);
  else if (style === "muted") d.font(ITALIC).fontSize(10).fillColor(MUTED);
  else d.font(FONT).fontSize(10).fillColor(INK);
  d.text(pdfText(text), p.left, d.y, { width: p.width });
  d.fillColor(INK).font(FONT).fontSize(10).moveDown(style === "meta" ? 0.3 : 0.5);
}

function drawBody(p: Page, lines: PdfLine[]): void {
  const d = p.doc;
  d.fontSize(10).fillColor(INK);
  // Consecutive plain lines go out as one text run (pdfkit breaks at "\n"), much faster than a
  // call per line; bold lines and blank lines separate the runs.
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    d.font(FONT).text(run.map(pdfText).join("\n"), p.left, d.y, { width: p.width });
    run = [];
  };
  for (const l of lines) {
    if (l.bold) {
      flush();
      d.moveDown(0.2);
      ensure(p, 30);
      d.font(BOLD).text(pdfText(l.text), p.left, d.y, { width: p.width });
    } else if (l.text === "") {
      flush();
      d.moveDown(0.4);
    } else run.push(l.text);
  }
  flush();
  d.font(FONT).moveDown(0.6);
}

function drawTable(p: Page, columns: PdfColumn[], rows: string[][]): void {
  const d = p.doc;
  const pad = 3;
  const size = 8.5;
  const widths = columns.map((c) => c.width * p.width);
  const xs = widths.map((_, i) => p.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const titles = columns.map((c) => pdfText(c.title));
  const heightOf = (cells: string[], font: string): number => {
    d.font(font).fontSize(size);
    return Math.max(...cells.map((c, i) => d.heightOfString(c || " ", { width: (widths[i] ?? 0) - 2 * pad }))) + 2 * pad;
  };
  const draw = (cells: string[], header: boolean): void => {
    const font = header ? BOLD : FONT;
    const h = heightOf(cells, font);
    if (d.y + h > bottomOf(d)) {
      d.addPage();
      if (!header) draw(titles, true); // repeat the header row on the new page
    }
    const y = d.y;
    if (header) d.rect(p.left, y, p.width, h).fillColor(SHADE).fill();
    d.fillColor(INK).font(font).fontSize(size);
    cells.forEach((c, i) => d.text(c, (xs[i] ?? 0) + pad, y + pad, { width: (widths[i] ?? 0) - 2 * pad }));
    d.moveTo(p.left, y + h).lineTo(p.left + p.width, y + h).lineWidth(header ? 0.8 : 0.4).strokeColor(RULE).stroke();
    d.y = y + h;
  };
  ensure(p, heightOf(titles, BOLD) + 20);
  draw(titles, true);
  for (const row of rows) draw(row.map(pdfText), false);
  d.x = p.left;
  d.font(FONT).fontSize(10).moveDown(0.6);
}

/** Footer and page numbers on every page, drawn once all pages exist. */
function drawFooters(p: Page, text: string): void {
  const d = p.doc;
  const range = d.bufferedPageRange();
  const footer = pdfText(text);
  for (let i = range.start; i < range.start + range.count; i++) {
    d.switchToPage(i);
    const bottomMargin = d.page.margins.bottom;
    d.page.margins.bottom = 0; // writing below the margin must not start a new page
    const y = d.page.height - MARGIN - 10;
    d.moveTo(p.left, y - 6).lineTo(p.left + p.width, y - 6).lineWidth(0.4).strokeColor(RULE).stroke();
    d.font(FONT).fontSize(8).fillColor(MUTED);
    d.text(footer, p.left, y, { width: p.width * 0.75, lineBreak: false });
    d.text(`Page ${i - range.start + 1} of ${range.count}`, p.left + p.width * 0.75, y, {
      width: p.width * 0.25,
      align: "right",
      lineBreak: false,
    });
    d.page.margins.bottom = bottomMargin;
  }
  d.fillColor(INK);
}

/** Extra code points the standard fonts' WinAnsi encoding carries above Latin-1 (as pdfkit maps them). */
const WIN_ANSI_EXTRA = new Set([
  0x0152, 0x0153, 0x0160, 0x0161, 0x0178, 0x017d, 0x017e, 0x0192, 0x02c6, 0x02dc, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a, 0x201c,
  0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

/** Plain stand-ins for common characters the standard fonts lack. */
const STAND_IN: Record<string, string> = {
  "\u0141": "L",
  "\u0142": "l",
  "\u0110": "D",
  "\u0111": "d",
  "\u0126": "H",
  "\u0127": "h",
  "\u0131": "i",
  "\u0166": "T",
  "\u0167": "t",
  "\u017f": "s",
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
  "\u2713": "v",
  "\u2714": "v",
  "\u2717": "x",
  "\u25cf": "•",
  "\u25e6": "•",
  "\u2043": "•",
  "\u00a0": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2009": " ",
  "\u200a": " ",
  "\u202f": " ",
  "\u200b": "",
  "\u200c": "",
  "\u200d": "",
  "\u2060": "",
  "\ufeff": "",
};

const encodable = (cp: number): boolean => (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);

/**
 * Text the standard PDF fonts can show: tabs become spaces, other control characters go,
 * characters outside WinAnsi are transliterated (accents stripped) where possible, else "?".
 * Line breaks are kept.
 */
export function pdfText(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === "\n" || encodable(cp)) out += ch;
    else if (ch === "\t") out += "    ";
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else if (ch in STAND_IN) out += STAND_IN[ch];
    else {
      const base = ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      out += base !== "" && [...base].every((c) => encodable(c.codePointAt(0) ?? 0)) ? base : "?";
    }
  }
  return out;
}
