/**
 * A superbill: what a client needs to claim reimbursement for one month's sessions — the
 * provider (practice, NPI, licence), the client, each date of service with its CPT code and
 * minutes, and the diagnosis codes current during the month. Pure: a function of the records.
 *
 * Only signed notes with a CPT code are services (drafts are not billed; addenda and notes
 * without a CPT code are not sessions). chart records no fees, so none are printed.
 */
import { addDays, type IsoDate } from "./dates.js";
import { foldDiagnoses, isCurrentDx, type DxEventRecord } from "./dx.js";
import { invalid } from "./errors.js";
import type { NoteRecord } from "./note.js";

export interface SuperbillService {
  date: IsoDate;
  cpt: string;
  minutes?: number;
}

export interface SuperbillData {
  month: string; // YYYY-MM
  from: IsoDate;
  until: IsoDate;
  services: SuperbillService[];
  diagnoses: { code: string; description?: string; primary: boolean }[];
  unsigned: number; // drafts with a CPT code in the month, not billed
}

export function checkMonth(s: string): string {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(s.trim());
  if (!m) throw invalid("E_BAD_MONTH", `"${s.slice(0, 20)}" is not a month`, "use YYYY-MM, e.g. --month 2024-05");
  return `${m[1]}-${m[2]}`;
}

/** The last day of a YYYY-MM month. */
export const monthEnd = (month: string): IsoDate => addDays(`${nextMonth(month)}-01`, -1);
const nextMonth = (month: string): string => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
};

export function superbillData(notes: readonly NoteRecord[], dx: readonly DxEventRecord[], month: string): SuperbillData {
  const from = `${month}-01`;
  const until = monthEnd(month);
  const inMonth = notes.filter((n) => n.date >= from && n.date <= until && n.addendumTo === undefined && n.cpt);
  const services = inMonth
    .filter((n) => n.status === "signed")
    .map((n) => ({ date: n.date, cpt: n.cpt as string, ...(n.duration !== undefined ? { minutes: n.duration } : {}) }))
    .sort((a, b) => (a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.cpt < b.cpt ? -1 : 1));
  // Diagnoses current at some point in the month: as of the month's end, plus those resolved or
  // ruled out during it (they were current at earlier sessions).
  const asOfEnd = foldDiagnoses(dx.filter((e) => e.date <= until));
  const diagnoses = asOfEnd
    .filter((d) => isCurrentDx(d) || (d.status === "resolved" && (d.resolved ?? d.since) >= from))
    .sort((a, b) => Number(b.primary) - Number(a.primary) || (a.code < b.code ? -1 : 1))
    .map((d) => ({ code: d.code, ...(d.description ? { description: d.description } : {}), primary: d.primary }));
  return { month, from, until, services, diagnoses, unsigned: inMonth.length - services.length };
}
