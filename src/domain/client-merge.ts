/**
 * Folding a duplicate client's records into the real client (docs/corrections.md): every live
 * record of the duplicate is written again under the real client with a new id (a record's id
 * and client are part of its path and MAC), and every reference between them follows. Pure:
 * ids come from `newId`.
 */
import type { IdKind } from "./ids.js";
import { KIND_ID, type AnyRecord, type BaseRecord } from "./record.js";

const REFS = ["addendumTo", "med", "revokes", "consent", "request", "note", "addendum", "target"] as const;

export function remapRecords(records: readonly BaseRecord[], into: string, newId: (k: IdKind) => string): { records: AnyRecord[]; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  for (const r of records) if (r.kind !== "client") ids.set(r.id, newId(KIND_ID[r.kind]));
  const map = (v: unknown) => (typeof v === "string" && ids.has(v) ? ids.get(v) : v);
  const out = records
    .filter((r) => r.kind !== "client")
    .map((r) => {
      const x: AnyRecord = { ...(r as AnyRecord), id: ids.get(r.id) as string, client: into };
      for (const k of REFS) if (x[k] !== undefined) x[k] = map(x[k]);
      if (Array.isArray(x.items)) x.items = (x.items as unknown[]).map(map);
      return x;
    });
  return { records: out, ids };
}
