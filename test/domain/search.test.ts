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
    const query = fc.array(fc.tuple(fc.array(word, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 3 }).map((ts) =>
      ts.map(([ws, phrase, star]) => (phrase ? `"${ws.join(" ")}"` : `${ws[0] as string}${star ? "*" : ""}`)).join(" "),
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
  it("matchText: word boundaries at the characters around [0-9], [A-Z] and [a-z]", () => {
    const q = parseQuery("panic 1* z") as NonNullable<ReturnType<typeof parseQuery>>;
    for (const c of "/:@[`{\u007f\u0000") {
      const t = `${c}Panic${c}1${c}Z${c}panic1${c}z9${c}`;
      expect(matchText(t, q), JSON.stringify(c)).toEqual(matchTokens(tokens(t), q));
      expect(matchText(t, q), JSON.stringify(c)).toBeDefined();
    }
  });
});
