/**
 * CSV export (docs/export.md): one RFC 4180 table per record kind, plus sessions.csv (date,
 * client id, kind, minutes, CPT, primary diagnosis) for billing scripts and superbills.
 * A cell that a spreadsheet would run as a formula (starting with = + - @ or a control
 * character) is prefixed with a single quote (OWASP's advice against CSV injection).
 */
import { foldDiagnoses, isCurrentDx, type DxEventRecord } from "../domain/dx.js";
import type { ClientData } from "../domain/export.js";
import type { AnyRecord, BaseRecord } from "../domain/record.js";

export const CSV_TABLES = ["sessions", "clients", "notes", "medication_events", "diagnosis_events", "consents", "disclosures", "voids"] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

type Cell = string | number | boolean | undefined | null;

export function csvCell(v: Cell): string {
  if (v === undefined || v === null) return "";
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (cells: readonly Cell[]): string => `${cells.map(csvCell).join(",")}\r\n`;

const COLUMNS: Record<Exclude<CsvTable, "sessions">, string[]> = {
  clients: ["id", "name", "preferredName", "pronouns", "dob", "email", "phone", "emergencyContact", "status", "admitted", "discharged", "dischargeReason", "created"],
  notes: ["id", "client", "date", "type", "template", "duration", "cpt", "status", "signed.by", "signed.at", "signed.hash", "addendumTo", "labels", "created", "body"],
  medication_events: ["id", "client", "med", "event", "date", "name", "dose", "route", "frequency", "prescriber", "reason", "labels", "created"],
  diagnosis_events: ["id", "client", "event", "code", "date", "status", "description", "onset", "primary", "labels", "created"],
  consents: ["id", "client", "event", "recipient.name", "recipient.organization", "purposes", "categories", "from", "until", "expires", "expiresOn", "signed", "signedBy", "authority", "revokes", "date", "reason", "created"],
  disclosures: ["id", "client", "date", "at", "consent", "recipient.name", "recipient.organization", "purposes", "description", "items", "formats", "bundleHash", "encrypted", "created"],
  voids: ["id", "client", "target", "targetKind", "date", "at", "by", "reason", "created"],
};

function value(r: AnyRecord, col: string): Cell {
  const v = col.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), r);
  if (Array.isArray(v)) return v.join("; ");
  return v as Cell;
}

const table = (cols: string[], records: readonly BaseRecord[]): string =>
  csvRow(cols) + records.map((r) => csvRow(cols.map((c) => value(r as AnyRecord, c)))).join("");

/** The primary diagnosis current on a date (the one marked primary), from the client's live history. */
export function primaryDiagnosisOn(history: readonly DxEventRecord[], date: string): string | undefined {
  const current = foldDiagnoses(history.filter((e) => e.date <= date)).filter(isCurrentDx);
  return current.find((d) => d.primary)?.code ?? (current.length === 1 ? current[0]?.code : undefined);
}

export const SESSION_COLUMNS = ["date", "client", "kind", "minutes", "cpt", "primary_diagnosis", "status", "note"];

function sessions(clients: readonly ClientData[]): string {
  const rows = clients.flatMap((c) =>
    c.notes
      .filter((n) => n.type !== "addendum")
      .map((n) => ({ n, dx: primaryDiagnosisOn(c.dxHistory ?? c.dx, n.date) })),
  );
  rows.sort((a, b) => (a.n.date < b.n.date ? -1 : a.n.date > b.n.date ? 1 : a.n.client < b.n.client ? -1 : a.n.id < b.n.id ? -1 : 1));
  return csvRow(SESSION_COLUMNS) + rows.map(({ n, dx }) => csvRow([n.date, n.client, n.type, n.duration, n.cpt, dx, n.status, n.id])).join("");
}

/** Every table, by file name (sessions.csv first). */
export function csvTables(clients: readonly ClientData[]): { name: string; text: string }[] {
  const by = (f: (c: ClientData) => readonly BaseRecord[]) => clients.flatMap(f);
  const data: Record<Exclude<CsvTable, "sessions">, readonly BaseRecord[]> = {
    clients: clients.map((c) => c.profile),
    notes: by((c) => c.notes),
    medication_events: by((c) => c.meds),
    diagnosis_events: by((c) => c.dx),
    consents: by((c) => c.consents),
    disclosures: by((c) => c.disclosures),
    voids: by((c) => c.voids),
  };
  return [
    { name: "sessions.csv", text: sessions(clients) },
    ...(Object.keys(COLUMNS) as Exclude<CsvTable, "sessions">[]).map((t) => ({ name: `${t}.csv`, text: table(COLUMNS[t], data[t]) })),
  ];
}
