import { describe, expect, it } from "vitest";
import type { ClientRecord } from "../../src/domain/client.js";
import { checkRange, lastMonth, monthRange, selectClient, type ClientData } from "../../src/domain/export.js";
import { makeId, type IdKind } from "../../src/domain/ids.js";
import type { NoteRecord } from "../../src/domain/note.js";
import { checkVoid, voidedIds, type VoidRecord } from "../../src/domain/void.js";
import type { MedEventRecord } from "../../src/domain/med.js";
import { csvCell, primaryDiagnosisOn } from "../../src/export/csv.js";
import type { DxEventRecord } from "../../src/domain/dx.js";
import { accessStatuses, checkExtension, type AccessRecord } from "../../src/domain/access.js";
import { ChartError } from "../../src/domain/errors.js";

let seq = 0;
const id = (k: IdKind) => makeId(k, new Uint8Array(16).fill(++seq));
const CID = id("client");
const profile: ClientRecord = { chart: 1, kind: "client", id: CID, client: CID, created: "2024-01-01T00:00:00Z", name: "Ada", status: "active", admitted: "2023-01-01" };
const note = (date: string, extra: Partial<NoteRecord> = {}): NoteRecord => ({ chart: 1, kind: "note", id: id("note"), client: CID, created: `${date}T10:00:00Z`, type: "progress", template: "free", date, status: "signed", body: "x\n", ...extra });
const data = (d: Partial<ClientData>): ClientData => ({ profile, notes: [], meds: [], dx: [], consents: [], disclosures: [], voids: [], ...d });
const voidOf = (target: string, targetKind: VoidRecord["targetKind"]): VoidRecord => ({ chart: 1, kind: "void", id: id("void"), client: CID, created: "2024-09-01T00:00:00Z", target, targetKind, date: "2024-09-01", at: "2024-09-01T00:00:00Z", by: "Dr", reason: "wrong" });

describe("export selection", () => {
  it("months are calendar months; the last month of January is December", () => {
    expect(monthRange("2024-02")).toEqual({ since: "2024-02-01", until: "2024-02-29" });
    expect(monthRange("2026-12")).toEqual({ since: "2026-12-01", until: "2026-12-31" });
    expect(lastMonth("2027-01-15")).toBe("2026-12");
    for (const bad of ["2024-13", "2024-1", "24-01", "2024-00", ""]) expect(() => monthRange(bad)).toThrow(ChartError);
    expect(() => checkRange({ since: "2024-02-01", until: "2024-01-01" })).toThrow(/after/);
  });

  it("selects by date of service; addenda go with their note; voided records and their addenda stay out", () => {
    const inMonth = note("2024-03-10");
    const add = note("2024-05-01", { type: "addendum", addendumTo: inMonth.id });
    const before = note("2024-02-28");
    const voided = note("2024-03-11");
    const voidedAdd = note("2024-03-12", { type: "addendum", addendumTo: voided.id });
    const d = data({ notes: [inMonth, add, before, voided, voidedAdd], voids: [voidOf(voided.id, "note")] });
    const sel = selectClient(d, monthRange("2024-03")) as ClientData;
    expect(sel.notes.map((n) => n.id)).toEqual([inMonth.id, add.id]);
    expect(sel.voids).toEqual([]);
    const full = selectClient(d, { ...monthRange("2024-03"), withVoided: true }) as ClientData;
    expect(full.notes.map((n) => n.id).sort()).toEqual([inMonth.id, add.id, voided.id, voidedAdd.id].sort());
    expect(full.voids).toHaveLength(1);
    expect(selectClient(d, monthRange("2020-01"))).toBeUndefined();
    expect(selectClient(data({ voids: [voidOf(CID, "client")] }), {})).toBeUndefined();
  });
});

