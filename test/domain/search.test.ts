import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, matchTokens, parseQuery, snippet, tokens } from "../../src/domain/search.js";

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
});
