/**
 * The document model of a share bundle's PDF: a pure function of the ShareView, rendered by
 * pdf.ts. Keeping layout decisions (what appears, in which order, with which words) here makes
 * them testable as JSON (golden files) without reading a PDF back.
 *
 * It reads as a letter and a record, not an audit log: an optional referral letter on the
 * practice's letterhead, then the record. Every page carries the client's name and date of
 * birth (with demographics) and "Page n of N". Times are in the practice's time zone. Chart's
 * internal ids, template names and empty columns stay out (the ids are in the JSON and FHIR).
 *
 * Nothing enters the model that is not in the view: every string below is either fixed wording
 * or a field of the view.
 */
import type { ShareDiagnosis, ShareMedication, ShareNote, ShareView } from "../domain/share-view.js";
import { CONFIDENTIALITY_NOTICE, PART2_NOTICE, WITHHELD_NOTICE } from "../domain/share-view.js";
import type { NoteType } from "../domain/note.js";
import { isCurrentDx } from "../domain/dx.js";
import { LABELS } from "../domain/labels.js";
import { licenseLine, signatureName } from "../domain/practice.js";
import { localDate, localTime } from "./local-time.js";

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
  | { kind: "running"; header: string; footer: string } // on every page; the footer is followed by "Page n of N"
  | { kind: "letterhead"; name: string; lines: string[] }
  | { kind: "title"; text: string; subtitle: string }
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "fields"; rows: { label: string; value: string }[] }
  | { kind: "notice"; title: string; text: string }
  | { kind: "paragraph"; text: string; style?: "meta" | "muted" }
  | { kind: "table"; columns: PdfColumn[]; rows: string[][] }
  | { kind: "body"; lines: PdfLine[] }
  | { kind: "signature"; lines: string[] }
  | { kind: "pagebreak" };

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

const CATEGORY_WORDS: Record<string, string> = {
  demographics: "identifying information",
  diagnoses: "diagnoses",
  medications: "medications",
  notes: "clinical notes",
  "psychotherapy-notes": "psychotherapy notes",
  "substance-use": "substance use information",
  hiv: "HIV information",
  sdv: "information on abuse or violence",
};

const EVENT_WORDS: Record<string, string> = {
  discharge: "on discharge",
  "end-of-treatment": "at the end of treatment",
  "end of treatment": "at the end of treatment",
};

/** The running header: whose record this is, on every page. */
export function runningHeader(view: ShareView): string {
  const p = view.patient;
  if (!p) return "Client not named here (identifying information is not authorized)";
  return p.dob ? `${p.name} · born ${p.dob}` : p.name;
}

export const footerText = (view: ShareView): string =>
  `Confidential — disclosed under the client's authorization signed ${view.consent.signed}`;

export function pdfModel(view: ShareView): PdfBlock[] {
  const blocks: PdfBlock[] = [{ kind: "running", header: runningHeader(view), footer: footerText(view) }];
  if (view.letter) blocks.push(...letterBlocks(view), { kind: "pagebreak" });
  else if (view.practice?.name) blocks.push(letterhead(view));
  const tz = view.practice?.timeZone;
  blocks.push(
    { kind: "title", text: PDF_TITLE, subtitle: `Prepared ${localTime(view.generatedAt, tz)}` },
    { kind: "fields", rows: headerRows(view) },
    { kind: "notice", title: "Confidentiality", text: CONFIDENTIALITY_NOTICE },
  );
  if (view.part2) blocks.push({ kind: "notice", title: "42 CFR Part 2", text: PART2_NOTICE });
  if (view.consent.statements?.length) blocks.push({ kind: "notice", title: "The authorization states", text: view.consent.statements.join("\n") });
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
  if (view.notes) blocks.push(...noteBlocks("Notes", view.notes, tz));
  if (view.psychotherapyNotes) blocks.push(...noteBlocks("Psychotherapy notes", view.psychotherapyNotes, tz));
  blocks.push({ kind: "heading", level: 1, text: "Withheld from this disclosure" }, { kind: "paragraph", text: WITHHELD_NOTICE });
  return blocks;
}

function letterhead(view: ShareView): Extract<PdfBlock, { kind: "letterhead" }> {
  const p = view.practice ?? {};
  const lines: string[] = [];
  if (p.address) lines.push(...p.address.split(/\n/).map((l) => l.trim()).filter(Boolean));
  const contact = [p.phone ? `Phone ${p.phone}` : "", p.fax ? `Fax ${p.fax}` : "", p.email ?? ""].filter(Boolean).join(" · ");
  if (contact) lines.push(contact);
  const ids = [licenseLine(p) ?? "", p.npi ? `NPI ${p.npi}` : ""].filter(Boolean).join(" · ");
  if (ids) lines.push(ids);
  return { kind: "letterhead", name: p.name ?? signatureName(p, view.consent.discloser), lines };
}

