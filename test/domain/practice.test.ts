import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkPractice, checkPracticeField, checkTimeZone, isNpi, licenseLine, mergePractice, signatureName } from "../../src/domain/practice.js";

/** A valid NPI for nine digits: the Luhn check digit over 80840 + the nine digits. */
function withCheck(nine: string): string {
  for (let d = 0; d <= 9; d++) if (isNpi(`${nine}${d}`)) return `${nine}${d}`;
  throw new Error("no check digit");
}

describe("practice profile", () => {
  it("NPI check digits: CMS's published example and any single-digit change", () => {
    expect(isNpi("1234567893")).toBe(true); // the example in CMS's NPI check digit document
    expect(isNpi("1234567890")).toBe(false);
    expect(isNpi("123456789")).toBe(false);
    expect(isNpi("12345678931")).toBe(false);
    expect(isNpi("123456789a")).toBe(false);
    fc.assert(
      fc.property(fc.stringMatching(/^[12]\d{8}$/), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (nine, pos, delta) => {
        const npi = withCheck(nine);
        const digits = npi.split("");
        digits[pos] = String((Number(digits[pos]) + delta) % 10);
        expect(isNpi(digits.join(""))).toBe(false); // Luhn catches every single-digit error
      }),
    );
  });

  it("time zones: IANA names only", () => {
    expect(checkTimeZone("America/Chicago")).toBe("America/Chicago");
    expect(checkTimeZone("UTC")).toBe("UTC");
    for (const bad of ["EST", "Mars/Olympus", "", "America/Chicago; rm", "CST6CDT_x"]) expect(() => checkTimeZone(bad), bad).toThrow(/time zone/);
  });

  it("fields are checked and normalised; control characters refused", () => {
    expect(checkPracticeField("npi", "1234-567-893")).toBe("1234567893");
    expect(checkPracticeField("licenseState", "ny")).toBe("NY");
    expect(() => checkPracticeField("licenseState", "XX")).toThrow(/state/);
    expect(() => checkPracticeField("npi", "1234567890")).toThrow(/NPI/);
    expect(() => checkPracticeField("name", "Acme\u001b[31m")).toThrow(/control/);
    expect(() => checkPracticeField("name", "two\nlines")).toThrow(/control/);
    expect(checkPracticeField("address", "1 Main St\nSpringfield, IL")).toBe("1 Main St\nSpringfield, IL");
    expect(() => checkPracticeField("email", "nope")).toThrow(/email/);
  });

  it("merge keeps other fields, unsets, and checks what is stored", () => {
    const a = mergePractice({}, { name: "Ellis Counseling", clinician: "Jordan Ellis", credentials: "LCSW" });
    const b = mergePractice(a, { npi: "1234567893", license: "012345", licenseState: "ny" }, ["credentials"]);
    expect(b).toEqual({ name: "Ellis Counseling", clinician: "Jordan Ellis", license: "012345", licenseState: "NY", npi: "1234567893" });
    expect(signatureName(a, "x")).toBe("Jordan Ellis, LCSW");
    expect(signatureName({}, "fallback")).toBe("fallback");
    expect(licenseLine(b)).toBe("NY licence 012345");
    expect(checkPractice({ chart: 1, kind: "practice", mac: "x", name: "N", future: "kept out" })).toEqual({ name: "N" });
    expect(() => checkPractice({ npi: "1" })).toThrow(/NPI/);
  });
});
