/**
 * What `chart search` searches (pure): a note with its addenda as one document; each
 * medication event with its medication's name; each diagnosis event with its code and
 * description. Psychotherapy notes (and their addenda) only when asked for.
 */
import type { DxEventRecord } from "./dx.js";
import type { MedEventRecord } from "./med.js";
import type { NoteRecord } from "./note.js";

export type SearchKind = "note" | "med" | "dx";
export const SEARCH_KINDS: readonly SearchKind[] = ["note", "med", "dx"];

export interface SearchDoc {
  client: string;
  kind: SearchKind;
  id: string;
  date: string;
  created: string;
  /** A note's type, a medication or diagnosis event's type. */
  type: string;
  text: string;
  /** A note's addenda searched with it (their ids), for the access log. */
  addenda?: string[];
}

export function searchDocs(
  input: { notes: readonly NoteRecord[]; meds: readonly MedEventRecord[]; dx: readonly DxEventRecord[] },
  opts: { psychotherapy: boolean },
): SearchDoc[] {
  const docs: SearchDoc[] = [];
  const byId = new Map(input.notes.map((n) => [n.id, n]));
  const addenda = new Map<string, NoteRecord[]>();
  for (const n of input.notes) {
    if (n.type !== "addendum") continue;
    const parent = n.addendumTo ? byId.get(n.addendumTo) : undefined;
    // An addendum whose note is missing is searched on its own, as carefully as a
    // psychotherapy note (its note's kind is unknown).
    if (!parent) {
      if (opts.psychotherapy) docs.push(noteDoc(n, [], "addendum"));
      continue;
    }
    const list = addenda.get(parent.id);
    if (list) list.push(n);
    else addenda.set(parent.id, [n]);
  }
  for (const n of input.notes) {
    if (n.type === "addendum") continue;
    if ((n.type === "psychotherapy") !== opts.psychotherapy) continue;
    docs.push(noteDoc(n, addenda.get(n.id) ?? [], n.type));
  }
  const names = new Map(input.meds.filter((m) => m.event === "start").map((m) => [m.med, m.name ?? ""]));
  for (const m of input.meds) {
    const fields = [names.get(m.med) ?? m.name, m.dose, m.route, m.frequency, m.prescriber, m.reason];
    docs.push({ client: m.client, kind: "med", id: m.id, date: m.date, created: m.created, type: m.event, text: fields.filter(Boolean).join(" · ") });
  }
  for (const d of input.dx) {
    docs.push({ client: d.client, kind: "dx", id: d.id, date: d.date, created: d.created, type: d.event, text: [d.code, d.description].filter(Boolean).join(" ") });
  }
  return docs;
}

function noteDoc(n: NoteRecord, addenda: readonly NoteRecord[], type: string): SearchDoc {
  const text = [n.body, ...[...addenda].sort((a, b) => (a.created < b.created ? -1 : 1)).map((a) => a.body)].join("\n\n");
  const doc: SearchDoc = { client: n.client, kind: "note", id: n.id, date: n.date, created: n.created, type, text };
  if (addenda.length > 0) doc.addenda = addenda.map((a) => a.id);
  return doc;
}

/** Newest first: by date, then by creation, then by id (a stable order). */
export function byNewestDoc(a: SearchDoc, b: SearchDoc): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  if (a.created !== b.created) return a.created < b.created ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
