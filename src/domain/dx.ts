/**
 * Diagnosis history: one event per file. A diagnosis is identified per client by its normalised
 * ICD-10-CM code; current state is derived by folding events.
 * (Types fixed here; folding, code validation and rules live beside them.)
 */
import type { IsoDate } from "./dates.js";
import { byEventOrder, groupBy } from "./events.js";
import type { Label } from "./labels.js";
import type { BaseRecord } from "./record.js";

export type DxStatus = "provisional" | "active" | "resolved" | "ruled-out";
export type DxEventType = "add" | "status";

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
  events: string[];
}

/**
 * Fold diagnosis events into diagnoses, one per code, sorted primary first then by code.
 * Any permutation of the input gives the same result. A code whose first event is not an
 * "add" starts from that event's status (validation refuses to write such events).
 */
export function foldDiagnoses(events: readonly DxEventRecord[]): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const [code, list] of groupBy(events, (e) => e.code)) {
    const sorted = [...list].sort(byEventOrder);
    const first = sorted[0] as DxEventRecord;
    const d: Diagnosis = { code, status: first.status, since: first.date, added: first.date, primary: false, events: [] };
    for (const e of sorted) {
      d.events.push(e.id);
      if (e.event === "add") {
        if (d.resolved !== undefined || d.events.length === 1) d.added = e.date; // a new episode
        delete d.resolved;
        if (e.description !== undefined) d.description = e.description;
        if (e.onset !== undefined) d.onset = e.onset;
        if (e.primary !== undefined) d.primary = e.primary;
      }
      if (e.labels?.length) d.labels = [...new Set([...(d.labels ?? []), ...e.labels])].sort();
      if (e.event === "status" && e.primary !== undefined) d.primary = e.primary;
      d.status = e.status;
      d.since = e.date;
      if (e.status === "resolved" || e.status === "ruled-out") d.resolved = e.date;
      else delete d.resolved;
    }
    out.push(d);
  }
  return out.sort((a, b) => Number(b.primary) - Number(a.primary) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export const isCurrentDx = (d: Diagnosis): boolean => d.status === "active" || d.status === "provisional";
