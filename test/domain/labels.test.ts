import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isChartError } from "../../src/domain/errors.js";
import { checkLabel, checkLabels, LABELS } from "../../src/domain/labels.js";

const all = Object.keys(LABELS);

describe("labels", () => {
  it("accepts the DS4P codes in any case and with spaces", () => {
    expect(checkLabel(" sud ")).toBe("SUD");
    expect(checkLabel("Psythpn")).toBe("PSYTHPN");
  });

  it("refuses an unknown label with exit 3, listing the known ones", () => {
    try {
      checkLabel("SECRETX");
      expect.unreachable();
    } catch (e) {
      expect(isChartError(e) && e.exit).toBe(3);
      expect((e as Error & { hint: string }).hint).toContain("SUD");
    }
  });

  it("checkLabels: comma lists and repeats, deduplicated and sorted; empty is undefined", () => {
    expect(checkLabels(undefined)).toBeUndefined();
    expect(checkLabels([])).toBeUndefined();
    expect(checkLabels(["hiv,sud", "SUD", " ", "sdv"])).toEqual(["HIV", "SDV", "SUD"]);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...all), { minLength: 1 }), (xs) => {
        const out = checkLabels(xs.map((x) => x.toLowerCase())) ?? [];
        expect(out).toEqual([...new Set(xs)].sort());
      }),
    );
  });
});
