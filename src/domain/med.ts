/**
 * Medication history: one event per file (start, change, stop). A medication is identified by
 * the id of its start event (`med`); current state is derived by folding events.
 *
 * One rule decides which events apply, for folding and for refusing writes alike: walking a
 * medication's events in event order (date, then recording time, then id), a start must come
 * first and only once, and a change or stop applies only while the medication is active. An
 * event that breaks the rule (two devices that merged a stop and a later change, say) stays in
 * the history but does not change the folded state; writes that would create one are refused.
 */
import type { IsoDate } from "./dates.js";
import { ChartError, invalid, notFound, type CodeOf } from "./errors.js";
import { byEventOrder, groupBy } from "./events.js";
import { idMatches, shortId } from "./ids.js";
import type { Label } from "./labels.js";
import type { BaseRecord } from "./record.js";
import { compareNames } from "./name-order.js";

export type MedEventType = "start" | "change" | "stop";
export const MED_EVENT_TYPES: readonly MedEventType[] = ["start", "change", "stop"];

export interface MedEventRecord extends BaseRecord {
  kind: "med";
  event: MedEventType;
  med: string; // id of the start event; equal to `id` on a start
  date: IsoDate; // when it took effect
  name?: string; // on start
  dose?: string;
  route?: string;
  frequency?: string;
  prescriber?: string;
  reason?: string; // why started / changed / stopped
  labels?: Label[];
}

/** A medication's state after folding its events. */
export interface Medication {
  med: string;
  name: string;
  dose?: string;
  route?: string;
  frequency?: string;
  prescriber?: string;
  reason?: string; // reason for starting
  started: IsoDate;
  stopped?: IsoDate;
  stopReason?: string;
  lastChanged?: IsoDate;
  active: boolean;
  labels?: Label[];
  events: string[]; // event ids, in fold order (only the events that applied)
}

export const MED_FIELDS = ["dose", "route", "frequency", "prescriber"] as const;
export type MedField = (typeof MED_FIELDS)[number];

export interface HistoryProblem {
  code: CodeOf<"invalid">;
  message: string;
}

/**
 * The recording time for a new event: `now`, or one second after the latest of `existing` when
 * that is not earlier (same-second commands, or a clock behind another device's). Events of one
 * medication or code are ordered by date and then by recording time, so a stop recorded right
 * after a change on the same date must sort after it, never by the tie-breaking id.
 */
