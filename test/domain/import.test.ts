import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClientRecord } from "../../src/domain/client.js";
import { addDays } from "../../src/domain/dates.js";
import { checkDxEvent, type DxEventRecord, type DxStatus } from "../../src/domain/dx.js";
import { ChartError } from "../../src/domain/errors.js";
import { makeId, type IdKind } from "../../src/domain/ids.js";
import { dxEventLabels } from "../../src/domain/dx-labels.js";
import { parseImport, replayImport, type ImportEnv } from "../../src/domain/import.js";
import { jsonLine } from "../../src/domain/export.js";
import { checkMedEvent, createdAfter, type MedEventRecord, type MedEventType } from "../../src/domain/med.js";
import { signedContent, type NoteRecord } from "../../src/domain/note.js";
import type { BaseRecord } from "../../src/domain/record.js";
import { contentHash } from "../../src/store/hash.js";
import { runs } from "../support/runs.js";

const newId = (k: IdKind) => makeId(k, new Uint8Array(randomBytes(16)));
const env = (over: Partial<ImportEnv> = {}): ImportEnv => ({
  today: "2025-06-01",
  now: "2025-06-01T10:00:00Z",
  newId,
  hash: contentHash,
  signer: { by: "Dr Import", key: "age1importkey" },
  existing: new Map(),
  events: { meds: [], dx: [] },
  ...over,
});
const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join("\n");

const cid = newId("client");
const client: ClientRecord = { chart: 1, kind: "client", id: cid, client: cid, created: "2025-01-01T00:00:00Z", name: "Ann Example", status: "active", admitted: "2025-01-02", pronouns: "she/her" };
const n1: NoteRecord = { chart: 1, kind: "note", id: newId("note"), client: cid, created: "2025-01-10T10:00:00Z", type: "progress", template: "soap", date: "2025-01-10", status: "draft", body: "## S\nslept better\n", labels: ["SUD"] };
const signedNote = (() => {
  const n: NoteRecord = { ...n1, id: newId("note"), status: "signed", duration: 50, cpt: "90837" };
  return { ...n, signed: { by: "Dr A", key: "age1abc", at: "2025-01-10T11:00:00Z", hash: contentHash(signedContent(n)) } } as NoteRecord;
})();
const addendum: NoteRecord = { ...n1, id: newId("note"), type: "addendum", template: "free", addendumTo: signedNote.id, body: "Correction.\n", labels: undefined };
delete (addendum as Partial<NoteRecord>).labels;
const mStart: MedEventRecord = (() => {
  const id = newId("med");
  return { chart: 1, kind: "med", id, med: id, client: cid, created: "2025-02-01T09:00:00Z", event: "start", date: "2025-02-01", name: "sertraline", dose: "50 mg" };
})();
const mChange: MedEventRecord = { chart: 1, kind: "med", id: newId("med"), med: mStart.id, client: cid, created: "2025-03-01T09:00:00Z", event: "change", date: "2025-03-01", dose: "100 mg" };
const dAdd: DxEventRecord = { chart: 1, kind: "dx", id: newId("dx"), client: cid, created: "2025-01-10T09:00:00Z", event: "add", code: "F41.1", date: "2025-01-10", status: "active", description: "Generalized anxiety disorder", primary: true };

const strip = (r: BaseRecord) => JSON.parse(jsonLine(r));

