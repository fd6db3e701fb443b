/**
 * Diagnosis history: one event per file. A diagnosis is identified per client by its normalised
 * ICD-10-CM code; current state is derived by folding events.
 *
 * As for medications, one rule decides which events apply: walking a code's events in event
 * order, an "add" applies when the code is not current (absent, resolved or ruled out: a new
 * episode), and a "status" event applies only while the code is current (provisional or
 * active). An event that breaks the rule stays in the history but does not change the state;
 * writes that would create one are refused.
 */
import type { IsoDate } from "./dates.js";
import { invalid, type CodeOf } from "./errors.js";
import { byEventOrder, groupBy } from "./events.js";
import { shortId } from "./ids.js";
import { dxEventLabels } from "./dx-labels.js";
import type { Label } from "./labels.js";
import type { BaseRecord } from "./record.js";

export type DxStatus = "provisional" | "active" | "resolved" | "ruled-out";
export type DxEventType = "add" | "status";
export const DX_STATUSES: readonly DxStatus[] = ["provisional", "active", "resolved", "ruled-out"];
export const DX_ADD_STATUSES: readonly DxStatus[] = ["provisional", "active"];
export const DX_EVENT_TYPES: readonly DxEventType[] = ["add", "status"];

export interface DxEventRecord extends BaseRecord {
  kind: "dx";
  event: DxEventType;
  code: string; // normalised ICD-10-CM, e.g. "F41.1"
  date: IsoDate; // when it took effect
  status: DxStatus; // provisional|active on add; any on status
  description?: string;
  onset?: IsoDate;
  primary?: boolean;
  labels?: Label[];
  /** Labels the code implies that were explicitly left off (recorded; add events only). */
  withoutLabels?: Label[];
  /** Added with --force: the code is not in the installed ICD-10-CM code set (codeSet is its year). */
  forced?: { codeSet: string };
}

export interface Diagnosis {
  code: string;
  description?: string;
  status: DxStatus;
  since: IsoDate; // date of the last status change
  added: IsoDate;
  onset?: IsoDate;
  primary: boolean;
  resolved?: IsoDate; // when status is resolved or ruled-out
  labels?: Label[];
  events: string[]; // event ids, in fold order (only the events that applied)
}

export const isCurrentStatus = (s: DxStatus): boolean => s === "active" || s === "provisional";
export const isCurrentDx = (d: Pick<Diagnosis, "status">): boolean => isCurrentStatus(d.status);

export interface DxProblem {
  code: CodeOf<"invalid">;
  message: string;
}

function dxStep(d: Diagnosis | undefined, e: DxEventRecord): DxProblem | undefined {
  if (e.event === "add") {
    if (!DX_ADD_STATUSES.includes(e.status)) return { code: "E_DX_BAD_STATUS", message: `a diagnosis is added as provisional or active` };
    if (d && isCurrentDx(d)) return { code: "E_DX_EXISTS", message: `${e.code} is already on the diagnosis list on ${e.date}` };
    return undefined;
  }
  if (!d) return { code: "E_DX_NOT_ON_LIST", message: `${e.code} is not on the diagnosis list on ${e.date}` };
  if (!isCurrentDx(d)) return { code: "E_DX_NOT_CURRENT", message: `${e.code} is not current on ${e.date}: it was resolved or ruled out on or before that date` };
  return undefined;
}

function apply(d: Diagnosis | undefined, e: DxEventRecord): Diagnosis {
  const n: Diagnosis = d ?? { code: e.code, status: e.status, since: e.date, added: e.date, primary: false, events: [] };
  n.events.push(e.id);
  if (e.event === "add") {
    n.added = e.date; // first add, or a new episode after a resolve or rule-out
    if (e.description !== undefined) n.description = e.description;
    if (e.onset !== undefined) n.onset = e.onset;
    else if (d) delete n.onset;
    n.primary = e.primary ?? false;
  } else {
    if (e.description !== undefined) n.description = e.description;
    if (e.primary !== undefined) n.primary = e.primary;
  }
  const carried = dxEventLabels(e);
  if (carried.length) n.labels = [...new Set([...(n.labels ?? []), ...carried])].sort();
  if (e.event === "add" || e.status !== n.status) n.since = e.date;
  n.status = e.status;
  if (e.status === "resolved" || e.status === "ruled-out") n.resolved = e.date;
  else delete n.resolved;
  return n;
}

