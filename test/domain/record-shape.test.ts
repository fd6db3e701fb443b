/**
 * The record shapes (src/domain/record-shape.ts): one validator per kind, used by the read path
 * and by import. Valid records of every kind and variant pass; each required field missing, and
 * each present field of the wrong type, is a problem naming the field (never its value); fields
 * a newer version may add are kept. A property: every record built the way the commands build
 * them validates, and round-trips through the envelope (serialize, parseEnvelope) unchanged.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AccessRecord } from "../../src/domain/access.js";
import type { AnyDisclosure } from "../../src/domain/accounting.js";
import type { AmendmentRecord } from "../../src/domain/amendment.js";
import type { ClientRecord } from "../../src/domain/client.js";
import type { ConsentRecord } from "../../src/domain/consent.js";
import type { DxEventRecord } from "../../src/domain/dx.js";
import { makeId, type IdKind } from "../../src/domain/ids.js";
import type { MedEventRecord } from "../../src/domain/med.js";
import type { NoteRecord } from "../../src/domain/note.js";
import { recordPath, type AnyRecord, type ChartRecord } from "../../src/domain/record.js";
import { fieldNames, isChartRecord, shapeProblems, SHAPES } from "../../src/domain/record-shape.js";
import type { VoidRecord } from "../../src/domain/void.js";
import { parseEnvelope, serialize } from "../../src/store/envelope.js";
import { runs } from "../support/runs.js";

const newId = (k: IdKind) => makeId(k, new Uint8Array(randomBytes(16)));
const cid = newId("client");
const at = "2025-01-10T10:00:00Z";
const env = (kind: IdKind, id = newId(kind)) => ({ chart: 1 as const, id, client: kind === "client" ? id : cid, created: at });

const client: ClientRecord = { ...env("client"), kind: "client", name: "Ann Example", status: "active", admitted: "2025-01-02" };
const note: NoteRecord = { ...env("note"), kind: "note", type: "progress", template: "soap", date: "2025-01-10", status: "draft", body: "text\n" };
const signedNote: NoteRecord = { ...note, id: newId("note"), status: "signed", duration: 50, cpt: "90837", labels: ["SUD"], signed: { by: "Dr A", key: "age1abc", at, hash: "sha256:00" } };
const addendum: NoteRecord = { ...note, id: newId("note"), type: "addendum", template: "free", addendumTo: signedNote.id };
const start: MedEventRecord = (() => {
  const id = newId("med");
  return { ...env("med", id), kind: "med", event: "start", med: id, date: "2025-02-01", name: "sertraline", dose: "50 mg" };
})();
const change: MedEventRecord = { ...env("med"), kind: "med", event: "change", med: start.id, date: "2025-03-01", dose: "100 mg" };
const stop: MedEventRecord = { ...env("med"), kind: "med", event: "stop", med: start.id, date: "2025-04-01", reason: "done" };
const dxAdd: DxEventRecord = { ...env("dx"), kind: "dx", event: "add", code: "F41.1", date: "2025-01-10", status: "active", primary: true, withoutLabels: ["SUD"], forced: { codeSet: "2025" } };
const dxStatus: DxEventRecord = { ...env("dx"), kind: "dx", event: "status", code: "F41.1", date: "2025-02-10", status: "resolved" };
const grant: ConsentRecord = { ...env("consent"), kind: "consent", event: "grant", recipient: { name: "Dr Psych", organization: "Clinic" }, discloser: "Dr A", purposes: ["care"], categories: ["notes", "diagnoses"], signed: "2025-01-05", signedBy: "Ann Example", expires: "2026-01-01", statements: ["s"], form: { sha256: "ab", bytes: 10 }, nameless: true };
const revoke: ConsentRecord = { ...env("consent"), kind: "consent", event: "revoke", revokes: grant.id, date: "2025-02-01" };
const share: AnyDisclosure = { ...env("disclosure"), kind: "disclosure", date: "2025-01-20", at, consent: grant.id, recipient: { name: "Dr Psych" }, purposes: ["care"], description: "1 note", items: [note.id], formats: ["pdf"], bundleHash: "sha256:00", files: [{ name: "record.pdf", sha256: "00" }], encrypted: false };
const accountable: AnyDisclosure = { ...env("disclosure"), kind: "disclosure", basis: "serious-threat", date: "2025-01-21", at, recipient: { name: "Police" }, purposes: ["duty to warn"], description: "risk", items: [] };
const provided: AnyDisclosure = { ...env("disclosure"), kind: "disclosure", basis: "individual", date: "2025-01-22", at, requested: "2025-01-15", recipient: { name: "the client" }, purposes: ["accounting"], description: "accounting", items: [accountable.id], from: "2019-01-22", until: "2025-01-22", files: [{ name: "accounting.pdf", sha256: "00" }] };
const voidRec: VoidRecord = { ...env("void"), kind: "void", target: note.id, targetKind: "note", date: "2025-01-11", at, by: "Dr A", reason: "entered in error" };
const request = newId("access");
const access: AccessRecord[] = [
  { ...env("access", request), kind: "access", event: "request", received: "2025-01-01", formats: ["pdf"] },
  { ...env("access"), kind: "access", event: "extend", request, date: "2025-01-20", reason: "off site" },
  { ...env("access"), kind: "access", event: "deny", request, date: "2025-01-21", scope: "private-passages", reason: "harm", by: "Dr A" },
  { ...env("access"), kind: "access", event: "fulfil", request, date: "2025-01-22", at, by: "Dr A", formats: ["pdf"], files: [{ name: "record.pdf", sha256: "00" }], encryption: "none", privateWithheld: true },
];
const amRequest = newId("amendment");
const amendments: AmendmentRecord[] = [
  { ...env("amendment", amRequest), kind: "amendment", event: "request", note: note.id, text: "please", received: "2025-01-01" },
  { ...env("amendment"), kind: "amendment", event: "deny", request: amRequest, date: "2025-01-05", by: "Dr A", addendum: addendum.id, reason: "accurate" },
  { ...env("amendment"), kind: "amendment", event: "statement", request: amRequest, date: "2025-01-06", by: "Dr A", addendum: addendum.id, text: "I disagree" },
];

const VALID: [string, ChartRecord][] = [
  ["client", client],
  ["note (draft)", note],
  ["note (signed)", signedNote],
  ["note (addendum)", addendum],
  ["med start", start],
  ["med change", change],
  ["med stop", stop],
  ["dx add", dxAdd],
  ["dx status", dxStatus],
  ["consent grant", grant],
  ["consent revoke", revoke],
  ["disclosure (share)", share],
  ["disclosure (accountable)", accountable],
  ["disclosure (provided)", provided],
  ["void", voidRec],
  ...access.map((r): [string, ChartRecord] => [`access ${r.event}`, r]),
  ...amendments.map((r): [string, ChartRecord] => [`amendment ${r.event}`, r]),
];

/** A record as the loose type the read path has before the shape is checked. */
const loose = (r: ChartRecord): AnyRecord => ({ ...r });

