/**
 * Folding a duplicate client's records into the real client (docs/corrections.md): every live
 * record of the duplicate is written again under the real client with a new id (a record's id
 * and client are part of its path and MAC), and every reference between them follows. Pure:
 * ids come from `newId`.
 */
import type { IdKind } from "./ids.js";
import { KIND_ID, type AnyRecord, type ChartRecord } from "./record.js";
import { isChartRecord } from "./record-shape.js";

const REFS = ["addendumTo", "med", "revokes", "consent", "request", "note", "addendum", "target"] as const;

export function remapRecords(records: readonly ChartRecord[], into: string, newId: (k: IdKind) => string): { records: ChartRecord[]; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  for (const r of records) if (r.kind !== "client") ids.set(r.id, newId(KIND_ID[r.kind]));
  const map = (v: unknown) => (typeof v === "string" && ids.has(v) ? ids.get(v) : v);
  const out = records
    .filter((r) => r.kind !== "client")
    .map((r): ChartRecord => {
      const x: AnyRecord = { ...r, id: ids.get(r.id) ?? r.id, client: into };
      for (const k of REFS) if (x[k] !== undefined) x[k] = map(x[k]);
      if (Array.isArray(x.items)) x.items = x.items.map(map);
      // Ids are swapped for ids of the same kind: the record keeps its shape.
      if (!isChartRecord(x)) throw new Error(`remapping ${r.kind} ${r.id} broke its shape`);
      return x;
    });
  return { records: out, ids };
}
