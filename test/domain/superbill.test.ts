import { describe, expect, it } from "vitest";
import type { DxEventRecord } from "../../src/domain/dx.js";
import type { NoteRecord } from "../../src/domain/note.js";
import { checkMonth, monthEnd, superbillData } from "../../src/domain/superbill.js";

const CID = `cl_${"a".repeat(26)}`;
let n = 0;
const id = (p: string) => `${p}_${String(n++).padStart(26, "b")}`;
const note = (date: string, extra: Partial<NoteRecord> = {}): NoteRecord => ({
  chart: 1, kind: "note", id: id("nt"), client: CID, created: `${date}T10:00:00Z`, type: "progress", template: "soap", date, status: "signed", body: "x", cpt: "90837", duration: 53, ...extra,
});
const dx = (date: string, code: string, extra: Partial<DxEventRecord> = {}): DxEventRecord =>
  ({ chart: 1, kind: "dx", id: id("dx"), client: CID, created: `${date}T10:00:00Z`, event: "add", code, date, status: "active", ...extra });

describe("superbill", () => {
  it("months: checked, and their last day", () => {
    expect(checkMonth("2024-02")).toBe("2024-02");
    for (const bad of ["2024-13", "2024-2", "24-02", "2024-02-01"]) expect(() => checkMonth(bad)).toThrow(/month/);
    expect(monthEnd("2024-02")).toBe("2024-02-29");
    expect(monthEnd("2023-12")).toBe("2023-12-31");
  });

  it("signed notes with a CPT code in the month are the services; drafts are counted apart; addenda and other months are not", () => {
    const notes = [
      note("2024-05-02"),
      note("2024-05-30", { cpt: "90834", duration: 45 }),
      note("2024-05-09", { status: "draft" }),
      note("2024-05-10", { cpt: undefined }),
      note("2024-05-11", { addendumTo: "nt_x" }),
      note("2024-04-30"),
      note("2024-06-01"),
    ];
    const d = superbillData(notes, [], "2024-05");
    expect(d.services).toEqual([
      { date: "2024-05-02", cpt: "90837", minutes: 53 },
      { date: "2024-05-30", cpt: "90834", minutes: 45 },
    ]);
    expect(d.unsigned).toBe(1);
  });

  it("diagnoses current in the month (primary first), including one resolved during it; not later ones", () => {
    const events = [
      dx("2024-01-05", "F41.1", { description: "GAD" }),
      dx("2024-02-01", "F43.10", { primary: true }),
      dx("2024-03-01", "F32.0"),
      { ...dx("2024-05-15", "F32.0"), event: "status", status: "resolved" } as DxEventRecord,
      dx("2024-06-03", "F90.0"),
    ];
    const d = superbillData([], events, "2024-05");
    expect(d.diagnoses.map((x) => x.code)).toEqual(["F43.10", "F32.0", "F41.1"]);
  });
});