/** The fields a record of this kind and variant must carry, from the shape table. */
function required(r: ChartRecord): string[] {
  const s = SHAPES[r.kind];
  if (!("variants" in s)) return ["created", ...Object.keys(s.required)];
  const v = s.pick(loose(r)[s.on]);
  // Without its basis a disclosure is a share (its own variant), so 'basis' is not "missing".
  return ["created", ...Object.keys((s.variants[v ?? ""] ?? { required: {} }).required)].filter((f) => f !== "basis");
}

describe("record shapes: valid records", () => {
  it.each(VALID)("%s is valid", (_what, r) => {
    expect(shapeProblems(loose(r))).toEqual([]);
    expect(isChartRecord(loose(r))).toBe(true);
  });

  it("every kind has at least one valid sample here", () => {
    expect(new Set(VALID.map(([, r]) => r.kind))).toEqual(new Set(Object.keys(SHAPES)));
  });

  it("fields this version does not know (a newer version's) are kept and not looked at", () => {
    expect(shapeProblems({ ...loose(note), colour: "red", reviewedBy: { name: 1 } })).toEqual([]);
  });

  it("records as 0.1.0 wrote them (no statements, form or nameless on a grant; no withoutLabels on dx) are valid", () => {
    const { statements: _s, form: _f, nameless: _n, ...old } = grant;
    expect(shapeProblems(old)).toEqual([]);
    const { withoutLabels: _w, forced: _fo, primary: _p, ...oldDx } = dxAdd;
    expect(shapeProblems(oldDx)).toEqual([]);
    // a disclosure brought in by import without the bundle's details
    const { consent: _c, items: _i, formats: _fm, bundleHash: _b, files: _fl, encrypted: _e, ...imported } = share;
    expect(shapeProblems(imported)).toEqual([]);
  });
});

