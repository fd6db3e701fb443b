/**
 * Medication history: one event per file (start, change, stop). A medication is identified by
 * the id of its start event (`med`); current state is derived by folding events.
 * (Types fixed here; folding and rules live beside them.)
 */
import type { IsoDate } from "./dates.js";
import { byEventOrder, groupBy } from "./events.js";
import type { Label } from "./labels.js";
import type { BaseRecord } from "./record.js";

export type MedEventType = "start" | "change" | "stop";

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
  events: string[]; // event ids, in fold order
}

const MED_FIELDS = ["dose", "route", "frequency", "prescriber"] as const;

/**
 * Fold medication events into medications, sorted by start date then name. Any permutation of
 * the input gives the same result. Events for a medication without a start event are ignored
 * (validation refuses to write them).
 */
export function foldMedications(events: readonly MedEventRecord[]): Medication[] {
  const out: Medication[] = [];
  for (const [med, list] of groupBy(events, (e) => e.med)) {
    const sorted = [...list].sort(byEventOrder);
    const start = sorted.find((e) => e.event === "start" && e.id === med);
    if (!start) continue;
    const m: Medication = { med, name: start.name ?? "(unnamed)", started: start.date, active: true, events: [] };
    for (const e of sorted) {
      if (e.event === "start" && e.id !== med) continue;
      m.events.push(e.id);
      if (e.event === "start") {
        for (const f of MED_FIELDS) if (e[f] !== undefined) m[f] = e[f];
        if (e.reason !== undefined) m.reason = e.reason;
        if (e.labels?.length) m.labels = [...e.labels];
      } else if (e.event === "change") {
        for (const f of MED_FIELDS) if (e[f] !== undefined) m[f] = e[f];
        if (e.labels?.length) m.labels = [...new Set([...(m.labels ?? []), ...e.labels])].sort();
        m.lastChanged = e.date;
      } else {
        m.active = false;
        m.stopped = e.date;
        if (e.reason !== undefined) m.stopReason = e.reason;
      }
    }
    out.push(m);
  }
  return out.sort((a, b) => (a.started !== b.started ? (a.started < b.started ? -1 : 1) : a.name.localeCompare(b.name) || (a.med < b.med ? -1 : 1)));
}
