import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compareNames } from "../../src/domain/name-order.js";
import { foldName } from "../../src/domain/similar.js";
import { runs } from "../support/runs.js";

const name = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("Émile", "emile", "Zoë", "zoe", " Ann", "ann", "Ådne", "Bob", "bob", "Ñora"));

describe("name order", () => {
  it("folds case and accents, as names are matched", () => {
    const names = ["frank", "Émile", "Zoë", "adam", "Bob", "emily", "Ådne"];
    expect([...names].sort(compareNames)).toEqual(["adam", "Ådne", "Bob", "Émile", "emily", "frank", "Zoë"]);
  });

  it("is a total order: antisymmetric, transitive, zero only for equal strings", () => {
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        expect(Math.sign(compareNames(a, b)) + Math.sign(compareNames(b, a))).toBe(0);
        expect(compareNames(a, b) === 0).toBe(a === b);
        if (compareNames(a, b) < 0 && compareNames(b, c) < 0) expect(compareNames(a, c)).toBeLessThan(0);
      }),
      { numRuns: runs(2000) },
    );
  });

  it("orders by the folded name first (ASCII names take a shortcut that must agree)", () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        const fa = foldName(a);
        const fb = foldName(b);
        if (fa !== fb) expect(compareNames(a, b)).toBe(fa < fb ? -1 : 1);
      }),
      { numRuns: runs(2000) },
    );
  });
});