describe("parseImport: valid input", () => {
  it("reads every kind, keeps ids, and gives back the records exactly", () => {
    const rows = [client, n1, signedNote, addendum, mStart, mChange, dAdd];
    const r = parseImport(`${jsonl(rows.map(strip))}\n\n`, env());
    expect(r.issues).toEqual([]);
    expect(r.counts).toEqual({ clients: 1, notes: 3, meds: 2, dx: 1 });
    expect(r.items.map((i) => i.record)).toEqual(rows);
    expect(r.items.map((i) => i.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.signedOnImport).toBe(0);
  });

  it("gives new ids to lines without one (a start's medication id is its own id)", () => {
    const { id: _i, med: _m, ...start } = strip(mStart);
    const { id: _n, ...note } = strip(n1);
    const r = parseImport(jsonl([strip(client), start, note]), env());
    expect(r.issues).toEqual([]);
    const [, s, n] = r.items.map((i) => i.record);
    expect(s?.id).toMatch(/^md_/);
    expect(s?.med).toBe(s?.id);
    expect(n?.id).toMatch(/^nt_/);
  });

  it("ignores derived fields and reports unknown ones by name", () => {
    const r = parseImport(jsonl([strip(client), { ...strip(n1), addenda: 2, conflict: true, colour: "red", "we ird": 1 }]), env());
    expect(r.issues).toEqual([]);
    expect([...r.ignored.keys()].sort()).toEqual(["colour", "we?ird"]);
    expect(r.items[1]?.record).toEqual(n1);
  });

  it("signs a note that says signed but has no signature, as the importing clinician", () => {
    const { signed: _s, ...unsigned } = strip(signedNote);
    const r = parseImport(jsonl([strip(client), unsigned]), env());
    expect(r.issues).toEqual([]);
    expect(r.signedOnImport).toBe(1);
    const rec = r.items[1]?.record as unknown as NoteRecord;
    expect(rec.signed).toEqual({ by: "Dr Import", key: "age1importkey", at: "2025-06-01T10:00:00Z", hash: contentHash(signedContent(rec)) });
  });

  it("references resolve against the chart too", () => {
    const existing = new Map([[cid, cid], [signedNote.id, cid], [mStart.id, cid]]);
    const r = parseImport(jsonl([strip(addendum), strip(mChange)]), env({ existing, events: { meds: [mStart], dx: [] } }));
    expect(r.issues).toEqual([]);
  });

  it("always labels substance-use and HIV codes; leaving one off takes 'withoutLabels', recorded and counted", () => {
    const sud = { ...strip(dAdd), id: newId("dx"), code: "f1120", primary: false };
    const plain = parseImport(jsonl([strip(client), sud]), env());
    expect(plain.unlabelled).toBe(0);
    expect(plain.items[1]?.record.code).toBe("F11.20");
    expect(plain.items[1]?.record.labels).toEqual(["SUD"]);
    const off = parseImport(jsonl([strip(client), { ...sud, withoutLabels: ["SUD"] }]), env());
    expect(off.issues).toEqual([]);
    expect(off.unlabelled).toBe(1);
    expect(off.items[1]?.record.labels).toBeUndefined();
    expect((off.items[1]?.record as { withoutLabels?: string[] }).withoutLabels).toEqual(["SUD"]);
    const wrong = parseImport(jsonl([strip(client), { ...sud, withoutLabels: ["HIV"] }]), env());
    expect(wrong.issues.map((i) => i.message).join()).toMatch(/does not imply/);
  });
});

describe("parseImport: one set of field rules with the read path (src/domain/record-shape.ts)", () => {
  const acc = { kind: "disclosure", id: newId("disclosure"), client: cid, created: "2025-01-20T10:00:00Z", basis: "serious-threat", date: "2025-01-20", at: "2025-01-20T10:00:00Z", recipient: { name: "Police" }, purposes: ["duty to warn"], description: "risk", items: [] };

  it("fields of a kind's shape the line readers do not handle are carried, not dropped (an accountable disclosure keeps its basis)", () => {
    const r = parseImport(jsonl([strip(client), acc, { ...strip(dAdd), id: newId("dx"), code: "F41.9", forced: { codeSet: "2025" } }]), env());
    expect(r.issues).toEqual([]);
    expect(r.ignored.size).toBe(0);
    expect(r.items[1]?.record).toMatchObject({ basis: "serious-threat" });
    expect(r.items[2]?.record).toMatchObject({ forced: { codeSet: "2025" } });
  });

  it("a line whose record the read path would refuse is refused, naming the field", () => {
    const issues = parseImport(jsonl([strip(client), { ...acc, basis: "curiosity" }]), env()).issues;
    expect(issues).toEqual([{ line: 2, message: expect.stringMatching(/^disclosure: 'basis' must be one of/) }]);
    const rq = newId("access");
    const fulfil = { kind: "access", id: newId("access"), client: cid, event: "fulfil", request: rq, date: "2025-01-22", by: "Dr A", formats: ["pdf"], encryption: "none" };
    const lines = [strip(client), { kind: "access", id: rq, client: cid, event: "request", received: "2025-01-01", formats: ["pdf"] }, fulfil];
    expect(parseImport(jsonl(lines), env()).issues).toEqual([{ line: 3, message: "access: missing 'files'" }]);
  });

  it("the CPT and duration rules are the record's own", () => {
    expect(parseImport(jsonl([strip(client), { ...strip(n1), cpt: "9083" }]), env()).issues[0]?.message).toBe("note: 'cpt' must be five characters, e.g. 90837");
    expect(parseImport(jsonl([strip(client), { ...strip(n1), duration: 1441 }]), env()).issues[0]?.message).toBe("note: 'duration' must be a whole number of minutes (1 to 1440)");
  });
});

describe("parseImport: refusals name the line and the field, never a value", () => {
  const issuesOf = (rows: (object | string)[], e: Partial<ImportEnv> = {}) =>
    parseImport(rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n"), env(e)).issues;

  it.each<[string, (object | string)[], number, RegExp]>([
    ["bad JSON", [strip(client), "{nope"], 2, /not valid JSON/],
    ["not an object", ["[1,2]"], 1, /not a JSON object/],
    ["unknown kind", [{ kind: "invoice" }], 1, /'kind' must be one of/],
    ["consent without event", [strip(client), { kind: "consent", client: client.id }], 2, /consent: missing 'event'/],
    ["void of nothing", [strip(client), { kind: "void", client: client.id, target: newId("note"), targetKind: "note", date: "2024-01-01", by: "Dr", reason: "x" }], 2, /'target' names no record/],
    ["void of another kind's id", [strip(client), { kind: "void", client: client.id, target: client.id, targetKind: "note", date: "2024-01-01", by: "Dr", reason: "x" }], 2, /'target' is not a note id/],
    ["missing date", [strip(client), { ...strip(n1), date: undefined }], 2, /note: missing 'date'/],
    ["bad date", [strip(client), { ...strip(n1), date: "2025-02-30" }], 2, /'date' is not a date/],
    ["future date", [strip(client), { ...strip(n1), date: "2030-01-01" }], 2, /'date' is in the future/],
    ["bad id", [strip(client), { ...strip(n1), id: "nt_short" }], 2, /'id' is not a note id/],
    ["id of another kind", [strip(client), { ...strip(n1), id: mStart.id }], 2, /'id' is not a note id/],
    ["unknown client", [strip(n1)], 1, /'client' names no client/],
    ["empty body", [strip(client), { ...strip(n1), body: "  \n" }], 2, /'body' is empty/],
    ["bad duration", [strip(client), { ...strip(n1), duration: 0 }], 2, /'duration'/],
    ["bad cpt", [strip(client), { ...strip(n1), cpt: "9" }], 2, /'cpt'/],
    ["bad label", [strip(client), { ...strip(n1), labels: ["SECRET"] }], 2, /unknown label/],
    ["altered signed note", [strip(client), { ...strip(signedNote), body: "changed\n" }], 2, /hash does not match/],
    ["draft with signature", [strip(client), { ...strip(signedNote), status: "draft" }], 2, /draft cannot carry a signature/],
    ["addendum of nothing", [strip(client), strip(addendum)], 2, /'addendumTo' names no note/],
    ["addendum of an addendum", [strip(client), strip(signedNote), strip(addendum), { ...strip(addendum), id: newId("note"), addendumTo: addendum.id }], 4, /names an addendum/],
    ["change without med", [strip(client), { ...strip(mChange), med: undefined }], 2, /needs 'med'/],
    ["change of an unknown med", [strip(client), strip(mChange)], 2, /'med' names no medication/],
    ["start without name", [strip(client), { ...strip(mStart), name: undefined }], 2, /missing 'name'/],
    ["start whose med is not its id", [strip(client), { ...strip(mStart), med: mChange.id }], 2, /'med' must equal 'id'/],
    ["bad ICD-10 code", [strip(client), { ...strip(dAdd), code: "XYZ" }], 2, /not an ICD-10-CM code/],
    ["onset after date", [strip(client), { ...strip(dAdd), onset: "2025-05-01" }], 2, /'onset' is after 'date'/],
    ["discharged without date", [{ ...strip(client), status: "discharged" }], 1, /needs 'discharged'/],
    ["bad email", [{ ...strip(client), email: "not-an-address" }], 1, /email address is not valid/],
  ])("%s", (_what, rows, line, re) => {
    const issues = issuesOf(rows);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.some((i) => i.line === line && re.test(i.message))).toBe(true);
  });

  it("accepts a future date with allowFuture", () => {
    expect(issuesOf([strip(client), { ...strip(n1), date: "2030-01-01" }], { allowFuture: true })).toEqual([]);
  });

  it("an id twice in the file names both lines; an id in the chart is refused", () => {
    const twice = issuesOf([strip(client), strip(n1), strip(n1)]);
    expect(twice).toEqual([{ line: 3, message: "note: 'id' also appears on line 2" }]);
    const taken = issuesOf([strip(client), strip(n1)], { existing: new Map([[n1.id, cid]]) });
    expect(taken[0]?.message).toMatch(/already exists in the chart/);
  });

  it("the medication and diagnosis rules apply across the file and the chart", () => {
    const stop = { ...strip(mChange), id: newId("med"), event: "stop", dose: undefined, date: "2025-02-15", created: "2025-02-15T00:00:00Z" };
    expect(issuesOf([strip(client), strip(mStart), stop, strip(mChange)])).toEqual([{ line: 4, message: "med: the medication is already stopped by this event's date" }]);
    const early = { ...strip(mChange), date: "2025-01-15" };
    expect(issuesOf([strip(client), strip(mStart), early])[0]?.message).toMatch(/has not started/);
    const resolveUnknown = { ...strip(dAdd), id: newId("dx"), event: "status", status: "resolved", code: "F32.1" };
    expect(issuesOf([strip(client), resolveUnknown])[0]?.message).toMatch(/not on the client's list/);
    const existing = new Map([[cid, cid], [mStart.id, cid]]);
    const chartStop: MedEventRecord = { ...mChange, id: newId("med"), event: "stop", date: "2025-02-10", created: "2025-02-10T00:00:00Z" };
    delete chartStop.dose;
    expect(issuesOf([strip(mChange)], { existing, events: { meds: [mStart, chartStop], dx: [] } })[0]?.message).toMatch(/already stopped/);
    const backStop = { ...strip(chartStop), id: newId("med"), date: "2025-03-05" };
    expect(issuesOf([backStop], { existing, events: { meds: [mStart, mChange], dx: [] } })).toEqual([]);
    expect(issuesOf([{ ...backStop, date: "2025-02-20" }], { existing, events: { meds: [mStart, mChange], dx: [] } })[0]?.message).toMatch(/without effect/);
  });

  it("never echoes a value from the file, whatever the field", () => {
    const secret = fc.stringMatching(/^[A-Za-z]{10,20}$/).filter((s) => !/^(note|client|kind|line|label|missing|labels)/i.test(s));
    fc.assert(
      fc.property(secret, fc.constantFrom("kind", "id", "client", "date", "created", "code", "status", "event", "type", "med", "addendumTo", "cpt", "email", "dob"), (s, field) => {
        const rows = [
          { ...strip(client), name: s, email: field === "email" ? s : undefined, dob: field === "dob" ? s : undefined },
          { ...strip(n1), body: `${s}\n`, [field]: s, labels: [s] },
          { ...strip(dAdd), description: s, [field]: s },
          { ...strip(mStart), name: s, dose: s, [field]: s },
          `{"kind":"note","body":"${s}`,
        ];
        const issues = issuesOf(rows);
        expect(issues.length).toBeGreaterThan(0);
        for (const i of issues) expect(i.message).not.toContain(s);
      }),
      { numRuns: runs(60) },
    );
  });

  it("stops collecting after the cap", () => {
    const rows = Array.from({ length: 50 }, () => "{bad");
    expect(parseImport(rows.join("\n"), env(), 10).issues).toHaveLength(10);
  });
});

// --- round trip of histories through JSONL -----------------------------------------------

const day = (k: number) => addDays("2024-01-01", k);
const at = (k: number) => new Date(Date.UTC(2024, 5, 1, 0, 0, k)).toISOString().replace(/\.\d{3}Z$/, "Z");
const CODES = ["F41.1", "F10.20", "Z63.0"];
const STATUSES: DxStatus[] = ["provisional", "active", "resolved", "ruled-out"];

interface Step {
  what: "med" | "dx";
  type: number;
  which: number;
  day: number;
  text: string;
}
const stepArb = fc.record({
  what: fc.constantFrom<"med" | "dx">("med", "dx"),
  type: fc.nat(3),
  which: fc.nat(2),
  day: fc.nat(60),
  text: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ""),
});

/** A history written through the rules, as the med and dx commands would. */
function history(steps: readonly Step[]): { meds: MedEventRecord[]; dx: DxEventRecord[] } {
  const meds: MedEventRecord[] = [];
  const dx: DxEventRecord[] = [];
  const medIds: string[] = [];
  steps.forEach((s, i) => {
    try {
      if (s.what === "med") {
        const type: MedEventType = s.type === 0 || medIds.length === 0 ? "start" : s.type === 3 ? "stop" : "change";
        const id = newId("med");
        const med = type === "start" ? id : (medIds[s.which % medIds.length] as string);
        const e: MedEventRecord = { chart: 1, kind: "med", id, med, client: cid, created: createdAfter(at(i), meds), event: type, date: day(s.day) };
        if (type === "start") Object.assign(e, { name: s.text, dose: `${s.day} mg`, labels: s.type === 0 ? ["SUD"] : undefined });
        if (type === "change") Object.assign(e, { dose: s.text, reason: "why" });
        if (type === "stop" && s.which) e.reason = s.text;
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops the fields left undefined, as a stored record has them
        for (const k of Object.keys(e) as (keyof MedEventRecord)[]) if (e[k] === undefined) delete e[k];
        checkMedEvent(meds, e);
        meds.push(e);
        if (type === "start") medIds.push(id);
      } else {
        const code = CODES[s.which] as string;
        const e: DxEventRecord =
          s.type < 2
            ? { chart: 1, kind: "dx", id: newId("dx"), client: cid, created: createdAfter(at(i), dx), event: "add", code, date: day(s.day), status: STATUSES[s.type] as DxStatus, description: s.text, primary: s.which === 0 }
            : { chart: 1, kind: "dx", id: newId("dx"), client: cid, created: createdAfter(at(i), dx), event: "status", code, date: day(s.day), status: STATUSES[s.type] as DxStatus };
        checkDxEvent(dx, e);
        dx.push(e);
      }
    } catch (err) {
      if (!(err instanceof ChartError)) throw err;
    }
  });
  return { meds, dx };
}

describe("round trip", () => {
  it("histories exported as JSONL import unchanged, in any line order, into an empty chart", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 30 }).chain((steps) => {
          const h = history(steps);
          const all: BaseRecord[] = [client, ...h.meds, ...h.dx];
          return fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
        }),
        ([records, order]) => {
          const text = order.map(jsonLine).join("\n");
          const r = parseImport(text, env({ today: "2030-01-01" }));
          expect(r.issues).toEqual([]);
          const back = new Map(r.items.map((i) => [i.record.id, i.record]));
          // implied labels (SUD for F10-F19 but F17, ...) are added on import: expected back
          const withImplied = (rec: BaseRecord): BaseRecord => {
            const d = rec as DxEventRecord;
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- rec is any generated record, cast to a dx event only to read it
            if (d.kind !== "dx" || d.event !== "add") return rec;
            const labels = dxEventLabels(d);
            const { labels: _l, ...rest } = d;
            return (labels.length ? { ...rest, labels } : rest) as BaseRecord;
          };
          for (const rec of records) expect(back.get(rec.id)).toEqual(withImplied(rec));
          expect(back.size).toBe(records.length);
        },
      ),
      { numRuns: runs(150) },
    );
  });

  it("notes round-trip too, signed ones keeping their signature", () => {
    const rows = [client, n1, signedNote, addendum];
    const r = parseImport(rows.map(jsonLine).join("\n"), env());
    expect(r.items.map((i) => i.record)).toEqual(rows);
  });
});

