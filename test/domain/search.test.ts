import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, matchText, matchTokens, parseQuery, snippet, tokens } from "../../src/domain/search.js";
import { runs } from "../support/runs.js";

const find = (text: string, q: string) => {
  const query = parseQuery(q);
  if (!query) throw new Error("empty query");
  return matchTokens(tokens(text), query);
};

describe("search matching", () => {
  it("folds case and accents", () => {
    expect(fold("ZoË Café")).toBe("zoe cafe");
    expect(find("Zoë went to the CAFÉ", "zoe cafe")).toBeDefined();
  });
  it("ANDs words, matches whole words, phrases in order, and prefixes", () => {
    expect(find("panic attack on tuesday", "tuesday panic")).toBeDefined();
    expect(find("panic attack", "panic missing")).toBeUndefined();
    expect(find("insomnia", "insom")).toBeUndefined();
    expect(find("insomnia", "insom*")).toBeDefined();
    expect(find("panic attack", '"panic attack"')).toBeDefined();
    expect(find("attack panic", '"panic attack"')).toBeUndefined();
    expect(find("panic, attack!", '"panic attack"')).toBeDefined();
    expect(parseQuery('"" * ***')).toBeUndefined();
  });
  it("property: any word of a text is found whatever its case, and the snippet marks it", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-zà-öø-ÿ]{1,8}$/), { minLength: 1, maxLength: 30 }), fc.nat(), (words, k) => {
        const text = words.join(" ");
        const w = words[k % words.length] as string;
        const hits = find(text, w.toUpperCase());
        expect(hits).toBeDefined();
        const s = snippet(text, hits ?? []);
        const m = s.marks[0];
        expect(m).toBeDefined();
        expect(fold(s.text.slice(m?.start, m?.end))).toBe(fold(w));
      }),
    );
  });
  it("property: matchText finds exactly what matchTokens over tokens finds (ASCII quick path and the rest)", () => {
    const ascii = ["panic", "Panic", "PANIC", "sleep", "sleeping", "sle", "a", "A1", "42", "Zoe", "x"];
    const word = fc.constantFrom(...ascii, "zoë", "café", "straße", "ǅx", "ﬁne", "Ⅻ");
    // Separators include the characters on either side of [0-9], [A-Z] and [a-z].
    const asciiSeps = [" ", "  ", ", ", ".\n", "\t", "-", "_", "'", "/", ":", "@", "[", "`", "{", ""];
    const textOf = (w: fc.Arbitrary<string>, s: fc.Arbitrary<string>) => fc.array(fc.tuple(w, s), { maxLength: 25 }).map((xs) => xs.map(([a, b]) => a + b).join(""));
    const text = fc.oneof(textOf(fc.constantFrom(...ascii), fc.constantFrom(...asciiSeps)), textOf(word, fc.constantFrom(...asciiSeps, "\u00a0", "é")), fc.string({ maxLength: 60 }));
    // A term: one word (maybe with *), a "quoted phrase", or words joined by punctuation
    // (panic-sleep*: a phrase whose last word is a prefix).
    const query = fc.array(fc.tuple(fc.array(word, { minLength: 1, maxLength: 3 }), fc.constantFrom("word", "phrase", "joined"), fc.boolean()), { minLength: 1, maxLength: 3 }).map((ts) =>
      ts.map(([ws, kind, star]) => (kind === "phrase" ? `"${ws.join(" ")}"` : kind === "joined" ? `${ws.join("-")}${star ? "*" : ""}` : `${ws[0] as string}${star ? "*" : ""}`)).join(" "),
    );
    fc.assert(
      fc.property(text, query, (t, q) => {
        const parsed = parseQuery(q);
        if (!parsed) return;
        expect(matchText(t, parsed)).toEqual(matchTokens(tokens(t), parsed));
      }),
      { numRuns: runs(2000) },
    );
  });
  it("matchText: a phrase's words other than the last are whole words, even in a prefix term", () => {
    const t = "Sleeping panicky; sle panic, sleep-pan; sle panicky sleep";
    for (const q of ["sle-pan-sle*", "sle-panicky-sle*", "sle-panic*", "sle-pan*", "sleep-pan*", "sleeping-panic*", "sleeping-panicky", '"sle panic"', "sle*", "sleep"]) {
      const parsed = parseQuery(q) as NonNullable<ReturnType<typeof parseQuery>>;
      expect(matchText(t, parsed), q).toEqual(matchTokens(tokens(t), parsed));
    }
    expect(matchText(t, parseQuery("sle-pan*") as NonNullable<ReturnType<typeof parseQuery>>)).toEqual([{ start: 18, end: 27 }, { start: 40, end: 51 }]);
  });
  it("matchText: word boundaries at the characters around [0-9], [A-Z] and [a-z]", () => {
    const q = parseQuery("panic 1* z") as NonNullable<ReturnType<typeof parseQuery>>;
    for (const c of "/:@[`{\u007f\u0000") {
      const t = `${c}Panic${c}1${c}Z${c}panic1${c}z9${c}`;
      expect(matchText(t, q), JSON.stringify(c)).toEqual(matchTokens(tokens(t), q));
      expect(matchText(t, q), JSON.stringify(c)).toBeDefined();
    }
  });
  it("property: snippet gives what the character loop it replaced gave (every kind of whitespace)", () => {
    const ws = fc.constantFrom(" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u1680", "\u2003", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u000b \u000c");
    const word = fc.constantFrom("panic", "Sleep", "a", "zoë", "x1", "ǅ", "—", ",", "😀");
    const text = fc.array(fc.tuple(word, ws), { maxLength: 40 }).map((xs) => xs.map(([w, s]) => w + s).join(""));
    fc.assert(
      fc.property(text, fc.constantFrom("panic", "sleep", "a", '"panic sleep"', "zo*", "x1 a"), fc.integer({ min: 5, max: 120 }), (t, q, width) => {
        const hits = matchTokens(tokens(t), parseQuery(q) as NonNullable<ReturnType<typeof parseQuery>>) ?? [];
        expect(snippet(t, hits, width)).toEqual(snippetLoop(t, hits, width));
      }),
      { numRuns: runs(2000) },
    );
  });
});

