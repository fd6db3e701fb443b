import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { byNewestDoc, type SearchDoc } from "../../src/domain/search-docs.js";
import { newestMatches } from "../../src/domain/search-results.js";
import { matchText, parseQuery, snippet, type Query } from "../../src/domain/search.js";
import { runs } from "../support/runs.js";

const WORDS = ["panic", "sleep", "mood", "zoë", "anxiety", "walk"];

/** What `chart search` did before limits stopped early: match every candidate in range, sort, keep the first `limit`. */
function reference(docs: readonly SearchDoc[], q: Query, since?: string, until?: string, limit?: number) {
  const out = [];
  for (const doc of docs) {
    if ((since && doc.date < since) || (until && doc.date > until)) continue;
    const hits = matchText(doc.text, q);
    if (hits) out.push({ doc, snip: snippet(doc.text, hits) });
  }
  return out.sort((a, b) => byNewestDoc(a.doc, b.doc)).slice(0, limit);
}

const day = fc.integer({ min: 1, max: 6 }).map((d) => `2024-03-0${d}`);
const doc = fc.record({
  client: fc.constantFrom("cl_a", "cl_b"),
  kind: fc.constantFrom("note" as const, "med" as const, "dx" as const),
  date: day,
  created: fc.integer({ min: 1, max: 4 }).map((h) => `2024-03-01T0${h}:00:00Z`),
  type: fc.constant("progress"),
  text: fc.array(fc.constantFrom(...WORDS, "Panic!", "SLEEP,"), { maxLength: 12 }).map((ws) => ws.join(" ")),
});
/** Documents with unique ids, in any order (as an index gives them). */
const docs = fc.array(doc, { maxLength: 40 }).map((ds) => ds.map((d, i): SearchDoc => ({ ...d, id: `${d.kind === "note" ? "nt" : d.kind === "med" ? "md" : "dx"}_${String(1000 + ((i * 7919) % 1000))}${i}` })));
const query = fc.array(fc.constantFrom(...WORDS, "pan*", '"panic sleep"'), { minLength: 1, maxLength: 2 }).map((ws) => parseQuery(ws.join(" ")) as Query);

describe("a search's newest matches", () => {
  it("property: with a limit, the same results as matching everything and keeping the first N; only the newest candidates examined", () => {
    fc.assert(
      fc.property(docs, query, fc.option(day, { nil: undefined }), fc.option(day, { nil: undefined }), fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }), (ds, q, since, until, limit) => {
        const got = newestMatches(ds, q, { since, until, limit });
        expect(got.matches).toEqual(reference(ds, q, since, until, limit));
        if (limit === undefined) {
          expect(got.examined).toEqual(ds); // every candidate, as before limits stopped early
          return;
        }
        // Examined: in range, newest first, a prefix of that order, ending at the limit's last match.
        const inRange = ds.filter((d) => !((since && d.date < since) || (until && d.date > until))).sort(byNewestDoc);
        expect(got.examined).toEqual(inRange.slice(0, got.examined.length));
        for (const m of got.matches) expect(got.examined).toContain(m.doc);
        if (got.matches.length === limit) expect(got.examined.at(-1)).toBe(got.matches.at(-1)?.doc);
        else expect(got.examined).toHaveLength(inRange.length);
      }),
      { numRuns: runs(2000) },
    );
  });

  it("stops at the limit: the older candidates are not looked at", () => {
    const mk = (id: string, date: string, text: string): SearchDoc => ({ client: "cl_a", kind: "note", id, date, created: `${date}T09:00:00Z`, type: "progress", text });
    const ds = [mk("nt_1", "2024-01-01", "panic at night"), mk("nt_2", "2024-03-01", "panic and sleep"), mk("nt_3", "2024-02-01", "calm"), mk("nt_4", "2024-02-15", "panic")];
    const q = parseQuery("panic") as Query;
    const one = newestMatches(ds, q, { limit: 1 });
    expect(one.matches.map((m) => m.doc.id)).toEqual(["nt_2"]);
    expect(one.examined.map((d) => d.id)).toEqual(["nt_2"]);
    const two = newestMatches(ds, q, { limit: 2 });
    expect(two.matches.map((m) => m.doc.id)).toEqual(["nt_2", "nt_4"]);
    expect(two.examined.map((d) => d.id)).toEqual(["nt_2", "nt_4"]);
    expect(newestMatches(ds, q, { limit: 5 }).examined.map((d) => d.id)).toEqual(["nt_2", "nt_4", "nt_3", "nt_1"]);
    expect(newestMatches(ds, q, {}).matches.map((m) => m.doc.id)).toEqual(["nt_2", "nt_4", "nt_1"]);
  });
});