describe("light parse and replay (an import holds note stubs, then makes each record again)", () => {
  it("replays exactly the records a full parse makes, ids made for lines without one included", () => {
    const noId = (r: object) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "id"));
    const text = `\r\n${jsonl([client, n1, signedNote, addendum, mStart, mChange, noId(dAdd), noId({ ...n1, status: "signed" })])}\n\n`;
    const made: string[] = [];
    const e = env({ newId: (k) => (made.push(newId(k)), made[made.length - 1] as string) });
    const full = parseImport(text, e);
    expect(full.issues).toEqual([]);
    const light = parseImport(text, { ...e, newId }, 100, { light: true });
    expect(light.issues).toEqual([]);
    expect(light.counts).toEqual(full.counts);
    // Notes are stubs: what the checks across lines and the paths need, no text.
    const stub = light.items.find((i) => i.record.kind === "note")?.record;
    expect(stub?.body).toBeUndefined();
    expect(light.items.map((i) => [i.line, i.record.kind, i.record.client])).toEqual(full.items.map((i) => [i.line, i.record.kind, i.record.client]));
    const replayed = [...replayImport(text, e, full.generated)];
    expect(replayed).toEqual(full.items.map((i) => i.record));
    expect(full.generated).toEqual(made);
  });

  it("reads the input's bytes as it reads its text (UTF-8, CRLF, a byte-order mark, bad lines named alike)", () => {
    const text = `\uFEFF${jsonl([{ ...client, name: "Zoë Café" }, n1])}\r\n{bad\r\n${jsonl([mStart])}\n`;
    const made: string[] = [];
    const e = env({ newId: (k) => (made.push(newId(k)), made[made.length - 1] as string) });
    const fromText = parseImport(text, e);
    const fromBytes = parseImport(new TextEncoder().encode(text), e);
    expect(fromBytes.issues).toEqual(fromText.issues);
    expect(fromBytes.issues.map((i) => i.line)).toEqual([3]);
    expect(fromBytes.items).toEqual(fromText.items);
    const good = new TextEncoder().encode(`\uFEFF${jsonl([{ ...client, name: "Zoë Café" }, n1])}\r\n`);
    const r = parseImport(good, e, 100, { light: true });
    expect([...replayImport(good, e, r.generated)].map((x) => x.name ?? x.body)).toEqual(["Zoë Café", n1.body]);
  });

  it("refuses to replay a text that no longer reads the same", () => {
    const text = jsonl([client, n1]);
    const r = parseImport(text, env(), 100, { light: true });
    expect(() => [...replayImport(`${text}\n{"kind":"note"}`, env(), r.generated)]).toThrow(/import replay/);
  });
});