export function createdAfter(now: string, existing: readonly { created: string }[]): string {
  let latest = Number.NEGATIVE_INFINITY;
  for (const e of existing) {
    const t = Date.parse(e.created);
    if (t > latest) latest = t;
  }
  const t = Math.max(Date.parse(now), latest + 1000);
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Why `e` cannot apply to a medication in state `m` (undefined: it applies). */
function medStep(m: Medication | undefined, e: MedEventRecord, med: string): HistoryProblem | undefined {
  const which = `medication ${shortId(med)}`;
  if (e.event === "start") {
    if (e.id !== med) return { code: "E_MED_BAD_START", message: `a start event must carry its own id as the medication id` };
    if (m) return { code: "E_MED_STARTED", message: `${which} has already started` };
    return undefined;
  }
  if (!m) return { code: "E_MED_NOT_STARTED", message: `${which} had not started on ${e.date}` };
  if (!m.active) return { code: "E_MED_NOT_ACTIVE", message: `${which} is not active on ${e.date}: it was stopped on or before that date` };
  return undefined;
}

function apply(m: Medication | undefined, e: MedEventRecord, med: string): Medication {
  if (e.event === "start") {
    const n: Medication = { med, name: e.name ?? "(unnamed)", started: e.date, active: true, events: [e.id] };
    for (const f of MED_FIELDS) if (e[f] !== undefined) n[f] = e[f];
    if (e.reason !== undefined) n.reason = e.reason;
    if (e.labels?.length) n.labels = [...e.labels].sort();
    return n;
  }
  const n = m as Medication;
  n.events.push(e.id);
  if (e.event === "change") {
    for (const f of MED_FIELDS) if (e[f] !== undefined) n[f] = e[f];
    if (e.labels?.length) n.labels = [...new Set([...(n.labels ?? []), ...e.labels])].sort();
    n.lastChanged = e.date;
  } else {
    n.active = false;
    n.stopped = e.date;
    if (e.reason !== undefined) n.stopReason = e.reason;
  }
  return n;
}

/** Walk one medication's events in event order: the folded state and the events that did not apply. */
function walk(med: string, list: readonly MedEventRecord[]): { state?: Medication; problems: Map<string, HistoryProblem> } {
  const problems = new Map<string, HistoryProblem>();
  let state: Medication | undefined;
  for (const e of [...list].sort(byEventOrder)) {
    const p = medStep(state, e, med);
    if (p) problems.set(e.id, p);
    else state = apply(state, e, med);
  }
  return state ? { state, problems } : { problems };
}

const byStart = (a: Medication, b: Medication): number =>
  a.started !== b.started ? (a.started < b.started ? -1 : 1) : compareNames(a.name, b.name) || (a.med < b.med ? -1 : 1);

/**
 * Fold medication events into medications, sorted by start date then name. Any permutation of
 * the input gives the same result. Events for a medication without a start event are ignored,
 * and so are events that do not apply (see the module comment); validation refuses to write them.
 */
export function foldMedications(events: readonly MedEventRecord[]): Medication[] {
  const out: Medication[] = [];
  for (const [med, list] of groupBy(events, (e) => e.med)) {
    const { state } = walk(med, list);
    if (state) out.push(state);
  }
  return out.sort(byStart);
}

/** Events that do not apply, by event id, across all medications. */
export function medHistoryProblems(events: readonly MedEventRecord[]): Map<string, HistoryProblem> {
  const all = new Map<string, HistoryProblem>();
  for (const [med, list] of groupBy(events, (e) => e.med)) for (const [id, p] of walk(med, list).problems) all.set(id, p);
  return all;
}

/** The state of a medication just before `e` takes effect (undefined: not started yet). */
export function medicationBefore(existing: readonly MedEventRecord[], e: MedEventRecord): Medication | undefined {
  const earlier = existing.filter((x) => x.med === e.med && x.id !== e.id && byEventOrder(x, e) < 0);
  return walk(e.med, earlier).state;
}

/**
 * Refuse a new event that would not apply, or that would stop a later event from applying
 * (a stop dated before an existing change, say). Problems already present are not blamed on it.
 */
export function checkMedEvent(existing: readonly MedEventRecord[], e: MedEventRecord): void {
  const same = existing.filter((x) => x.med === e.med);
  if (same.some((x) => x.id === e.id)) throw invalid("E_DUPLICATE_ID", `event ${shortId(e.id)} is already recorded`);
  if (e.event === "start") {
    if (!e.name || e.name.trim() === "") throw invalid("E_MED_NAME", "a medication needs a name");
  } else if (e.event === "change" && !MED_FIELDS.some((f) => e[f] !== undefined) && !e.labels?.length) {
    throw new ChartError("usage", "E_MED_NO_CHANGE", "a change needs at least one of --dose, --route, --frequency, --prescriber, --label");
  }
  const { state, problems: before } = walk(e.med, same);
  if (e.event === "stop" && state && !state.active) {
    throw invalid("E_MED_STOPPED", `medication ${shortId(e.med)} is already stopped`, `see: chart med history ${shortId(e.client)} ${shortId(e.med)}`);
  }
  const after = walk(e.med, [...same, e]).problems;
  const own = after.get(e.id);
  if (own) throw invalid(own.code, own.message, `see: chart med history ${shortId(e.client)} ${shortId(e.med)}`);
  const broken = [...same].sort(byEventOrder).find((x) => after.has(x.id) && !before.has(x.id));
  if (broken) {
    throw invalid(
      "E_MED_LATER_EVENT",
      `this ${e.event} dated ${e.date} would leave a later ${broken.event} of medication ${shortId(e.med)} without effect`,
      `date the ${e.event} after the later events; see: chart med history ${shortId(e.client)} ${shortId(e.med)}`,
    );
  }
}

/** The fields a change would actually alter, given the state just before it. */
export function changedFields(before: Medication | undefined, e: Pick<MedEventRecord, MedField | "labels">): (MedField | "labels")[] {
  const out: (MedField | "labels")[] = [];
  for (const f of MED_FIELDS) if (e[f] !== undefined && e[f] !== before?.[f]) out.push(f);
  if (e.labels?.some((l) => !(before?.labels ?? []).includes(l))) out.push("labels");
  return out;
}

/**
 * Name a medication by its id, an id prefix, or a unique part of its name. Active medications
 * are searched first, then stopped ones. Errors never name a medication, only ids.
 */
export function resolveMedication(meds: readonly Medication[], query: string): Medication {
  const q = query.trim();
  if (q === "") throw new ChartError("usage", "E_MED_QUERY", "no medication named", "name it by id or a part of its name");
  const exact = meds.find((m) => m.med === q);
  if (exact) return exact;
  const needle = q.toLowerCase();
  const pick = (pool: readonly Medication[]): Medication[] => {
    const hits = pool.filter((m) => idMatches(m.med, q) || m.name.toLowerCase().includes(needle));
    const exactName = hits.filter((m) => m.name.toLowerCase() === needle);
    return exactName.length === 1 ? exactName : hits;
  };
  for (const pool of [meds.filter((m) => m.active), meds.filter((m) => !m.active)]) {
    const hits = pick(pool);
    if (hits.length === 1) return hits[0] as Medication;
    if (hits.length > 1) {
      throw new ChartError(
        "usage",
        "E_MED_AMBIGUOUS",
        `"${q}" matches ${hits.length} ${pool[0]?.active ? "active" : "stopped"} medications: ${hits.map((m) => shortId(m.med)).join(", ")}`,
        "name it by id (see chart med list CLIENT --all)",
      );
    }
  }
  throw notFound("E_MED_NOT_FOUND", `no medication matches "${q}"`, "see chart med list CLIENT --all");
}

/**
 * Medications often prescribed for a substance use disorder. Recording one without the SUD
 * label earns a reminder (not an automatic label: several have other uses).
 */
const SUD_TREATMENT_MEDS = ["buprenorphine", "suboxone", "subutex", "sublocade", "zubsolv", "methadone", "naltrexone", "vivitrol", "disulfiram", "antabuse", "acamprosate", "lofexidine"];

export const oftenSudTreatment = (name: string): boolean => {
  const n = name.toLowerCase();
  return SUD_TREATMENT_MEDS.some((m) => n.includes(m));
};

/** A one-line description of an event, for history and timeline views. */
export function describeMedEvent(e: MedEventRecord, name: string | undefined): string {
  const fields = MED_FIELDS.filter((f) => e[f] !== undefined).map((f) => (f === "prescriber" ? `prescriber ${e[f]}` : (e[f] as string)));
  const reason = e.reason ? `; reason: ${e.reason}` : "";
  const who = name ?? shortId(e.med);
  if (e.event === "start") return `start ${who}${fields.length ? ` ${fields.join(", ")}` : ""}${reason}`;
  if (e.event === "change") return `change ${who}: ${fields.length ? fields.join(", ") : "labels"}${reason}`;
  return `stop ${who}${reason}`;
}
