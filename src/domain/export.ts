/**
 * What `chart export` writes (docs/export.md): a pure selection of each client's records by
 * date of service or event, with voided records left out (docs/corrections.md) unless the
 * full history is asked for. Renderers (JSONL, JSON, CSV, Markdown, PDF, FHIR) draw only from
 * the selection.
 */
import type { ClientRecord } from "./client.js";
import type { AnyDisclosure } from "./accounting.js";
import type { ConsentRecord } from "./consent.js";
import { addDays, isIsoDate, type IsoDate } from "./dates.js";
import type { DxEventRecord } from "./dx.js";
import { invalid, usageError } from "./errors.js";
import { byEventOrder } from "./events.js";
import type { MedEventRecord } from "./med.js";
import type { NoteRecord } from "./note.js";
import { recordJson, type BaseRecord, type ChartRecord } from "./record.js";
import { isClientVoided, voidedIds, type VoidRecord } from "./void.js";
import type { AccessRecord } from "./access.js";
import type { AmendmentRecord } from "./amendment.js";

export const EXPORT_FORMATS = ["jsonl", "json", "md", "pdf", "fhir", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Formats written as one file per client (or per table), so --out names a folder. */
export const FOLDER_FORMATS: readonly ExportFormat[] = ["md", "pdf", "fhir", "csv"];

export function checkExportFormat(s: string | undefined, fallback: ExportFormat): ExportFormat {
  if (s === undefined) return fallback;
  const f = s.trim().toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) {
    throw usageError("E_EXPORT_FORMAT", `unknown export format "${s.slice(0, 20)}"`, `use one of: ${EXPORT_FORMATS.join(", ")}`);
  }
  return f as ExportFormat;
}

export interface DateRange {
  since?: IsoDate;
  until?: IsoDate;
}

/** `--month YYYY-MM`: that calendar month, first to last day. */
export function monthRange(month: string): Required<DateRange> {
  const m = /^(\d{4})-(\d{2})$/.exec(month.trim());
  const first = m ? `${m[1]}-${m[2]}-01` : "";
  if (!m || !isIsoDate(first)) throw invalid("E_BAD_DATE", `--month "${month.slice(0, 20)}" is not a month`, "use YYYY-MM, e.g. --month 2026-10");
  const next = Number(m[2]) === 12 ? `${Number(m[1]) + 1}-01-01` : `${m[1]}-${String(Number(m[2]) + 1).padStart(2, "0")}-01`;
  return { since: first, until: addDays(next, -1) };
}

/** The month before the one `today` is in (what a monthly job exports). */
export function lastMonth(today: IsoDate): string {
  const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

export function checkRange(r: DateRange): DateRange {
  if (r.since && r.until && r.since > r.until) throw usageError("E_BAD_RANGE", `--since ${r.since} is after --until ${r.until}`, "swap the dates");
  return r;
}

/** Everything of one client, as read from the chart. */
export interface ClientData {
  profile: ClientRecord;
  notes: NoteRecord[];
  meds: MedEventRecord[];
  dx: DxEventRecord[];
  consents: ConsentRecord[];
  disclosures: AnyDisclosure[];
  voids: VoidRecord[];
  /** Right-of-access requests and their events, amendment requests and their outcomes (absent: none). */
  access?: AccessRecord[];
  amendments?: AmendmentRecord[];
  /** Every live diagnosis event of the client, whatever the range (the diagnosis a session was billed under). */
  dxHistory?: DxEventRecord[];
}

export interface ExportOptions extends DateRange {
  /** Keep voided records and the voids themselves (a full history that imports back as it was). */
  withVoided?: boolean;
}

/** The date a record is selected by: date of service or of the event. */
export function recordDate(r: ChartRecord): IsoDate | undefined {
  if (r.kind === "consent") return r.event === "grant" ? r.signed : r.date;
  if (r.kind === "client") return r.admitted;
  if ((r.kind === "access" || r.kind === "amendment") && r.event === "request") return r.received;
  return "date" in r ? r.date : undefined;
}

/**
 * One client's records for the export, or undefined when nothing of the client is in range
 * (or the client is voided and voided records are left out). Addenda go with their note
 * whatever their own date. The profile always comes along with any record.
 */
export function selectClient(d: ClientData, o: ExportOptions): ClientData | undefined {
  const voids = d.voids.filter((v) => v.client === d.profile.id);
  if (!o.withVoided && isClientVoided(d.profile.id, voids)) return undefined;
  const all: ChartRecord[] = [...d.notes, ...d.meds, ...d.dx, ...d.consents];
  // An amendment of a voided note goes with it (its addendum is voided with the note).
  const gone = o.withVoided ? new Map() : voidedIds(all, voids);
  const live = <T extends BaseRecord>(xs: readonly T[]) => xs.filter((x) => !gone.has(x.id));
  const inRange = (r: ChartRecord) => {
    const date = recordDate(r);
    if (o.since === undefined && o.until === undefined) return true;
    return date !== undefined && (o.since === undefined || date >= o.since) && (o.until === undefined || date <= o.until);
  };
  const notes = live(d.notes);
  const tops = new Set(notes.filter((n) => n.type !== "addendum" && inRange(n)).map((n) => n.id));
  const noteIds = new Set(notes.map((n) => n.id));
  const pickedNotes = notes.filter((n) => tops.has(n.id) || (n.type === "addendum" && (tops.has(n.addendumTo ?? "") || (!noteIds.has(n.addendumTo ?? "") && inRange(n)))));
  const out: ClientData = {
    profile: d.profile,
    notes: pickedNotes.sort(byEventOrder),
    meds: live(d.meds).filter(inRange).sort(byEventOrder),
    dx: live(d.dx).filter(inRange).sort(byEventOrder),
    consents: live(d.consents).filter(inRange).sort((a, b) => byEventOrder({ ...a, date: recordDate(a) ?? "" }, { ...b, date: recordDate(b) ?? "" })),
    disclosures: d.disclosures.filter(inRange).sort(byEventOrder),
    voids: [],
    dxHistory: live(d.dx).sort(byEventOrder),
  };
  // Requests by the date received; their events travel with them.
  for (const k of ["access", "amendments"] as const) {
    const list = d[k] ?? [];
    const refersToGone = (r: AccessRecord | AmendmentRecord) => [r.kind === "amendment" ? (r.event === "request" ? r.note : r.addendum) : undefined].some((id) => id !== undefined && gone.has(id));
    const reqs = new Set(list.filter((r) => r.event === "request" && inRange(r) && !refersToGone(r)).map((r) => r.id));
    const picked = list.filter((r) => (reqs.has(r.id) || reqs.has((r as { request?: string }).request ?? "")) && !refersToGone(r));
    if (picked.length) out[k] = [...picked].sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1)) as never;
  }
  if (o.withVoided) {
    const picked = new Set([d.profile.id, ...[...out.notes, ...out.meds, ...out.dx, ...out.consents].map((r) => r.id)]);
    out.voids = voids.filter((v) => picked.has(v.target)).sort(byEventOrder);
  }
  const any = out.notes.length + out.meds.length + out.dx.length + out.consents.length + out.disclosures.length + out.voids.length + (out.access?.length ?? 0) + (out.amendments?.length ?? 0) > 0;
  const profileInRange = inRange(d.profile);
  return any || profileInRange ? out : undefined;
}

