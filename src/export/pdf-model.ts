/**
 * The document model of a share bundle's PDF: a pure function of the ShareView, rendered by
 * pdf.ts. Keeping layout decisions (what appears, in which order, with which words) here makes
 * them testable as JSON (golden files) without reading a PDF back.
 *
 * Nothing enters the model that is not in the view: every string below is either fixed wording
 * or a field of the view.
 */
import type { ShareDiagnosis, ShareMedication, ShareNote, ShareView } from "../domain/share-view.js";
import { CONFIDENTIALITY_NOTICE, PART2_NOTICE } from "../domain/share-view.js";
import type { NoteType } from "../domain/note.js";
import { isCurrentDx } from "../domain/dx.js";

/** One line of a note body: Markdown headings become bold lines, the rest stays text. */
export interface PdfLine {
  text: string;
  bold?: true;
}

export interface PdfColumn {
  title: string;
  width: number; // fraction of the text width; a table's widths add up to 1
}

export type PdfBlock =
  | { kind: "footer"; text: string } // printed on every page, with "Page n of N"
  | { kind: "title"; text: string; subtitle: string }
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "fields"; rows: { label: string; value: string }[] }
  | { kind: "notice"; title: string; text: string }
  | { kind: "paragraph"; text: string; style?: "meta" | "muted" }
  | { kind: "table"; columns: PdfColumn[]; rows: string[][] }
  | { kind: "body"; lines: PdfLine[] };

export const PDF_TITLE = "Disclosure of health information";

const NOTE_TYPE_LABEL: Record<NoteType, string> = {
  progress: "Progress note",
  intake: "Intake",
  "treatment-plan": "Treatment plan",
  contact: "Contact note",
  psychotherapy: "Psychotherapy note",
  addendum: "Addendum",
};

const DX_STATUS_LABEL: Record<ShareDiagnosis["status"], string> = {
  provisional: "provisional",
  active: "active",
  resolved: "resolved",
  "ruled-out": "ruled out",
};

export const footerText = (consentId: string): string => `Confidential — disclosed under authorization ${consentId}`;

export function pdfModel(view: ShareView): PdfBlock[] {
  const blocks: PdfBlock[] = [
    { kind: "footer", text: footerText(view.consent.id) },
    { kind: "title", text: PDF_TITLE, subtitle: `Under authorization ${view.consent.id}, as of ${view.date}` },
    { kind: "fields", rows: headerRows(view) },
    { kind: "notice", title: "Confidentiality", text: CONFIDENTIALITY_NOTICE },
  ];
  if (view.part2) blocks.push({ kind: "notice", title: "42 CFR Part 2", text: PART2_NOTICE });
  if (view.unreadable?.length) {
    blocks.push({
      kind: "notice",
      title: "Incomplete record",
      text: `${view.unreadable.length} record${view.unreadable.length === 1 ? "" : "s"} this authorization may cover could not be read when this bundle was made and ${view.unreadable.length === 1 ? "is" : "are"} not in it: ${view.unreadable.map((u) => `${u.kind} ${u.id}`).join(", ")}.`,
    });
  }
  if (view.patient) blocks.push(...patientBlocks(view));
  if (view.diagnoses) blocks.push(...diagnosisBlocks(view.diagnoses));
  if (view.medications) blocks.push(...medicationBlocks(view.medications));
  if (view.notes) blocks.push(...noteBlocks("Notes", view.notes));
  if (view.psychotherapyNotes) blocks.push(...noteBlocks("Psychotherapy notes", view.psychotherapyNotes));
  blocks.push(...withheldBlocks(view));
  return blocks;
}