describe("record shapes: refusals name the field, never the value", () => {
  for (const [what, r] of VALID) {
    it(`${what}: each required field missing is named`, () => {
      const fields = required(r);
      expect(fields.length).toBeGreaterThan(0);
      for (const f of fields) {
        const x = loose(r);
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- f runs over the shape's required fields
        delete x[f];
        expect(shapeProblems(x), f).toContain(`missing '${f}'`);
      }
    });
  }

  for (const [what, r] of VALID) {
    it(`${what}: each present field of the wrong type is named`, () => {
      for (const f of fieldNames(r.kind)) {
        if (["kind", "id", "client", "chart"].includes(f)) continue;
        const v = loose(r)[f];
        if (v === undefined) continue;
        // A value of another type than the field's: a map for a scalar, text for a map or a list.
        const wrong = typeof v === "object" ? "SecretValue" : { SecretValue: 1 };
        const problems = shapeProblems({ ...loose(r), [f]: wrong });
        expect(problems.length, f).toBeGreaterThan(0);
        expect(problems.join(" "), f).toContain(`'${f}'`);
        expect(problems.join(" ")).not.toContain("SecretValue");
      }
    });
  }

  it.each<[string, AnyRecord, RegExp]>([
    ["a note type this version does not know", { ...loose(note), type: "group" }, /'type' must be one of/],
    ["a note date that is not a date", { ...loose(note), date: "2025-02-30" }, /'date' is not a date/],
    ["a duration of 0", { ...loose(signedNote), duration: 0 }, /'duration' must be a whole number of minutes/],
    ["a duration as text", { ...loose(signedNote), duration: "50" }, /'duration'/],
    ["a malformed CPT code", { ...loose(signedNote), cpt: "9083" }, /'cpt' must be five characters/],
    ["an unknown label", { ...loose(signedNote), labels: ["SECRET"] }, /'labels' must be a list of label names/],
    ["a signature without its hash", { ...loose(signedNote), signed: { by: "a", key: "b", at } }, /'signed' must have by, key, at and hash/],
    ["a med start without a name", { ...loose(start), name: undefined }, /missing 'name'/],
    ["a med event of an unknown type", { ...loose(change), event: "pause" }, /'event' must be one of: start, change, stop/],
    ["a dx status this version does not know", { ...loose(dxStatus), status: "remission" }, /'status' must be one of/],
    ["primary as text", { ...loose(dxAdd), primary: "yes" }, /'primary' must be true or false/],
    ["a share category this version does not know", { ...loose(grant), categories: ["notes", "genetics"] }, /'categories' must be a list of/],
    ["a recipient without a name", { ...loose(grant), recipient: { organization: "x" } }, /'recipient' must be a recipient/],
    ["a legal basis this version does not know", { ...loose(accountable), basis: "curiosity" }, /'basis' must be one of/],
    ["a created time that is not an instant", { ...loose(note), created: "yesterday" }, /'created' is not an ISO timestamp/],
    ["a void of a kind that is never voided", { ...loose(voidRec), targetKind: "disclosure" }, /'targetKind' must be one of/],
    ["a fulfilment without its files", { ...loose(access[3] as ChartRecord), files: undefined }, /missing 'files'/],
    ["an amendment outcome naming no addendum", { ...loose(amendments[1] as ChartRecord), addendum: "nt_short" }, /'addendum' is not a note id/],
  ])("%s", (_what, r, re) => {
    const problems = shapeProblems(r);
    expect(problems.some((p) => re.test(p)), problems.join("; ")).toBe(true);
    expect(isChartRecord(r)).toBe(false);
  });
});

// --- property: what the commands build validates and round-trips -------------------------

