/**
 * Three-way merge of one record changed on two devices (docs/sync.md). Nothing is lost: fields
 * changed on one side only are taken from that side; a field both sides changed differently takes
 * the later edit, and the other value is kept in the record's `alternatives` (shown by the
 * commands, settled by `chart note resolve`). The result depends only on the two versions, never
 * on which device merges, so two devices merging the same pair agree.
 */
import { canonicalJson } from "./canonical.js";
import type { AnyRecord } from "./record.js";

export interface Alternative {
  field: string;
  value: unknown; // null: the field was cleared on that side
  updated: string; // when that side's version was written
}

export interface RecordMerge {
  record: AnyRecord;
  /** Fields both sides changed differently (the other value is in `alternatives`). */
  conflicts: string[];
}

const FIXED = new Set(["chart", "kind", "id", "client", "created", "mac"]);
const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const stampOf = (r: AnyRecord): string => (typeof r.updated === "string" ? r.updated : r.created);
const alternativesOf = (r: AnyRecord | undefined): Alternative[] =>
  Array.isArray(r?.alternatives) ? (r.alternatives as Alternative[]) : [];

/** Which version is newer: later `updated`, then a content order both devices compute alike. */
function newerFirst(a: AnyRecord, b: AnyRecord): [AnyRecord, AnyRecord] {
  const sa = stampOf(a);
  const sb = stampOf(b);
  if (sa !== sb) return sa > sb ? [a, b] : [b, a];
  return canonicalJson(a) >= canonicalJson(b) ? [a, b] : [b, a];
}

function union(lists: readonly Alternative[][]): Alternative[] {
  const seen = new Map<string, Alternative>();
  for (const l of lists) for (const a of l) seen.set(canonicalJson(a), a);
  return [...seen.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, a]) => a);
}

function withAlternatives(r: AnyRecord, alts: Alternative[]): AnyRecord {
  const { alternatives: _old, ...rest } = r;
  return alts.length ? { ...rest, alternatives: alts } : rest;
}

/**
 * Merge `ours` and `theirs`, both descended from `base` (undefined when the base cannot be read
 * or the record is new on both sides).
 */
export function mergeRecord(base: AnyRecord | undefined, ours: AnyRecord, theirs: AnyRecord): RecordMerge {
  const strip = (r: AnyRecord) => withAlternatives(r, []);
  const alts = union([alternativesOf(base), alternativesOf(ours), alternativesOf(theirs)]);
  if (same(strip(ours), strip(theirs))) return { record: withAlternatives(newerFirst(ours, theirs)[0], alts), conflicts: [] };
  if (base && same(strip(base), strip(ours))) return { record: withAlternatives(theirs, alts), conflicts: [] };
  if (base && same(strip(base), strip(theirs))) return { record: withAlternatives(ours, alts), conflicts: [] };

  // A signed note is whole (its signature covers its content): the signed version stands, and
  // what the other device changed is kept beside it.
  const signed = [ours, theirs].filter((r) => r.kind === "note" && r.status === "signed");
  if (signed.length === 1) {
    const keep = signed[0] as AnyRecord;
    const other = keep === ours ? theirs : ours;
    const added: Alternative[] = [];
    for (const k of fieldsOf(other, keep)) {
      if (k === "status" || k === "signed" || k === "updated") continue;
      if (!same(other[k], keep[k]) && !(base && same(other[k], base[k]))) added.push({ field: k, value: other[k] ?? null, updated: stampOf(other) });
    }
    return { record: withAlternatives(keep, union([alts, added])), conflicts: added.map((a) => a.field) };
  }

  const [newer, older] = newerFirst(ours, theirs);
  const out: AnyRecord = { ...newer };
  const added: Alternative[] = [];
  const conflicts: string[] = [];
  for (const k of fieldsOf(ours, theirs)) {
    if (FIXED.has(k) || k === "updated" || k === "alternatives") continue;
    const o = ours[k];
    const t = theirs[k];
    const b = base?.[k];
    let v: unknown;
    if (same(o, t)) v = o;
    else if (base && same(b, o)) v = t;
    else if (base && same(b, t)) v = o;
    else {
      v = newer[k];
      conflicts.push(k);
      added.push({ field: k, value: older[k] ?? null, updated: stampOf(older) });
    }
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops the fields left undefined by the merge
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  const updated = [ours.updated, theirs.updated].filter((u): u is string => typeof u === "string").sort().pop();
  if (updated !== undefined) out.updated = updated;
  return { record: withAlternatives(out, union([alts, added])), conflicts };
}

function fieldsOf(a: AnyRecord, b: AnyRecord): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !FIXED.has(k) && k !== "alternatives").sort();
}

/** Three-way merge of key sets: a key either side removed is gone, a key either side added stays. */
export function mergeKeySets<T extends { recipient: string }>(base: readonly T[] | undefined, ours: readonly T[], theirs: readonly T[]): T[] {
  const inBase = new Set((base ?? []).map((e) => e.recipient));
  const inOurs = new Set(ours.map((e) => e.recipient));
  const inTheirs = new Set(theirs.map((e) => e.recipient));
  const keep = (r: string) => (inOurs.has(r) && inTheirs.has(r)) || (!inBase.has(r) && (inOurs.has(r) || inTheirs.has(r)));
  const out: T[] = [];
  const seen = new Set<string>();
  for (const e of [...ours, ...theirs]) {
    if (seen.has(e.recipient) || !keep(e.recipient)) continue;
    seen.add(e.recipient);
    out.push(e);
  }
  return out;
}
