/**
 * The search index (pure): per client, the documents `chart search` searches (search-docs.ts)
 * and, for each folded word (search.ts), the documents holding it. A query's candidates are the
 * documents holding every word of every term (a trailing-* word: any word it begins); each
 * candidate is then matched against its text as before (phrases, order, highlights), so the
 * index only ever narrows what is read, never changes a result.
 */
import type { DxEventRecord } from "./dx.js";
import type { MedEventRecord } from "./med.js";
import type { NoteRecord } from "./note.js";
import { searchDocs, type SearchDoc, type SearchKind } from "./search-docs.js";
import { tokens, type Query } from "./search.js";

/** Which searches see a document: both (medications, diagnoses), without or only with --psychotherapy. */
export type DocScope = "both" | "other" | "psychotherapy";

export interface IndexedDoc extends SearchDoc {
  scope: DocScope;
}

export interface Segment {
  docs: IndexedDoc[];
  /** Folded word -> indexes into docs, ascending. */
  words: Record<string, number[]>;
}

export function buildSegment(input: { notes: readonly NoteRecord[]; meds: readonly MedEventRecord[]; dx: readonly DxEventRecord[] }): Segment {
  const docs: IndexedDoc[] = [];
  for (const d of searchDocs(input, { psychotherapy: false })) docs.push({ ...d, scope: d.kind === "note" ? "other" : "both" });
  for (const d of searchDocs(input, { psychotherapy: true })) if (d.kind === "note") docs.push({ ...d, scope: "psychotherapy" });
  const words: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  docs.forEach((d, i) => {
    for (const w of new Set(tokens(d.text).map((t) => t.word))) {
      const list = words[w];
      if (list) list.push(i);
      else words[w] = [i];
    }
  });
  return { docs, words };
}

/** Own entries only: a word such as "constructor" is not Object's. */
const postings = (seg: Segment, w: string): readonly number[] => (Object.hasOwn(seg.words, w) ? (seg.words[w] as number[]) : []);

/** Documents of a segment that may match the query (every word present), in the segment's order. */
export function candidates(seg: Segment, q: Query, opts: { psychotherapy: boolean; kinds?: readonly SearchKind[] }): IndexedDoc[] {
  let keys: string[] | undefined;
  let hit: Set<number> | undefined;
  for (const t of q.terms) {
    for (const [j, w] of t.words.entries()) {
      let docsOf: Set<number>;
      if (t.prefix && j === t.words.length - 1) {
        docsOf = new Set();
        keys ??= Object.keys(seg.words);
        for (const k of keys) if (k.startsWith(w)) for (const i of postings(seg, k)) docsOf.add(i);
      } else docsOf = new Set(postings(seg, w));
      hit = hit ? new Set([...hit].filter((i) => docsOf.has(i))) : docsOf;
      if (hit.size === 0) return [];
    }
  }
  const out: IndexedDoc[] = [];
  for (const i of [...(hit ?? [])].sort((a, b) => a - b)) {
    const d = seg.docs[i] as IndexedDoc;
    if (d.scope !== "both" && (d.scope === "psychotherapy") !== opts.psychotherapy) continue;
    if (opts.kinds && !opts.kinds.includes(d.kind)) continue;
    out.push(d);
  }
  return out;
}