function headerRows(view: ShareView): { label: string; value: string }[] {
  const c = view.consent;
  const rows: { label: string; value: string }[] = [{ label: "Recipient", value: c.recipient.name }];
  if (c.recipient.organization) rows.push({ label: "Organization", value: c.recipient.organization });
  if (c.recipient.contact) rows.push({ label: "Contact", value: c.recipient.contact });
  rows.push({ label: c.purposes.length === 1 ? "Purpose" : "Purposes", value: c.purposes.join("; ") });
  rows.push({ label: "Authorization", value: c.id });
  // The signer is usually the client: their name is an identifier, shown only with demographics.
  const signed = [view.patient ? `${c.signed} by ${c.signedBy}` : `${c.signed} (signer not named: demographics are not authorized)`];
  if (c.authority) signed.push(`(authority: ${c.authority})`);
  rows.push({ label: "Signed", value: signed.join(" ") });
  rows.push({ label: "Expires", value: expiry(c.expires, c.expiresOn) });
  if (c.from || c.until) rows.push({ label: "Information dated", value: dateRange(c.from, c.until) });
  rows.push({ label: "Categories", value: c.categories.join(", ") });
  rows.push({ label: "Disclosed by", value: c.discloser });
  rows.push({ label: "Client record", value: view.clientId });
  rows.push({ label: "Date", value: view.date });
  if (view.labels.length > 0) rows.push({ label: "Sensitivity", value: view.labels.join(", ") });
  return rows;
}

function expiry(expires: string | undefined, expiresOn: string | undefined): string {
  if (expires && expiresOn) return `${expires}, or on: ${expiresOn} (whichever comes first)`;
  if (expires) return expires;
  if (expiresOn) return `on: ${expiresOn}`;
  return "not stated";
}

function dateRange(from: string | undefined, until: string | undefined): string {
  if (from && until) return `from ${from} until ${until}`;
  return from ? `from ${from}` : `until ${until ?? ""}`;
}

function patientBlocks(view: ShareView): PdfBlock[] {
  const p = view.patient;
  if (!p) return [];
  const rows = [{ label: "Name", value: p.name }];
  if (p.preferredName) rows.push({ label: "Preferred name", value: p.preferredName });
  if (p.pronouns) rows.push({ label: "Pronouns", value: p.pronouns });
  if (p.dob) rows.push({ label: "Date of birth", value: p.dob });
  if (p.email) rows.push({ label: "Email", value: p.email });
  if (p.phone) rows.push({ label: "Phone", value: p.phone });
  return [{ kind: "heading", level: 1, text: "Client" }, { kind: "fields", rows }];
}

const labelCell = (labels: readonly string[]): string => labels.join(", ");

/** A "Current" or "Past" part of a section: its heading, then a table or "None recorded." */
function subTable(title: string, columns: [string, number][], rows: string[][]): PdfBlock[] {
  const head: PdfBlock = { kind: "heading", level: 2, text: title };
  if (rows.length === 0) return [head, { kind: "paragraph", text: "None recorded.", style: "muted" }];
  return [head, { kind: "table", columns: cols(columns), rows }];
}

function diagnosisBlocks(list: readonly ShareDiagnosis[]): PdfBlock[] {
  const current = list.filter(isCurrentDx);
  const past = list.filter((d) => !isCurrentDx(d));
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: "Diagnoses" }];
  out.push(
    ...subTable(
      "Current",
      [
        ["Code", 0.1],
        ["Description", 0.34],
        ["Status", 0.12],
        ["Primary", 0.09],
        ["Onset", 0.12],
        ["Since", 0.12],
        ["Labels", 0.11],
      ],
      current.map((d) => [
        d.code,
        d.description ?? "",
        DX_STATUS_LABEL[d.status],
        d.primary ? "yes" : "",
        d.onset ?? "",
        d.since,
        labelCell(d.labels),
      ]),
    ),
  );
  out.push(
    ...subTable(
      "Past",
      [
        ["Code", 0.1],
        ["Description", 0.38],
        ["Status", 0.13],
        ["Added", 0.14],
        ["Ended", 0.14],
        ["Labels", 0.11],
      ],
      past.map((d) => [d.code, d.description ?? "", DX_STATUS_LABEL[d.status], d.added, d.resolved ?? d.since, labelCell(d.labels)]),
    ),
  );
  return out;
}

