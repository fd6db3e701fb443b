import fc from "fast-check";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { parseFastYaml } from "../../src/store/yaml-fast.js";
import { runs } from "../support/runs.js";

// The envelope's YAML, as envelope.ts writes it.
const yamlOut = (data: unknown): string => stringify(data, { lineWidth: 0, defaultKeyType: "PLAIN", aliasDuplicateObjects: false });
const full = (src: string): unknown => parse(src, { schema: "core", uniqueKeys: true, prettyErrors: false, logLevel: "error" });

const text = fc.oneof(
  fc.string(),
  fc.constantFrom("", "yes", "no", "null", "~", "true", "False", "123", "053", "-1", "1e3", ".5", "0x1F", "0o7", ".inf", "-.nan", "2024-01-01", "2024-01-01T00:00:00Z", "a: b", "x #y", "it's", "a\nb", "é", " lead", "trail ", "- x", "[x]", "{}", "a:b", "#c", "\"q\"", "\t", "\\", "\u0001", "😀"),
);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const key = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,8}$/);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(key, scalar, { maxKeys: 3 }), fc.array(fc.dictionary(key, scalar, { maxKeys: 2 }), { maxLength: 2 }));
const record = fc.dictionary(key, value, { minKeys: 1, maxKeys: 8 });

describe("the envelope's plain YAML reader", () => {
  it("reads what the full parser reads, or declines", () => {
    fc.assert(
      fc.property(record, fc.nat(40), (r, pad) => {
        const src = yamlOut(r) + " ".repeat(pad) + (pad > 0 ? "\n" : "");
        const fast = parseFastYaml(src);
        if (fast !== undefined) expect(fast).toEqual(full(src));
      }),
      { numRuns: runs(3000) },
    );
  });

  it("reads chart's usual records", () => {
    const r = { chart: 1, kind: "note", id: "nt_a", created: "2024-01-01T00:00:00Z", labels: ["SUD", "a b"], minutes: 53, cpt: "90834", signed: { by: "Bench", at: "2024-01-02T00:00:00Z" }, addenda: [], mac: "hmac-sha256:00" };
    expect(parseFastYaml(yamlOut(r))).toEqual(r);
  });

  it("declines what is outside the subset", () => {
    for (const src of ["a: |-\n  x\n  y\n", "a: &x 1\nb: *x\n", "a: 1\na: 2\n", "# c\na: 1\n", "a: [1, 2]\n", "a:\n  - b: 1\n", "a: 1.5\n", "a: \"\\x41\"\n", "a: b\n  c\n"]) {
      expect(parseFastYaml(src)).toBeUndefined();
    }
  });
});
