/**
 * The timeline: notes, medication events and diagnosis events of one client as one
 * chronological list, the summary a clinician scans before a session. Pure: records in,
 * entries out.
 */
import type { IsoDate } from "./dates.js";
import { usageError } from "./errors.js";
import { describeDxEvent, dxHistoryProblems, type DxEventRecord } from "./dx.js";
import { byEventOrder } from "./events.js";
import type { Label } from "./labels.js";
import { describeMedEvent, foldMedications, medHistoryProblems, type MedEventRecord } from "./med.js";
import { firstLine, type NoteRecord } from "./note.js";
import { keptApart } from "./psychotherapy.js";
import type { VoidMark } from "./void.js";

export const TIMELINE_KINDS = ["note", "med", "dx"] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  date: IsoDate;
  kind: TimelineKind;
  id: string;
  summary: string;
  created: string;
  event?: string; // note type, med event (start|change|stop) or dx event (add|status)
  labels?: Label[];
  // note
  status?: string; // note: draft|signed; dx: the status the event sets
  addendumTo?: string;
  // med
  med?: string;
  name?: string;
  // dx
  code?: string;
  /** The event is in the history but does not apply (a merge of conflicting events). */
  conflict?: true;
  /** Voided (entered in error): who, when and why (docs/corrections.md). */
  voided?: VoidMark;
}

export interface TimelineOptions {
  since?: IsoDate;
  until?: IsoDate;
  kinds?: readonly TimelineKind[];
  /** Include psychotherapy notes (kept apart by default, as in `note list`). */
  psychotherapy?: boolean;
  /** Records voided, by id: shown marked, and left out of the histories' fold. */
  voided?: ReadonlyMap<string, VoidMark>;
}

function noteEntry(n: NoteRecord): TimelineEntry {
  const what = n.type === "addendum" ? `addendum to ${n.addendumTo?.slice(0, 11) ?? "?"}` : n.type;
  const e: TimelineEntry = {
    date: n.date,
    kind: "note",
    id: n.id,
    created: n.created,
    event: n.type,
    status: n.status,
    summary: `${what}${n.status === "draft" ? " (draft)" : ""}: ${firstLine(n.body)}`,
  };
  if (n.labels?.length) e.labels = [...(n.labels as Label[])];
  if (n.addendumTo) e.addendumTo = n.addendumTo;
  return e;
}

export function buildTimeline(
  input: { notes: readonly NoteRecord[]; meds: readonly MedEventRecord[]; dx: readonly DxEventRecord[] },
  opts: TimelineOptions = {},
): TimelineEntry[] {
  const kinds = opts.kinds?.length ? opts.kinds : TIMELINE_KINDS;
  const entries: TimelineEntry[] = [];
  const voided = opts.voided ?? new Map<string, VoidMark>();
  const live = <T extends { id: string }>(xs: readonly T[]) => xs.filter((x) => !voided.has(x.id));
  if (kinds.includes("note")) {
    const apart = keptApart(input.notes);
    for (const n of input.notes) {
      if (!opts.psychotherapy && apart(n)) continue;
      entries.push(noteEntry(n));
    }
  }
  if (kinds.includes("med")) {
    const names = new Map(foldMedications(input.meds).map((m) => [m.med, m.name]));
    const bad = medHistoryProblems(live(input.meds));
    for (const m of input.meds) {
      const e: TimelineEntry = { date: m.date, kind: "med", id: m.id, created: m.created, event: m.event, med: m.med, summary: describeMedEvent(m, names.get(m.med)) };
      const name = names.get(m.med);
      if (name !== undefined) e.name = name;
      if (m.labels?.length) e.labels = [...m.labels];
      if (bad.has(m.id)) e.conflict = true;
      entries.push(e);
    }
  }
  if (kinds.includes("dx")) {
    const bad = dxHistoryProblems(live(input.dx));
    for (const d of input.dx) {
      const e: TimelineEntry = { date: d.date, kind: "dx", id: d.id, created: d.created, event: d.event, code: d.code, status: d.status, summary: describeDxEvent(d) };
      if (d.labels?.length) e.labels = [...d.labels];
      if (bad.has(d.id)) e.conflict = true;
      entries.push(e);
    }
  }
  for (const e of entries) {
    const mark = voided.get(e.id);
    if (mark) {
      e.voided = mark;
      e.summary = `VOIDED (${mark.reason}): ${e.summary}`;
      delete e.conflict;
    }
  }
  return entries
    .filter((e) => (!opts.since || e.date >= opts.since) && (!opts.until || e.date <= opts.until))
    .sort(byEventOrder);
}

export function parseTimelineKinds(list: readonly string[] | undefined): TimelineKind[] | undefined {
  if (!list?.length) return undefined;
  const out = new Set<TimelineKind>();
  for (const s of list.flatMap((x) => x.split(","))) {
    const k = s.trim().toLowerCase();
    if (k === "") continue;
    if (!(TIMELINE_KINDS as readonly string[]).includes(k)) {
      throw usageError("E_BAD_KIND", `unknown timeline kind "${s.trim().slice(0, 20)}"`, `use one or more of: ${TIMELINE_KINDS.join(", ")}`);
    }
    out.add(k as TimelineKind);
  }
  return [...out];
}
