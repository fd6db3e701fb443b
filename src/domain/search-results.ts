/**
 * A search's results from its candidate documents (pure): those whose text matches the query,
 * within the dates asked for, newest first, each with its snippet, and at most `limit` of them.
 *
 * The candidates are put in order first and matched in that order, so a search with a limit
 * stops at the limit: only the newest candidates are matched against and given snippets, and
 * only they count as examined (the access log names what a search took from the index:
 * src/store/search-index.ts). Without a limit every candidate is examined. The results are the
 * same as matching every candidate, sorting and keeping the first `limit` (a property test holds
 * it, test/domain/search-results.test.ts), because the order is total (a document's id breaks
 * every tie) and matching only filters.
 */
import type { IsoDate } from "./dates.js";
import { byNewestDoc, type SearchDoc } from "./search-docs.js";
import { matchText, snippet, type Query, type Snippet } from "./search.js";

export interface SearchMatch<D extends SearchDoc = SearchDoc> {
  doc: D;
  snip: Snippet;
}

export function newestMatches<D extends SearchDoc>(
  docs: readonly D[],
  query: Query,
  opts: { since?: IsoDate | undefined; until?: IsoDate | undefined; limit?: number | undefined } = {},
): { matches: SearchMatch<D>[]; examined: D[] } {
  const { since, until, limit } = opts;
  const inRange = docs.filter((d) => !((since && d.date < since) || (until && d.date > until)));
  const ordered = limit === undefined ? inRange : [...inRange].sort(byNewestDoc);
  const matches: SearchMatch<D>[] = [];
  let n = 0;
  for (; n < ordered.length && (limit === undefined || matches.length < limit); n++) {
    const doc = ordered[n] as D;
    const hits = matchText(doc.text, query);
    if (hits) matches.push({ doc, snip: snippet(doc.text, hits) });
  }
  // Unlimited: matched in the candidates' order and sorted after, as the whole list is kept.
  if (limit === undefined) matches.sort((a, b) => byNewestDoc(a.doc, b.doc));
  return { matches, examined: limit === undefined ? [...docs] : ordered.slice(0, n) };
}
