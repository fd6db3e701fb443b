/**
 * The search index (pure): per client, the documents `chart search` searches (search-docs.ts)
 * and, for each folded word (search.ts), the documents holding it. A query's candidates are the
 * documents holding every word of every term (a trailing-* word: any word it begins); each
 * candidate is then matched against its text as before (phrases, order, highlights), so the
 * index only ever narrows what is read, never changes a result.
 *
 * Kept as strings, decoded only where a query needs them: each document is one tab-separated
 * line (its text last, so it may hold tabs), each word's documents one string of base-36 gaps.
 * Parsing the whole index as objects and number arrays took most of a warm search.
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
  /** One line per document: client, kind, id, date, created, type, scope, addenda ids, text. */
  docs: string[];
  /** Folded word -> the documents holding it, ascending, as base-36 gaps joined by commas. */
  words: Record<string, string>;
}

const FIELDS = 8; // before the text

function encodeDoc(d: IndexedDoc): string {
  return [d.client, d.kind, d.id, d.date, d.created, d.type, d.scope, (d.addenda ?? []).join(","), d.text].join("\t");
}

function decodeDoc(line: string): IndexedDoc {
  const parts: string[] = [];
  let at = 0;
  for (let k = 0; k < FIELDS; k++) {
    const tab = line.indexOf("\t", at);
    parts.push(line.slice(at, tab));
    at = tab + 1;
  }
  const [client, kind, id, date, created, type, scope, addenda] = parts as [string, SearchKind, string, string, string, string, DocScope, string];
  const doc: IndexedDoc = { client, kind, id, date, created, type, text: line.slice(at), scope };
  if (addenda !== "") doc.addenda = addenda.split(",");
  return doc;
}

const encodeList = (ns: readonly number[]): string => ns.map((n, i) => (n - (i > 0 ? (ns[i - 1] as number) : 0)).toString(36)).join(",");

/** The inverse of encodeList; base-36 digits are 0-9 and a-z (as toString(36) writes them). */
function decodeList(s: string): number[] {
  const out: number[] = [];
  let prev = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44) {
      out.push((prev += n));
      n = 0;
    } else n = n * 36 + (c <= 57 ? c - 48 : c - 87);
  }
  out.push(prev + n);
  return out;
}

/** The numbers in both ascending lists, ascending. */
function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/**
 * What a query needs of a segment's word lists: a word's list, and its words (for a trailing-*
 * prefix). A segment read from disk keeps its word lists packed (packWords) and looks a word up
 * in place (src/store/search-index-file.ts).
 */
export interface WordLists {
  /** The documents holding this folded word (base-36 gaps), or undefined. */
  list(word: string): string | undefined;
  words(): string[];
}

/** And a document's line by number. */
export interface SegmentView extends WordLists {
  doc(i: number): string;
}

/** Own entries only: a word such as "constructor" is not Object's. */
export const viewOf = (seg: Segment): SegmentView => ({
  list: (w) => (Object.hasOwn(seg.words, w) ? seg.words[w] : undefined),
  words: () => Object.keys(seg.words),
  doc: (i) => seg.docs[i] as string,
});

/**
 * Word lists as one string, "\n" + "word\tlist\n" per word (a folded word holds letters and
 * digits only, never a tab or a newline). Stored so: parsing every client's lists into objects
 * (62,000 words on the large chart) took more than a search's own matching; a query looks up
 * its few words in place.
 */
export function packWords(words: Record<string, string>): string {
  let s = "\n";
  for (const [w, list] of Object.entries(words)) s += `${w}\t${list}\n`;
  return s;
}

const postings = (seg: WordLists, w: string): number[] => {
  const list = seg.list(w);
  return list === undefined ? [] : decodeList(list);
};

/** A list of non-negative whole numbers as base-36 gaps (ascending lists) or values, joined by commas. */
export { encodeList, decodeList };

export function buildSegment(input: { notes: readonly NoteRecord[]; meds: readonly MedEventRecord[]; dx: readonly DxEventRecord[] }): Segment {
  const docs: IndexedDoc[] = [];
  for (const d of searchDocs(input, { psychotherapy: false })) docs.push({ ...d, scope: d.kind === "note" ? "other" : "both" });
  for (const d of searchDocs(input, { psychotherapy: true })) if (d.kind === "note") docs.push({ ...d, scope: "psychotherapy" });
  const lists = new Map<string, number[]>();
  docs.forEach((d, i) => {
    for (const w of new Set(tokens(d.text).map((t) => t.word))) {
      const list = lists.get(w);
      if (list) list.push(i);
      else lists.set(w, [i]);
    }
  });
  const words: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [w, list] of lists) words[w] = encodeList(list);
  return { docs: docs.map(encodeDoc), words };
}

/** Documents of a segment that may match the query (every word present), in the segment's order. */
export function candidates(seg: SegmentView, q: Query, opts: { psychotherapy: boolean; kinds?: readonly SearchKind[] }): IndexedDoc[] {
  return candidateDocs(candidateNumbers(seg, q), (i) => seg.doc(i), opts);
}

/**
 * The numbers of the documents holding every word of the query, ascending: found from the word
 * lists alone, so a segment's texts are opened only when there is one (src/store/search-index.ts).
 */
export function candidateNumbers(seg: WordLists, q: Query): number[] {
  let keys: string[] | undefined;
  let hit: number[] | undefined;
  for (const t of q.terms) {
    for (const [j, w] of t.words.entries()) {
      let docsOf: number[];
      if (t.prefix && j === t.words.length - 1) {
        const union = new Set<number>();
        keys ??= seg.words();
        for (const k of keys) if (k.startsWith(w)) for (const i of postings(seg, k)) union.add(i);
        docsOf = [...union].sort((a, b) => a - b);
      } else docsOf = postings(seg, w); // ascending: a list is stored as gaps
      hit = hit ? intersect(hit, docsOf) : docsOf;
      if (hit.length === 0) return [];
    }
  }
  return hit ?? [];
}

/** Those documents, by their lines, that the search may show: its scope (--psychotherapy or not) and kinds. */
export function candidateDocs(numbers: readonly number[], doc: (i: number) => string, opts: { psychotherapy: boolean; kinds?: readonly SearchKind[] }): IndexedDoc[] {
  const out: IndexedDoc[] = [];
  for (const i of numbers) {
    const d = decodeDoc(doc(i));
    if (d.scope !== "both" && (d.scope === "psychotherapy") !== opts.psychotherapy) continue;
    if (opts.kinds && !opts.kinds.includes(d.kind)) continue;
    out.push(d);
  }
  return out;
}