export const recordCount = (c: ClientData): number =>
  1 + c.notes.length + c.meds.length + c.dx.length + c.consents.length + c.disclosures.length + c.voids.length + (c.access?.length ?? 0) + (c.amendments?.length ?? 0);

/** The records of one client in import order: the client, then what refers to it. */
export function clientRecords(c: ClientData): BaseRecord[] {
  return [c.profile, ...c.consents, ...c.notes, ...c.meds, ...c.dx, ...c.disclosures, ...(c.access ?? []), ...(c.amendments ?? []), ...c.voids];
}

/** A JSONL line: the record as stored, minus the envelope version (the `chart import` shape). */
export function jsonLine(r: BaseRecord): string {
  return JSON.stringify(recordJson(r));
}

export function toJsonl(clients: readonly ClientData[]): string {
  return clients.flatMap(clientRecords).map((r) => `${jsonLine(r)}\n`).join("");
}

/** One JSON document: the export's range and each client's records by kind. */
export function toJson(clients: readonly ClientData[], meta: { exportedAt: string } & ExportOptions): string {
  const strip = (xs: readonly BaseRecord[]) => xs.map(recordJson);
  const doc = {
    format: "chart-export",
    version: 1,
    exportedAt: meta.exportedAt,
    since: meta.since ?? null,
    until: meta.until ?? null,
    withVoided: !!meta.withVoided,
    clients: clients.map((c) => ({
      profile: JSON.parse(jsonLine(c.profile)) as unknown,
      notes: strip(c.notes),
      medicationEvents: strip(c.meds),
      diagnosisEvents: strip(c.dx),
      consents: strip(c.consents),
      disclosures: strip(c.disclosures),
      voids: strip(c.voids),
      access: strip(c.access ?? []),
      amendments: strip(c.amendments ?? []),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Check a parsed JSON export back into import lines (the JSON form imports too). */
export function jsonToJsonl(doc: unknown): string {
  const d = doc as { format?: string; clients?: Record<string, unknown>[] };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- doc is parsed JSON and may be null
  if (d?.format !== "chart-export" || !Array.isArray(d.clients)) throw invalid("E_EXPORT_JSON", "not a chart export document");
  const lines: string[] = [];
  for (const c of d.clients) {
    lines.push(JSON.stringify(c.profile));
    for (const k of ["consents", "notes", "medicationEvents", "diagnosisEvents", "disclosures", "access", "amendments", "voids"]) {
      for (const r of (c[k] as unknown[] | undefined) ?? []) lines.push(JSON.stringify(r));
    }
  }
  return lines.join("\n") + "\n";
}
