/** Labels a code implies: always applied, on every path; leaving one off is explicit and recorded. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dxEventLabels, labelsForNewDx } from "../../src/domain/dx-labels.js";
import { impliedLabels } from "../../src/domain/icd10.js";

describe("implied labels", () => {
  it("SUD for F10–F16, F18, F19 and the SUD Z codes; not F17; HIV for B20, Z21 and related", () => {
    for (const c of ["F10.20", "F11.20", "F12.10", "F13.20", "F14.20", "F15.20", "F16.20", "F18.20", "F19.20", "Z71.41", "Z71.51", "O99.320"]) expect(impliedLabels(c)).toContain("SUD");
    for (const c of ["F17.210", "F41.1", "Z71.42", "F32.1"]) expect(impliedLabels(c)).not.toContain("SUD");
    for (const c of ["B20", "Z21", "R75", "Z20.6", "O98.711", "Z71.7", "B97.35"]) expect(impliedLabels(c)).toContain("HIV");
    expect(impliedLabels("F41.1")).not.toContain("HIV");
  });

  it("an add event stored without its implied label still carries it; only withoutLabels takes it off", () => {
    expect(dxEventLabels({ event: "add", code: "F11.20" })).toEqual(["SUD"]);
    expect(dxEventLabels({ event: "add", code: "F11.20", withoutLabels: ["SUD"] })).toEqual([]);
    expect(dxEventLabels({ event: "status", code: "F11.20" })).toEqual([]);
    expect(dxEventLabels({ event: "add", code: "B20", labels: ["PSY"] })).toEqual(["HIV", "PSY"]);
  });

  it("labelsForNewDx refuses to leave off what the code does not imply, or both give and leave off", () => {
    expect(labelsForNewDx("F11.20", [], [])).toEqual({ labels: ["SUD"], added: ["SUD"], without: [] });
    expect(labelsForNewDx("F11.20", [], ["SUD"])).toEqual({ labels: [], added: [], without: ["SUD"] });
    expect(() => labelsForNewDx("F41.1", [], ["SUD"])).toThrow(/does not imply/);
    expect(() => labelsForNewDx("F11.20", ["SUD"], ["SUD"])).toThrow(/both/);
  });

  it("property: every SUD-range code carries SUD unless explicitly left off", () => {
    fc.assert(
      fc.property(fc.constantFrom("10", "11", "12", "13", "14", "15", "16", "18", "19"), fc.integer({ min: 0, max: 99 }), (cat, sub) => {
        const code = `F${cat}.${String(sub).padStart(2, "0")}`;
        expect(dxEventLabels({ event: "add", code })).toContain("SUD");
        expect(labelsForNewDx(code, [], []).labels).toContain("SUD");
      }),
    );
  });
});