function medicationBlocks(list: readonly ShareMedication[]): PdfBlock[] {
  const current = list.filter((m) => m.active);
  const past = list.filter((m) => !m.active);
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: "Medications" }];
  out.push(
    ...subTable(
      "Current",
      [
        ["Medication", 0.21],
        ["Dose", 0.13],
        ["Route", 0.1],
        ["Frequency", 0.14],
        ["Prescriber", 0.18],
        ["Started", 0.13],
        ["Labels", 0.11],
      ],
      current.map((m) => [m.name, m.dose ?? "", m.route ?? "", m.frequency ?? "", m.prescriber ?? "", m.started, labelCell(m.labels)]),
    ),
  );
  out.push(
    ...subTable(
      "Past",
      [
        ["Medication", 0.21],
        ["Dose", 0.13],
        ["Started", 0.13],
        ["Stopped", 0.13],
        ["Reason stopped", 0.29],
        ["Labels", 0.11],
      ],
      past.map((m) => [m.name, m.dose ?? "", m.started, m.stopped ?? "", m.stopReason ?? "", labelCell(m.labels)]),
    ),
  );
  return out;
}

function noteBlocks(title: string, notes: readonly ShareNote[]): PdfBlock[] {
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: title }];
  if (notes.length === 0) {
    out.push({ kind: "paragraph", text: "None in the authorized range.", style: "muted" });
    return out;
  }
  for (const n of notes) {
    out.push({ kind: "heading", level: 2, text: `${n.date} — ${NOTE_TYPE_LABEL[n.type]}` });
    out.push({ kind: "paragraph", text: noteMeta(n), style: "meta" });
    out.push({ kind: "body", lines: markdownLines(n.text) });
    for (const a of n.addenda) {
      const by = a.signedBy ? ` — signed by ${a.signedBy}${a.signedAt ? ` at ${a.signedAt}` : ""}` : " — unsigned";
      out.push({ kind: "heading", level: 3, text: `Addendum of ${a.date}${by}` });
      out.push({ kind: "body", lines: markdownLines(a.text) });
    }
  }
  return out;
}

function noteMeta(n: ShareNote): string {
  const parts = [`template ${n.template}`];
  if (n.duration !== undefined) parts.push(`${n.duration} min`);
  if (n.cpt) parts.push(`CPT ${n.cpt}`);
  if (n.status === "signed") parts.push(n.signedBy ? `signed by ${n.signedBy}${n.signedAt ? ` at ${n.signedAt}` : ""}` : "signed");
  else parts.push("draft (not signed)");
  if (n.labels.length > 0) parts.push(`labels ${n.labels.join(", ")}`);
  parts.push(`id ${n.id}`);
  return parts.join(" · ");
}

const COMMENT_SRC = "<!--(?:(?!-->)[\\s\\S])*(?:-->|(?![\\s\\S]))"; // an unclosed comment runs to the end
const COMMENT = new RegExp(COMMENT_SRC, "g");
const COMMENT_LINES = new RegExp(`^[ \\t]*${COMMENT_SRC}[ \\t]*(?:\\n|(?![\\s\\S]))`, "gm"); // comment-only lines go whole

/**
 * Markdown for print: ATX headings ("## Plan") become bold lines, HTML comments (template
 * guidance) are dropped as a Markdown viewer would, runs of blank lines collapse to one, and
 * everything else is kept as written.
 */
export function markdownLines(text: string): PdfLine[] {
  const lines = text
    .replace(/\r\n?/g, "\n")
    .replace(COMMENT_LINES, "")
    .replace(COMMENT, "")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""));
  const out: PdfLine[] = [];
  for (const l of lines) {
    if (l === "" && (out.length === 0 || out[out.length - 1]?.text === "")) continue;
    const h = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?$/.exec(l);
    out.push(h ? { text: h[1] ?? "", bold: true } : { text: l });
  }
  while (out.length > 0 && out[out.length - 1]?.text === "") out.pop();
  return out;
}

function withheldBlocks(view: ShareView): PdfBlock[] {
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: "Withheld from this disclosure" }];
  const rows = view.withheld.filter((w) => w.count > 0);
  if (rows.length === 0) {
    out.push({ kind: "paragraph", text: "Nothing was withheld from the categories and dates this authorization covers." });
    return out;
  }
  out.push({
    kind: "paragraph",
    text: "Only what the authorization covers is included. The following were left out; passages removed from notes are marked [withheld] where they stood.",
  });
  out.push({
    kind: "table",
    columns: cols([
      ["What", 0.3],
      ["Why", 0.55],
      ["Count", 0.15],
    ]),
    rows: rows.map((w) => [w.category, w.reason, String(w.count)]),
  });
  return out;
}

const cols = (spec: [string, number][]): PdfColumn[] => spec.map(([title, width]) => ({ title, width }));