/** Walk one code's events. `lenient`: a first event that is not an add still starts the code. */
function walk(list: readonly DxEventRecord[], lenient: boolean): { state?: Diagnosis; problems: Map<string, DxProblem> } {
  const problems = new Map<string, DxProblem>();
  let state: Diagnosis | undefined;
  for (const e of [...list].sort(byEventOrder)) {
    const p = lenient && !state ? undefined : dxStep(state, e);
    if (p) problems.set(e.id, p);
    else state = apply(state, e);
  }
  return state ? { state, problems } : { problems };
}

const byPrimaryThenCode = (a: Diagnosis, b: Diagnosis): number =>
  Number(b.primary) - Number(a.primary) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/**
 * Fold diagnosis events into diagnoses, one per code, sorted primary first then by code.
 * Any permutation of the input gives the same result. A code whose first event is not an
 * "add" starts from that event's status; later events that do not apply are skipped
 * (validation refuses to write either).
 */
export function foldDiagnoses(events: readonly DxEventRecord[]): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const [, list] of groupBy(events, (e) => e.code)) {
    const { state } = walk(list, true);
    if (state) out.push(state);
  }
  return out.sort(byPrimaryThenCode);
}

/** Events that do not apply under the strict rule, by event id. */
export function dxHistoryProblems(events: readonly DxEventRecord[]): Map<string, DxProblem> {
  const all = new Map<string, DxProblem>();
  for (const [, list] of groupBy(events, (e) => e.code)) for (const [id, p] of walk(list, false).problems) all.set(id, p);
  return all;
}

/** The state of a code just before `e` takes effect (undefined: never added). */
export function diagnosisBefore(existing: readonly DxEventRecord[], e: DxEventRecord): Diagnosis | undefined {
  return walk(existing.filter((x) => x.code === e.code && x.id !== e.id && byEventOrder(x, e) < 0), false).state;
}

/**
 * Refuse a new event that would not apply (an add of a current code, a resolve of a code that is
 * not on the list), or that would stop a later event from applying. Problems already present
 * are not blamed on it.
 */
export function checkDxEvent(existing: readonly DxEventRecord[], e: DxEventRecord): void {
  const same = existing.filter((x) => x.code === e.code);
  if (same.some((x) => x.id === e.id)) throw invalid("E_DUPLICATE_ID", `event ${shortId(e.id)} is already recorded`);
  if (!DX_STATUSES.includes(e.status)) throw invalid("E_DX_BAD_STATUS", `unknown diagnosis status`);
  if (e.onset !== undefined && e.onset > e.date) {
    throw invalid("E_DX_ONSET", `onset ${e.onset} is after the diagnosis date ${e.date}`, "check --onset and --date");
  }
  const before = walk(same, false).problems;
  const after = walk([...same, e], false).problems;
  const own = after.get(e.id);
  if (own) throw invalid(own.code, own.message, `see: chart dx list ${shortId(e.client)} --all`);
  const broken = [...same].sort(byEventOrder).find((x) => after.has(x.id) && !before.has(x.id));
  if (broken) {
    throw invalid(
      "E_DX_LATER_EVENT",
      `this change dated ${e.date} would leave a later event for ${e.code} without effect`,
      `see: chart dx history ${shortId(e.client)} ${e.code}`,
    );
  }
}

export const statusWord = (s: DxStatus): string => (s === "ruled-out" ? "ruled out" : s);

/** A one-line description of an event, for history and timeline views. */
export function describeDxEvent(e: DxEventRecord): string {
  const desc = e.description ? ` ${e.description}` : "";
  if (e.event === "add") return `add ${e.code}${desc} (${e.status}${e.primary ? ", primary" : ""})`;
  const primary = e.primary === true ? ", primary" : e.primary === false ? ", not primary" : "";
  return `${e.status === "resolved" ? "resolve" : e.status === "ruled-out" ? "rule out" : `mark ${e.status}`} ${e.code}${desc}${primary}`;
}