function letterBlocks(view: ShareView): PdfBlock[] {
  const c = view.consent;
  const p = view.practice ?? {};
  const letter = view.letter ?? {};
  const out: PdfBlock[] = [letterhead(view)];
  const to = [c.recipient.name, c.recipient.organization, c.recipient.contact].filter((x): x is string => !!x);
  const re = view.patient ? `${view.patient.name}${view.patient.dob ? `, born ${view.patient.dob}` : ""}` : "the client named in your request (identifying information is not authorized)";
  out.push({
    kind: "fields",
    rows: [
      { label: "Date", value: localDate(view.generatedAt, p.timeZone) },
      { label: "To", value: to.join("\n") },
      { label: "Re", value: re },
    ],
  });
  if (letter.question) out.push({ kind: "heading", level: 2, text: "Referral question" }, { kind: "paragraph", text: letter.question });
  if (letter.text) out.push({ kind: "body", lines: letter.text.replace(/\r\n?/g, "\n").split("\n").map((text) => ({ text: text.replace(/\s+$/, "") })) });
  const sig = ["Sincerely,", "", signatureName(p, c.discloser)];
  if (p.name && p.clinician) sig.push(p.name);
  const lic = licenseLine(p);
  if (lic) sig.push(lic.charAt(0).toUpperCase() + lic.slice(1));
  if (p.npi) sig.push(`NPI ${p.npi}`);
  out.push({ kind: "signature", lines: sig });
  out.push({ kind: "paragraph", text: "Enclosed: the record this authorization allows, which follows.", style: "muted" });
  return out;
}

function headerRows(view: ShareView): { label: string; value: string }[] {
  const c = view.consent;
  const rows: { label: string; value: string }[] = [{ label: "Recipient", value: c.recipient.name }];
  if (c.recipient.organization) rows.push({ label: "Organization", value: c.recipient.organization });
  if (c.recipient.contact) rows.push({ label: "Contact", value: c.recipient.contact });
  rows.push({ label: c.purposes.length === 1 ? "Purpose" : "Purposes", value: c.purposes.join("; ") });
  // The signer is usually the client: their name is an identifier, shown only with demographics.
  const by = view.patient ? ` by ${c.signedBy}${c.authority ? ` (${c.authority})` : ""}` : c.authority ? ` by a personal representative (${c.authority})` : "";
  rows.push({ label: "Authorization", value: `signed ${c.signed}${by}` });
  rows.push({ label: "Expires", value: expiry(c.expires, c.expiresOn) });
  if (c.from || c.until) rows.push({ label: "Dates covered", value: dateRange(c.from, c.until) });
  rows.push({ label: "Covers", value: c.categories.map((k) => CATEGORY_WORDS[k] ?? k).join(", ") });
  rows.push({ label: "Disclosed by", value: signatureName(view.practice ?? {}, c.discloser) });
  if (!view.patient) rows.push({ label: "Client record", value: view.clientId }); // the only way to tell whose record it is
  if (view.labels.length > 0) rows.push({ label: "Sensitivity", value: view.labels.map((l) => LABELS[l]).join("; ") });
  return rows;
}

function expiry(expires: string | undefined, expiresOn: string | undefined): string {
  const event = expiresOn ? (EVENT_WORDS[expiresOn.trim().toLowerCase()] ?? expiresOn) : undefined;
  if (expires && event) return `${expires}, or ${event}, whichever comes first`;
  if (expires) return expires;
  if (event) return event;
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

/** A "Current" or "Past" part of a section: its heading, then a table without empty columns, or "None recorded." */
function subTable(title: string, columns: [string, number][], rows: string[][]): PdfBlock[] {
  const head: PdfBlock = { kind: "heading", level: 2, text: title };
  if (rows.length === 0) return [head, { kind: "paragraph", text: "None recorded.", style: "muted" }];
  const keep = columns.map((_, i) => i === 0 || rows.some((r) => (r[i] ?? "") !== ""));
  const kept = columns.filter((_, i) => keep[i]);
  const total = kept.reduce((s, [, w]) => s + w, 0);
  return [
    head,
    {
      kind: "table",
      columns: kept.map(([t, w]) => ({ title: t, width: Math.round((w / total) * 1000) / 1000 })),
      rows: rows.map((r) => r.filter((_, i) => keep[i])),
    },
  ];
}

function diagnosisBlocks(list: readonly ShareDiagnosis[]): PdfBlock[] {
  const current = list.filter(isCurrentDx);
  const past = list.filter((d) => !isCurrentDx(d));
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: "Diagnoses" }];
  out.push(
    ...subTable(
      "Current",
      [
        ["Code", 0.11],
        ["Description", 0.43],
        ["Status", 0.13],
        ["Primary", 0.09],
        ["Onset", 0.12],
        ["Since", 0.12],
      ],
      current.map((d) => [d.code, d.description ?? "", DX_STATUS_LABEL[d.status], d.primary ? "yes" : "", d.onset ?? "", d.since]),
    ),
  );
  out.push(
    ...subTable(
      "Past",
      [
        ["Code", 0.11],
        ["Description", 0.45],
        ["Status", 0.14],
        ["Added", 0.15],
        ["Ended", 0.15],
      ],
      past.map((d) => [d.code, d.description ?? "", DX_STATUS_LABEL[d.status], d.added, d.resolved ?? d.since]),
    ),
  );
  return out;
}

