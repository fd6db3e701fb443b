/** Clinical notes: types, templates, status, signing, addenda, and private passages. */
import { invalid } from "./errors.js";
import { cpt, minutes } from "./fields.js";
import type { IsoDate } from "./dates.js";
import type { BaseRecord } from "./record.js";

export const NOTE_TYPES = [
  "progress",
  "intake",
  "treatment-plan",
  "contact",
  "psychotherapy",
  "addendum",
] as const;
export type NoteType = (typeof NOTE_TYPES)[number];

/** Types a user may choose with --kind (addenda come only from `note amend`). */
export const USER_NOTE_TYPES: readonly NoteType[] = NOTE_TYPES.filter((t) => t !== "addendum");

/** Which type a template implies when --kind is not given. */
export const TEMPLATE_DEFAULT_TYPE: Record<string, NoteType> = {
  soap: "progress",
  dap: "progress",
  birp: "progress",
  free: "progress",
  intake: "intake",
  "treatment-plan": "treatment-plan",
  psychotherapy: "psychotherapy",
};

export interface Signature {
  by: string;
  key: string; // the signer's age recipient
  at: string; // ISO instant
  hash: string; // sha256:<hex> of the signed content
}

export interface NoteRecord extends BaseRecord {
  kind: "note";
  type: NoteType;
  template: string;
  date: IsoDate; // date of service
  duration?: number; // minutes
  cpt?: string;
  labels?: string[];
  status: "draft" | "signed";
  signed?: Signature;
  addendumTo?: string;
  body: string;
}

export function checkNoteType(t: string): NoteType {
  if ((USER_NOTE_TYPES as readonly string[]).includes(t)) return t as NoteType;
  throw invalid(
    "E_BAD_NOTE_KIND",
    `unknown note kind "${t}"`,
    `use one of: ${USER_NOTE_TYPES.join(", ")}`,
  );
}

/** A duration typed by the user; the rule is the record's own (fields.ts `minutes`). */
export function checkDuration(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !minutes.check(n)) {
    throw invalid("E_BAD_DURATION", `duration "${s}" is not a number of minutes`, "e.g. --duration 50");
  }
  return n;
}

/** A CPT code typed by the user, upper-cased; the rule is the record's own (fields.ts `cpt`). */
export function checkCpt(s: string): string {
  const c = s.trim().toUpperCase();
  if (!cpt.check(c)) {
    throw invalid("E_BAD_CPT", `CPT code "${s}" is malformed`, "five characters, e.g. 90837");
  }
  return c;
}

/** Normalise a body: Unix newlines, no trailing blank space, one final newline. */
export function normaliseBody(text: string): string {
  const t = text.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
  return t === "" ? "" : `${t}\n`;
}

export function checkBody(text: string): string {
  const body = normaliseBody(text);
  if (stripTemplateScaffold(body).trim() === "") {
    throw invalid("E_EMPTY_NOTE", "the note is empty; nothing was written", "write the note text, or pass -m TEXT");
  }
  return body;
}

/** Headings and HTML comments alone do not make a note. */
export function stripTemplateScaffold(body: string): string {
  return body
    .replace(/<!--[\s\S]*?-->/g, "")
    .split("\n")
    .filter((l) => !/^\s*#{1,6}\s/.test(l))
    .join("\n");
}

/** The first line of real text, for listings. */
export function firstLine(body: string, max = 60): string {
  let line = "";
  for (const l of stripTemplateScaffold(redactPrivate(body).text.replaceAll(WITHHELD_MARKER, "[private]")).split("\n")) {
    line = l.replace(/^\s*[-*>]\s*/, "").replace(/\*\*/g, "").trim();
    if (line !== "") break;
  }
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The content a signature covers, as canonical text (hashed by the caller). */
export function signedContent(n: Pick<NoteRecord, "id" | "client" | "type" | "template" | "date" | "duration" | "cpt" | "body" | "addendumTo">): string {
  return JSON.stringify([
    n.id,
    n.client,
    n.type,
    n.template,
    n.date,
    n.duration ?? null,
    n.cpt ?? null,
    n.addendumTo ?? null,
    n.body,
  ]);
}

export function assertEditable(n: NoteRecord): void {
  if (n.status === "signed") {
    throw invalid(
      "E_NOTE_SIGNED",
      "the note is signed and cannot be changed",
      `add a correction with: chart note amend ${n.client.slice(0, 11)} ${n.id.slice(0, 11)}`,
    );
  }
}

/** Newest first by date of service, then by recording time. */
export function byNewest(a: NoteRecord, b: NoteRecord): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  if (a.created !== b.created) return a.created < b.created ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

export const WITHHELD_MARKER = "[withheld]";

const TAG_RE = /<\s*(\/?)\s*private\s*>/gi;

/**
 * Private passages: text between `<private>` and `</private>` (inline or over several lines)
 * never leaves the chart in a share bundle; a marker shows where something was withheld.
 * Where the markup is off it fails closed: nested tags withhold up to the outer close, spaces
 * and any case inside a tag are tolerated, an unclosed tag withholds to the end, and a stray
 * closing tag withholds the text before it (back to the previous tag).
 */
export function redactPrivate(body: string): { text: string; withheld: number } {
  if (!/private/i.test(body)) return { text: body, withheld: 0 }; // no tag can match (most notes)
  let out = "";
  let depth = 0;
  let pos = 0;
  let withheld = 0;
  for (const m of body.matchAll(TAG_RE)) {
    const at = m.index;
    const closing = m[1] === "/";
    if (!closing) {
      if (depth === 0) {
        out += body.slice(pos, at) + WITHHELD_MARKER;
        withheld += 1;
      }
      depth += 1;
    } else if (depth > 0) {
      depth -= 1;
    } else if (body.slice(pos, at) !== "" && !out.endsWith(WITHHELD_MARKER)) {
      // A stray close: the text before it (since the last tag) was meant to be private. It is
      // dropped; right after a withheld passage it joins that passage's marker.
      out += WITHHELD_MARKER;
      withheld += 1;
    }
    pos = at + m[0].length;
  }
  if (depth === 0) out += body.slice(pos);
  return { text: out, withheld };
}
