import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/domain/canonical.js";
import { runs } from "../support/runs.js";

/** The definition, written plainly: what canonicalJson's faster paths must give. */
const reference = (value: unknown): string => {
  if (value === null || typeof value !== "object") return value === undefined ? "null" : JSON.stringify(value);
  if (Array.isArray(value)) return `[${Array.from(value, (x) => reference(x)).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(",")}}`;
};

const shuffleKeys = (v: unknown, rnd: () => number): unknown => {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rnd));
  if (v === null || typeof v !== "object") return v;
  const entries = Object.entries(v as Record<string, unknown>).sort(() => rnd() - 0.5);
  return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x, rnd)]));
};

describe("canonicalJson", () => {
  it("sorts keys, drops undefined fields, no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined, d: { z: 1, y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":2,"z":1}}',
    );
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson("a\nb")).toBe('"a\\nb"');
  });

  it("gives the plain definition's text, lists of plain values included", () => {
    const plainList = fc.array(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), plainList, fc.dictionary(fc.string(), plainList)), (v) => canonicalJson(v) === reference(v)),
      { numRuns: runs(1000) },
    );
    // Items JSON.stringify writes as null: the same in both paths.
    expect(canonicalJson([1, undefined, "a", Number.NaN, -0])).toBe(reference([1, undefined, "a", Number.NaN, -0]));
    expect(canonicalJson(["a", { b: 1, a: [2] }, "\u2028"])).toBe('["a",{"a":[2],"b":1},"\u2028"]');
  });

  it("does not depend on key order", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (v, seed) => {
        let s = seed;
        const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
        return canonicalJson(v) === canonicalJson(shuffleKeys(v, rnd));
      }),
    );
  });

  it("is valid JSON that parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it("distinguishes values that differ", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(JSON.stringify(JSON.parse(canonicalJson(a))) !== JSON.stringify(JSON.parse(canonicalJson(b))));
        return canonicalJson(a) !== canonicalJson(b);
      }),
    );
  });
});
