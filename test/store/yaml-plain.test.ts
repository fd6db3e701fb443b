import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { plainYaml } from "../../src/store/yaml-plain.js";
import { runs } from "../support/runs.js";

// The envelope's options (src/store/envelope.ts): the fast path must write exactly this.
const yaml = (d: unknown): string => stringify(d, { lineWidth: 0, defaultKeyType: "PLAIN", aliasDuplicateObjects: false });

// Strings near every rule of a plain scalar: indicators, ": ", " #", trailing space or colon,
// look-alikes of null, booleans, integers and floats, dates, non-ASCII, controls.
const tricky = fc.constantFrom(
  "", " ", "a", "-", "?", "- a", "? a", "a: b", "a:b", "a:", "a #b", "a#b", "#a", "a ", " a", "true", "True", "TRUE", "false", "null", "Null", "~",
  "1", "-1", "+1", "0x1F", "0o17", "1.5", ".5", "1e3", "1.0e-3", ".inf", "-.inf", ".nan", "2024-01-01", "2026-01-01T00:00:00Z", "F41.1", "10 mg", "sha256:ab",
  "hmac-sha256:ff", "age1qqq", "cl_abc", "café", "a\nb", "a\tb", "---", "...", "%x", "@a", "`a", "a'b", 'a"b', "a,b", "[a]", "{a}", "*a", "&a", "!a", "|", ">",
  "yes", "no", "on", "off", "y", "n", "0", "00", "007", "1_000", "0b101", "a\u0085b", "\u00e9", "Note 1: reports", "2021-03-04 10:00",
);
const str = fc.oneof(tricky, fc.string({ maxLength: 12 }), fc.stringMatching(/^[A-Za-z0-9][ -~]{0,15}$/));
const key = fc.oneof(fc.constantFrom("kind", "id", "client", "true", "null", "1", "a b", "a:", "Key", "x_y"), fc.stringMatching(/^[a-z][A-Za-z0-9]{0,8}$/));
const scalar = fc.oneof(str, fc.integer(), fc.double(), fc.boolean(), fc.constant(-0), fc.constant(null));
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  fc.array(str, { maxLength: 4 }),
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(key, scalar, { maxKeys: 4 }),
  fc.dictionary(key, fc.dictionary(key, scalar, { maxKeys: 2 }), { maxKeys: 2 }),
);
const record = fc.dictionary(key, value, { maxKeys: 10 });

describe("plainYaml", () => {
  it("writes what yaml's stringify writes, or declines", () => {
    fc.assert(
      fc.property(record, (r) => {
        const fast = plainYaml(r);
        if (fast !== undefined) expect(fast).toBe(yaml(r));
      }),
      { numRuns: runs(3000) },
    );
  });

  it("takes the records an import writes", () => {
    const note = {
      chart: 1, kind: "note", id: "nt_abcdefghijklmnopqrstuvwxyz", client: "cl_abcdefghijklmnopqrstuvwxyz", created: "2026-01-01T00:00:00Z",
      type: "progress", template: "soap", date: "2024-02-03", duration: 50, labels: ["HIV", "SUD"], status: "signed",
      signed: { by: "Bench", key: "age1xyz", at: "2026-01-01T00:00:00Z", hash: "sha256:0123abcd" }, mac: "hmac-sha256:ff00",
    };
    const dx = { chart: 1, kind: "dx", id: "dx_abcdefghijklmnopqrstuvwxyz", client: "cl_x", created: "2026-01-01T00:00:00Z", event: "add", code: "F41.1", date: "2022-03-01", status: "active", description: "Generalized anxiety disorder", mac: "hmac-sha256:ff" };
    const med = { chart: 1, kind: "med", event: "start", name: "medication1", dose: "10 mg", labels: [], extra: {}, mac: "hmac-sha256:ff" };
    for (const r of [note, dx, med]) {
      expect(plainYaml(r)).toBeDefined();
      expect(plainYaml(r)).toBe(yaml(r));
    }
  });

  it("declines what it does not write plain", () => {
    for (const r of [{ a: "" }, { a: "x: y" }, { a: "true" }, { a: "12" }, { a: "café" }, { a: null }, { a: 1.5 }, { a: [{ b: "c" }] }, { a: { b: { c: "d" } } }, {}]) {
      expect(plainYaml(r)).toBeUndefined();
    }
  });
});