const dosage = (x: { dose?: string; route?: string; frequency?: string }): string => [x.dose, x.route, x.frequency].filter((v) => v).join(", ");

/** "2024-04-05: 100 mg, oral (sleep improved)" for each change. */
function changeLines(m: ShareMedication): string {
  return (m.changes ?? [])
    .map((c) => {
      const what = [dosage(c), c.prescriber ? `prescriber ${c.prescriber}` : ""].filter(Boolean).join("; ");
      return `${c.date}: ${what || "changed"}${c.reason ? ` (${c.reason})` : ""}`;
    })
    .join("\n");
}

function medicationBlocks(list: readonly ShareMedication[]): PdfBlock[] {
  const current = list.filter((m) => m.active);
  const past = list.filter((m) => !m.active);
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: "Medications" }];
  out.push(
    ...subTable(
      "Current",
      [
        ["Medication", 0.18],
        ["Dosage", 0.22],
        ["Prescriber", 0.16],
        ["Started", 0.12],
        ["Changes", 0.32],
      ],
      current.map((m) => [m.name, dosage(m), m.prescriber ?? "", m.started, changeLines(m)]),
    ),
  );
  out.push(
    ...subTable(
      "Past",
      [
        ["Medication", 0.15],
        ["Dosage", 0.18],
        ["Prescriber", 0.13],
        ["Started", 0.11],
        ["Stopped", 0.11],
        ["Reason stopped", 0.14],
        ["Changes", 0.18],
      ],
      past.map((m) => [m.name, dosage(m), m.prescriber ?? "", m.started, m.stopped ?? "", m.stopReason ?? "", changeLines(m)]),
    ),
  );
  return out;
}

function noteBlocks(title: string, notes: readonly ShareNote[], tz: string | undefined): PdfBlock[] {
  const out: PdfBlock[] = [{ kind: "heading", level: 1, text: title }];
  if (notes.length === 0) {
    out.push({ kind: "paragraph", text: "None in the authorized range.", style: "muted" });
    return out;
  }
  for (const n of notes) {
    out.push({ kind: "heading", level: 2, text: `${n.date} — ${NOTE_TYPE_LABEL[n.type]}` });
    out.push({ kind: "paragraph", text: noteMeta(n, tz), style: "meta" });
    out.push({ kind: "body", lines: markdownLines(n.text) });
    for (const a of n.addenda) {
      const by = a.signedBy ? ` — signed by ${a.signedBy}${a.signedAt ? `, ${localTime(a.signedAt, tz)}` : ""}` : " — unsigned";
      out.push({ kind: "heading", level: 3, text: `Addendum of ${a.date}${by}` });
      out.push({ kind: "body", lines: markdownLines(a.text) });
    }
  }
  return out;
}

function noteMeta(n: ShareNote, tz: string | undefined): string {
  const parts: string[] = [];
  if (n.duration !== undefined) parts.push(`${n.duration} min`);
  if (n.cpt) parts.push(`CPT ${n.cpt}`);
  if (n.status === "signed") parts.push(n.signedBy ? `signed by ${n.signedBy}${n.signedAt ? `, ${localTime(n.signedAt, tz)}` : ""}` : "signed");
  else parts.push("draft (not signed)");
  if (n.labels.length > 0) parts.push(`sensitive: ${n.labels.map((l) => LABELS[l]).join("; ")}`);
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
  // Headings with their level; a template heading left empty (nothing under it before the next
  // heading of the same or a higher level) is dropped, as a reader has no use for it.
  const parsed = lines.map((l) => {
    const h = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?$/.exec(l);
    return h ? { text: h[2] ?? "", level: (h[1] ?? "#").length } : { text: l, level: 0 };
  });
  const empty = (i: number): boolean => {
    const level = parsed[i]?.level ?? 0;
    for (let j = i + 1; j < parsed.length; j++) {
      const x = parsed[j] as { text: string; level: number };
      if (x.level > 0 && x.level <= level) return true;
      if (x.level === 0 && x.text.trim() !== "") return false;
    }
    return true;
  };
  const out: PdfLine[] = [];
  parsed.forEach((x, i) => {
    if (x.level > 0 && empty(i)) return;
    if (x.level === 0 && x.text === "" && (out.length === 0 || out[out.length - 1]?.text === "")) return;
    out.push(x.level > 0 ? { text: x.text, bold: true } : { text: x.text });
  });
  while (out.length > 0 && out[out.length - 1]?.text === "") out.pop();
  return out;
}