describe("voids", () => {
  it("a signed note needs a reason; a start later events build on is refused; a disclosure never", () => {
    const n = note("2024-03-01");
    expect(() => checkVoid({ target: n, reason: undefined, voids: [], siblings: [] })).toThrow(/needs a reason/);
    expect(checkVoid({ target: { ...n, status: "draft" }, reason: undefined, voids: [], siblings: [] })).toBe("entered in error");
    const start: MedEventRecord = { chart: 1, kind: "med", id: id("med"), client: CID, created: "2024-01-01T00:00:00Z", event: "start", med: "", date: "2024-01-01", name: "x" };
    start.med = start.id;
    const stop: MedEventRecord = { chart: 1, kind: "med", id: id("med"), client: CID, created: "2024-02-01T00:00:00Z", event: "stop", med: start.id, date: "2024-02-01" };
    expect(() => checkVoid({ target: start, reason: "x", voids: [], siblings: [start, stop] })).toThrow(/depend/);
    expect(checkVoid({ target: start, reason: "x", voids: [voidOf(stop.id, "med")], siblings: [start, stop] })).toBe("x");
    expect(() => checkVoid({ target: { ...n, kind: "disclosure" } as never, reason: "x", voids: [], siblings: [] })).toThrow(/accounting/);
    expect(() => checkVoid({ target: n, reason: "x", voids: [voidOf(n.id, "note")], siblings: [] })).toThrow(/already voided/);
    // a void of another client's record reaches nothing
    const other = { ...voidOf(n.id, "note"), client: id("client") };
    expect(voidedIds([n], [other]).size).toBe(0);
  });
});

describe("csv", () => {
  it("quotes per RFC 4180 and defuses formulas", () => {
    expect(csvCell('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("@SUM")).toBe("'@SUM");
    expect(csvCell(90837)).toBe("90837");
    expect(csvCell(undefined)).toBe("");
  });
  it("the primary diagnosis is the one current and primary on the date of service", () => {
    const ev = (code: string, date: string, extra: Partial<DxEventRecord> = {}): DxEventRecord => ({ chart: 1, kind: "dx", id: id("dx"), client: CID, created: `${date}T00:00:00Z`, event: "add", code, date, status: "active", ...extra });
    const h = [ev("F41.1", "2024-01-01", { primary: true }), ev("F32.0", "2024-02-01"), ev("F41.1", "2024-03-01", { event: "status", status: "resolved" })];
    expect(primaryDiagnosisOn(h, "2023-12-31")).toBeUndefined();
    expect(primaryDiagnosisOn(h, "2024-01-15")).toBe("F41.1");
    expect(primaryDiagnosisOn(h, "2024-02-15")).toBe("F41.1");
    expect(primaryDiagnosisOn(h, "2024-03-15")).toBe("F32.0");
  });
});

describe("access due dates", () => {
  it("30 days, one 30-day extension with a reason given within them", () => {
    const rq: AccessRecord = { chart: 1, kind: "access", event: "request", id: id("access"), client: CID, created: "2024-05-01T00:00:00Z", received: "2024-05-01", formats: ["pdf"] };
    const [s] = accessStatuses([rq], "2024-05-10");
    expect(s).toMatchObject({ due: "2024-05-31", open: true, overdue: false });
    expect(() => checkExtension(s!, "2024-05-10", " ")).toThrow(/reason/);
    expect(() => checkExtension(s!, "2024-06-01", "x")).toThrow(/ran out/);
    expect(checkExtension(s!, "2024-05-31", "records off site")).toBe("records off site");
    const ext: AccessRecord = { chart: 1, kind: "access", event: "extend", id: id("access"), client: CID, created: "2024-05-20T00:00:00Z", request: rq.id, date: "2024-05-20", reason: "x" };
    const [t] = accessStatuses([rq, ext], "2024-06-15");
    expect(t).toMatchObject({ due: "2024-06-30", overdue: false });
    expect(() => checkExtension(t!, "2024-05-25", "again")).toThrow(/one extension/);
  });
});
