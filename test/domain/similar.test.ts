import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { closeMatches, editDistance, foldName } from "../../src/domain/similar.js";

describe("similar", () => {
  it("edit distance counts an adjacent swap as one edit", () => {
    expect(editDistance("clinet", "client")).toBe(1);
    expect(editDistance("export", "import")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("is a metric-like measure: zero only for equal words, symmetric", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  it("suggests typos only, never other words", () => {
    const commands = ["init", "client", "note", "import", "export", "share", "search"];
    expect(closeMatches("clinet", commands)).toEqual(["client"]);
    expect(closeMatches("notes", commands)).toEqual(["note"]);
    expect(closeMatches("exprot", commands)).toEqual(["export"]);
    expect(closeMatches("xport", commands)).toEqual(["export"]);
    expect(closeMatches("shred", commands)).toEqual([]);
    expect(closeMatches("ab", ["ac"])).toEqual([]);
  });

  it("folds case and accents", () => {
    expect(foldName("  José NÚÑEZ ")).toBe("jose nunez");
  });
});
