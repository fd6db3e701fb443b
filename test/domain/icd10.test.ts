import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { ICD10_COMMON, describeIcd10, impliedLabels, isIcd10, normaliseIcd10, parseIcd10, siblingCodes } from "../../src/domain/icd10.js";

const NORMAL = /^([A-Z][0-9][0-9A-Z]|QA[0-9])(\.[0-9A-Z]{1,4})?$/;
const alnum = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".split(""));
const letter = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ".split(""));
const digit = fc.constantFrom(..."0123456789".split(""));
/** Well-formed codes in normal form. */
const code = fc
  .tuple(letter, digit, alnum, fc.array(alnum, { minLength: 0, maxLength: 4 }))
  .map(([a, b, c, rest]) => `${a}${b}${c}${rest.length ? `.${rest.join("")}` : ""}`);

describe("ICD-10-CM format", () => {
  it.each([
    ["f411", "F41.1"],
    ["F41.1", "F41.1"],
    [" f32.a ", "F32.A"],
    ["F1020", "F10.20"],
    ["t7411xa", "T74.11XA"],
    ["F41", "F41"],
    ["z62810", "Z62.810"],
    ["qa00101", "QA0.0101"],
  ])("normalises %j to %s", (input, want) => {
    expect(normaliseIcd10(input)).toBe(want);
  });

  it.each(["", "41.1", "FF1", "QB0.1", "XA0", "F4", "F41.12345", "F41..1", "F41.", "F-41", "F41 1", "F4.11", "1F41", "F41.1-"])("refuses %j", (input) => {
    expect(normaliseIcd10(input)).toBeNull();
    expect(isIcd10(input)).toBe(false);
  });

  it("parseIcd10 refuses with exit 3 and echoes at most 20 characters of the input", () => {
    const long = `X${"y".repeat(100)}`;
    try {
      parseIcd10(long);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ChartError);
      expect((e as ChartError).exit).toBe(3);
      expect((e as ChartError).code).toBe("E_BAD_CODE");
      expect((e as ChartError).message).not.toContain("y".repeat(21));
    }
  });

  it("normal form: idempotent, and case and dot do not matter", () => {
    fc.assert(
      fc.property(code, fc.boolean(), fc.boolean(), (c, lower, dropDot) => {
        expect(normaliseIcd10(c)).toBe(c);
        expect(NORMAL.test(c)).toBe(true);
        let variant = dropDot ? c.replace(".", "") : c;
        if (lower) variant = variant.toLowerCase();
        expect(normaliseIcd10(variant)).toBe(c);
      }),
    );
  });

  it("anything normalised is in normal form", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const n = normaliseIcd10(s);
        if (n !== null) expect(NORMAL.test(n)).toBe(true);
      }),
    );
  });
});

describe("the table of common codes", () => {
  it("keys are in normal form and every description is text", () => {
    const keys = Object.keys(ICD10_COMMON);
    expect(keys.length).toBeGreaterThan(150);
    for (const k of keys) {
      expect(normaliseIcd10(k)).toBe(k);
      expect(ICD10_COMMON[k]?.description.trim().length).toBeGreaterThan(3);
    }
  });

  it("knows the everyday codes", () => {
    expect(describeIcd10("F41.1")).toBe("Generalized anxiety disorder");
    expect(describeIcd10("F43.10")).toBe("Post-traumatic stress disorder, unspecified");
    expect(describeIcd10("F32.A")).toBe("Depression, unspecified");
    expect(describeIcd10("F90.2")).toBe("Attention-deficit hyperactivity disorder, combined type");
    expect(describeIcd10("Z63.0")).toBe("Problems in relationship with spouse or partner");
    expect(describeIcd10("F41.7")).toBeUndefined();
  });

  it("suggests codes of the same category", () => {
    expect(siblingCodes("F41")).toEqual(["F41.0", "F41.1", "F41.3", "F41.8"]);
    expect(siblingCodes("Q99")).toEqual([]);
  });
});

describe("labels implied by a code", () => {
  it("SUD for F10-F19 except nicotine (F17), HIV for B20 and Z21, SDV for abuse history", () => {
    expect(impliedLabels("F10.20")).toEqual(["SUD"]);
    expect(impliedLabels("F11.23")).toEqual(["SUD"]);
    expect(impliedLabels("F19.99")).toEqual(["SUD"]); // not in the table: still SUD by category
    expect(impliedLabels("F17.210")).toEqual([]);
    expect(impliedLabels("B20")).toEqual(["HIV"]);
    expect(impliedLabels("Z21")).toEqual(["HIV"]);
    expect(impliedLabels("Z62.810")).toEqual(["SDV"]);
    expect(impliedLabels("F41.1")).toEqual([]);
    expect(impliedLabels("F20.9")).toEqual([]);
  });

  it("SUD beyond F10-F19: substance counseling, substance use complicating pregnancy", () => {
    for (const c of ["Z71.41", "Z71.51", "O99.31", "O99.310", "O99.311", "O99.314", "O99.32", "O99.320", "O99.324", "O35.4XX0", "O35.5XX0"]) {
      expect(impliedLabels(c), c).toContain("SUD");
    }
    for (const c of ["Z71.42", "Z71.52", "Z71.4", "O99.33", "O99.330", "F17.210", "F41.1", "Z71.89", "O99.3"]) expect(impliedLabels(c), c).not.toContain("SUD");
  });

  it("HIV beyond B20 and Z21: inconclusive evidence, exposure, counseling, screening, in pregnancy", () => {
    for (const c of ["R75", "Z20.6", "Z71.7", "Z11.4", "O98.71", "O98.711", "O98.73", "B20", "Z21"]) expect(impliedLabels(c), c).toContain("HIV");
    for (const c of ["R76.8", "Z20.5", "Z71.6", "Z11.3", "O98.6", "O98.611", "B21"]) expect(impliedLabels(c), c).not.toContain("HIV");
  });

  it("any well-formed substance code F10-F16, F18, F19 is SUD", () => {
    const sud = fc
      .tuple(fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "8", "9"), fc.array(alnum, { maxLength: 4 }))
      .map(([d, rest]) => `F1${d}${rest.length ? `.${rest.join("")}` : ""}`);
    fc.assert(
      fc.property(sud, (c) => {
        expect(impliedLabels(c)).toContain("SUD");
      }),
    );
  });
});