/** snippet() as it was, a loop over every character (the reference for the one above). */
function snippetLoop(text: string, hits: readonly { start: number; end: number }[], width = 90) {
  const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
  const first = hits[0] ?? { start: 0, end: 0 };
  let from = Math.max(0, first.start - Math.floor(width / 3));
  let to = Math.min(text.length, from + width);
  if (to - from < width) from = Math.max(0, to - width);
  while (from > 0 && /[\p{L}\p{N}]/u.test(text[from - 1] as string)) from--;
  while (to < text.length && /[\p{L}\p{N}]/u.test(text[to] as string)) to++;
  let out = "";
  let space = false;
  const marks: { start: number; end: number }[] = [];
  const map = new Array<number>(to - from + 1);
  let piece = from;
  for (let i = from; i < to; i++) {
    map[i - from] = out.length + (i - piece);
    if (isSpace(text.charCodeAt(i))) {
      out += text.slice(piece, i);
      if (!space) out += " ";
      space = true;
      piece = i + 1;
    } else space = false;
  }
  out += text.slice(piece, to);
  map[to - from] = out.length;
  for (const h of hits) if (h.start >= from && h.end <= to) marks.push({ start: map[h.start - from] as number, end: map[h.end - from] as number });
  const lead = from > 0 ? "…" : "";
  const tail = to < text.length ? "…" : "";
  const trimmedStart = out.length - out.trimStart().length;
  const body = out.trim();
  return {
    text: lead + body + tail,
    marks: marks.map((m) => ({ start: m.start - trimmedStart + lead.length, end: m.end - trimmedStart + lead.length })).filter((m) => m.start >= lead.length && m.end <= lead.length + body.length),
  };
}