const day = fc.integer({ min: 0, max: 3000 }).map((k) => new Date(Date.UTC(2018, 0, 1 + k)).toISOString().slice(0, 10));
const instant = fc.integer({ min: 0, max: 3000 * 86400 }).map((s) => new Date(Date.UTC(2018, 0, 1) + s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"));
const words = fc.string({ minLength: 1, maxLength: 30 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const label = fc.constantFrom("SUD", "ETH", "HIV", "SDV", "PSY" as const);
/** Drop fields left undefined, as a record on disk has them. */
const defined = <T extends object>(r: T): T => JSON.parse(JSON.stringify(r)) as T;

const noteArb: fc.Arbitrary<ChartRecord> = fc
  .record({ type: fc.constantFrom("progress", "intake", "treatment-plan", "contact", "psychotherapy" as const), date: day, created: instant, duration: opt(fc.integer({ min: 1, max: 1440 })), cpt: opt(fc.constantFrom("90834", "90837", "9083T")), labels: opt(fc.uniqueArray(label, { minLength: 1 })), body: fc.stringMatching(/^[A-Za-z0-9 .,<>/#*-]{1,60}$/), signed: fc.boolean() })
  .map((n) => {
    const r: NoteRecord = { chart: 1, kind: "note", id: newId("note"), client: cid, created: n.created, type: n.type, template: "free", date: n.date, status: n.signed ? "signed" : "draft", body: `${n.body.trim() || "x"}\n`, duration: n.duration, cpt: n.cpt, labels: n.labels };
    if (n.signed) r.signed = { by: "Dr A", key: "age1abc", at: n.created, hash: "sha256:00" };
    return defined(r);
  });
const medArb: fc.Arbitrary<ChartRecord> = fc.record({ event: fc.constantFrom("start", "change", "stop" as const), date: day, created: instant, dose: opt(words), reason: opt(words), labels: opt(fc.uniqueArray(label, { minLength: 1 })) }).map((m) => {
  const id = newId("med");
  return defined<MedEventRecord>({ chart: 1, kind: "med", id, client: cid, created: m.created, event: m.event, med: m.event === "start" ? id : newId("med"), date: m.date, name: m.event === "start" ? "sertraline" : undefined, dose: m.dose, reason: m.reason, labels: m.labels });
});
const dxArb: fc.Arbitrary<ChartRecord> = fc.record({ add: fc.boolean(), date: day, created: instant, status: fc.constantFrom("provisional", "active", "resolved", "ruled-out" as const), primary: opt(fc.boolean()), description: opt(words) }).map((d) =>
  defined<DxEventRecord>({ chart: 1, kind: "dx", id: newId("dx"), client: cid, created: d.created, event: d.add ? "add" : "status", code: "F41.1", date: d.date, status: d.status, primary: d.primary, description: d.description }),
);
const clientArb: fc.Arbitrary<ChartRecord> = fc.record({ name: words, admitted: day, created: instant, dob: opt(day), pronouns: opt(words), discharged: opt(day) }).map((c) => {
  const id = newId("client");
  return defined<ClientRecord>({ chart: 1, kind: "client", id, client: id, created: c.created, name: c.name, status: c.discharged ? "discharged" : "active", admitted: c.admitted, dob: c.dob, pronouns: c.pronouns, discharged: c.discharged });
});
const consentArb: fc.Arbitrary<ChartRecord> = fc.record({ grant: fc.boolean(), signed: day, created: instant, categories: fc.uniqueArray(fc.constantFrom("demographics", "diagnoses", "medications", "notes", "substance-use" as const), { minLength: 1 }), purpose: words, expires: opt(day) }).map((c) =>
  c.grant
    ? defined<ConsentRecord>({ chart: 1, kind: "consent", event: "grant", id: newId("consent"), client: cid, created: c.created, recipient: { name: "Dr B" }, discloser: "Dr A", purposes: [c.purpose], categories: c.categories, signed: c.signed, signedBy: "Ann", expires: c.expires, statements: ["s"] })
    : defined<ConsentRecord>({ chart: 1, kind: "consent", event: "revoke", id: newId("consent"), client: cid, created: c.created, revokes: newId("consent"), date: c.signed }),
);
const otherArb: fc.Arbitrary<ChartRecord> = fc.constantFrom<ChartRecord>(share, accountable, provided, voidRec, ...access, ...amendments);
const recordArb = fc.oneof(noteArb, medArb, dxArb, clientArb, consentArb, otherArb);

describe("record shapes: property", () => {
  const key = new Uint8Array(randomBytes(32));
  it("every record built as the commands build it validates, and round-trips through the envelope unchanged", () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(shapeProblems(loose(r))).toEqual([]);
        const path = recordPath(r.kind, r.client, r.id);
        const back = parseEnvelope(serialize(r, path, key), path, key);
        expect(shapeProblems(back)).toEqual([]);
        expect(back).toEqual(r);
      }),
      { numRuns: runs(300) },
    );
  });
});
