/** The search index only narrows: its candidates, matched as before, are exactly the matches without it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NoteRecord } from "../../src/domain/note.js";
import { buildSegment, candidateDocs, candidateNumbers, candidates, decodeList, encodeList, packWords, viewOf } from "../../src/domain/search-index.js";
import { packedWordLists } from "../../src/store/search-index-file.js";
import { searchDocs } from "../../src/domain/search-docs.js";
import { matchTokens, parseQuery, tokens } from "../../src/domain/search.js";
import { runs } from "../support/runs.js";

const WORDS = ["sleep", "Sleepy", "café", "CAFE", "Zoë", "panic", "attack", "constructor", "toString", "naïve", "x1"];
const note = (i: number, body: string, type: string, addendumTo?: string): NoteRecord => ({
  chart: 1, kind: "note", id: `nt_${String(i).padStart(4, "0")}`, client: "cl_a", created: `2024-01-01T00:00:0${String(i % 10)}Z`, type, template: "free",
  date: "2024-01-01", status: "signed", body, ...(addendumTo ? { addendumTo } : {}),
}) as NoteRecord;

describe("search index", () => {
  it("candidates matched against their text give exactly the matches of every document", () => {
    const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 6 }).map((ws) => ws.join(" "));
    const notes = fc.array(fc.record({ body: text, type: fc.constantFrom("progress", "psychotherapy", "addendum"), parent: fc.nat(5) }), { minLength: 1, maxLength: 8 });
    const term = fc.oneof(
      fc.constantFrom(...WORDS),
      fc.constantFrom(...WORDS).map((w) => `${w.slice(0, 3)}*`),
      fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...WORDS)).map(([a, b]) => `"${a} ${b}"`),
    );
    fc.assert(
      fc.property(notes, fc.array(term, { minLength: 1, maxLength: 3 }), fc.boolean(), (ns, terms, psychotherapy) => {
        const records = ns.map((n, i) => note(i, n.body, n.type, n.type === "addendum" ? `nt_${String(n.parent).padStart(4, "0")}` : undefined));
        const q = parseQuery(terms.join(" "));
        if (!q) return;
        const input = { notes: records, meds: [], dx: [] };
        const want = searchDocs(input, { psychotherapy }).filter((d) => matchTokens(tokens(d.text), q)).map((d) => d.id).sort();
        const seg = JSON.parse(JSON.stringify(buildSegment(input))) as ReturnType<typeof buildSegment>; // as stored
        const got = candidates(viewOf(seg), q, { psychotherapy }).filter((d) => matchTokens(tokens(d.text), q)).map((d) => d.id).sort();
        expect(got).toEqual(want);
        // The same through the word lists as packed on disk (UTF-8 bytes, words looked up in place).
        const packed = packedWordLists(Buffer.from(packWords(seg.words), "utf8"));
        expect(packed.words().sort()).toEqual(Object.keys(seg.words).sort());
        for (const w of Object.keys(seg.words)) expect(packed.list(w)).toBe(seg.words[w]);
        const numbers = candidateNumbers(packed, q);
        expect(candidateDocs(numbers, (i) => seg.docs[i] as string, { psychotherapy })).toEqual(candidates(viewOf(seg), q, { psychotherapy }));
      }),
      { numRuns: runs(2000) },
    );
  });
  it("a list of documents comes back from its gaps as it was, at any size", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 2 ** 31 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b);
        expect(decodeList(encodeList(sorted))).toEqual(sorted);
      }),
      { numRuns: runs(500) },
    );
  });
});
