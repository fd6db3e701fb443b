import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClientRecord } from "../../src/domain/client.js";
import {
  SHARE_CATEGORIES,
  type ConsentGrant,
  type ConsentRevocation,
  type ShareCategory,
} from "../../src/domain/consent.js";
import { addDays } from "../../src/domain/dates.js";
import { foldDiagnoses, type DxEventRecord, type DxStatus } from "../../src/domain/dx.js";
import { ChartError } from "../../src/domain/errors.js";
import { makeId, type IdKind } from "../../src/domain/ids.js";
import { dxEventLabels } from "../../src/domain/dx-labels.js";
import type { Label } from "../../src/domain/labels.js";
import { foldMedications, type MedEventRecord } from "../../src/domain/med.js";
import { WITHHELD_MARKER, type NoteRecord, type NoteType } from "../../src/domain/note.js";
import { describeShare, explainShare, selectShare, type ShareInput } from "../../src/domain/selection.js";
import type { ShareView } from "../../src/domain/share-view.js";
import { renderFhir } from "../../src/export/fhir.js";
import { buildManifest, manifestText } from "../../src/export/manifest.js";
import { renderPdf } from "../../src/export/pdf.js";
import { pdfModel } from "../../src/export/pdf-model.js";
import { voidedIds, type VoidRecord } from "../../src/domain/void.js";
import { fhirErrors } from "../export/fhir-validate.js";
import { fhirText } from "../support/fhir-text.js";
import { runs } from "../support/runs.js";

// ---------------------------------------------------------------------------------------------
// Generated charts. Every free-text field carries a unique marker (ZQ<kind><n>QZ) so the test
// can tell, from JSON.stringify(view) alone, which fields reached the view.

const BASE = "2022-01-01";
const day = (n: number) => addDays(BASE, n);
const SPAN = 900;

let idCounter = 0;
function id(kind: IdKind): string {
  const b = new Uint8Array(16);
  let n = ++idCounter;
  for (let i = 15; i >= 0 && n > 0; i--) {
    b[i] = n & 0xff;
    n >>>= 8;
  }
  b[0] = 0x5a; // keep ids far from markers
  return makeId(kind, b);
}

const LABEL_POOL: Label[] = ["SUD", "ETH", "HIV", "SDV", "PSYTHPN", "PSY", "MH", "STD"];
const labelsArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant([] as Label[]) },
  { weight: 2, arbitrary: fc.uniqueArray(fc.constantFrom(...LABEL_POOL), { maxLength: 2 }) },
);
const dateArb = fc.integer({ min: 0, max: SPAN });

interface NoteSpec {
  type: NoteType;
  date: number;
  signed: boolean;
  labels: Label[];
  privates: number;
  addenda: { date: number; signed: boolean; labels: Label[]; privates: number }[];
}
const noteArb: fc.Arbitrary<NoteSpec> = fc.record({
  type: fc.constantFrom<NoteType>("progress", "intake", "treatment-plan", "contact", "psychotherapy"),
  date: dateArb,
  signed: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  labels: labelsArb,
  privates: fc.integer({ min: 0, max: 2 }),
  addenda: fc.array(
    fc.record({ date: fc.integer({ min: 0, max: 200 }), signed: fc.oneof(fc.constant(true), fc.boolean()), labels: labelsArb, privates: fc.integer({ min: 0, max: 1 }) }),
    { maxLength: 2 },
  ),
});

interface MedSpec {
  start: number;
  hasStart: boolean;
  labels: Label[];
  changes: { offset: number; labels: Label[] }[];
  stop?: number;
}
const medArb: fc.Arbitrary<MedSpec> = fc.record({
  start: dateArb,
  hasStart: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  labels: labelsArb,
  changes: fc.array(fc.record({ offset: fc.integer({ min: 0, max: 300 }), labels: labelsArb }), { maxLength: 2 }),
  stop: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
});

interface DxSpec {
  code: string;
  added: number;
  labels: Label[];
  changes: { offset: number; status: DxStatus; labels: Label[] }[];
}
const dxArb: fc.Arbitrary<DxSpec> = fc.record({
  code: fc.constantFrom("F41.1", "F32.0", "F10.20", "B20", "Z63.0", "F43.10"),
  added: dateArb,
  labels: labelsArb,
  changes: fc.array(
    fc.record({ offset: fc.integer({ min: 0, max: 300 }), status: fc.constantFrom<DxStatus>("active", "resolved", "ruled-out"), labels: labelsArb }),
    { maxLength: 2 },
  ),
});

interface ConsentSpec {
  categories: ShareCategory[];
  from?: number;
  until?: number;
  signed: number;
  expires?: number;
  revoked?: number;
  signedByClient: boolean;
  today: number;
  otherClient: boolean;
}
const validCategories = fc.oneof(
  { weight: 1, arbitrary: fc.constant<ShareCategory[]>(["psychotherapy-notes"]) },
  { weight: 6, arbitrary: fc.subarray(SHARE_CATEGORIES.filter((c) => c !== "psychotherapy-notes"), { minLength: 1 }) },
  { weight: 1, arbitrary: fc.subarray([...SHARE_CATEGORIES], { minLength: 1 }) }, // may be an invalid record
);
const consentArb: fc.Arbitrary<ConsentSpec> = fc.record({
  categories: validCategories,
  from: fc.option(dateArb, { nil: undefined }),
  until: fc.option(dateArb, { nil: undefined }),
  signed: dateArb,
  expires: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: undefined }), // days after signing
  revoked: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 600 }) }), // days after signing
  signedByClient: fc.boolean(),
  today: fc.integer({ min: -30, max: 500 }), // days after signing
  otherClient: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const chartArb = fc.record({
  notes: fc.array(noteArb, { maxLength: 8 }),
  orphanAddenda: fc.integer({ min: 0, max: 1 }),
  meds: fc.array(medArb, { maxLength: 4 }),
  dx: fc.array(dxArb, { maxLength: 4 }),
  profile: fc.record({ dob: fc.boolean(), email: fc.boolean(), pronouns: fc.boolean() }),
  consent: consentArb,
});
type ChartSpec = typeof chartArb extends fc.Arbitrary<infer T> ? T : never;

/** Everything generated, with the marker of each field and the facts the oracle needs. */
interface Built {
  input: ShareInput;
  grant: ConsentGrant;
  revocations: ConsentRevocation[];
  today: string;
  always: string[]; // markers that must appear whenever a view is produced (the consent)
  never: string[]; // markers that must never appear (private passages, fields never shared)
  demographics: string[]; // profile markers
  noteMarkers: Map<string, string>; // record id -> body marker (notes and addenda)
  medMarkers: { med: string; events: { id: string; date: string; marker: string; kind: string }[] }[];
  dxMarkers: { code: string; events: { id: string; date: string; marker: string }[] }[];
}

function build(spec: ChartSpec): Built {
  let k = 0;
  const mk = (kind: string) => `ZQ${kind}${String(++k).padStart(4, "0")}QZ`;
  const never: string[] = [];
  const cid = id("client");
  const created = (d: string, i = 0) => `${d}T10:00:${String(i % 60).padStart(2, "0")}Z`;
  const profile: ClientRecord = {
    chart: 1,
    kind: "client",
    id: cid,
    client: cid,
    created: created(BASE),
    name: `Client ${mk("N")}`,
    status: "active",
    admitted: BASE,
    emergencyContact: mk("EC"),
  };
  never.push(profile.emergencyContact as string);
  const demographics = [profile.name.slice(7)];
  if (spec.profile.dob) profile.dob = "1990-05-17";
  if (spec.profile.email) {
    profile.email = `${mk("EM")}@example.org`;
    demographics.push(profile.email.slice(0, 10));
  }
  if (spec.profile.pronouns) {
    profile.pronouns = mk("PR");
    demographics.push(profile.pronouns);
  }
  const noteMarkers = new Map<string, string>();
  const notes: NoteRecord[] = [];
  const body = (marker: string, privates: number) => {
    let b = `Session text ${marker}.\n`;
    for (let i = 0; i < privates; i++) {
      const p = mk("PV");
      never.push(p);
      b += i % 2 ? `More <private>\n${p} spans\nlines</private> after.\n` : `Said <PRIVATE>${p}</private> then.\n`;
    }
    return b;
  };
  spec.notes.forEach((n, i) => {
    const marker = mk("NT");
    const nid = id("note");
    const date = day(n.date);
    const rec: NoteRecord = {
      chart: 1,
      kind: "note",
      id: nid,
      client: cid,
      created: created(date, i),
      type: n.type,
      template: "free",
      date,
      status: n.signed ? "signed" : "draft",
      body: body(marker, n.privates),
    };
    if (n.labels.length) rec.labels = n.labels;
    if (n.signed) rec.signed = { by: "Dr Test", key: "age1x", at: created(date, i), hash: "sha256:00" };
    notes.push(rec);
    noteMarkers.set(nid, marker);
    n.addenda.forEach((a, j) => {
      const am = mk("AD");
      const aid = id("note");
      const ad = day(n.date + a.date);
      const add: NoteRecord = {
        chart: 1,
        kind: "note",
        id: aid,
        client: cid,
        created: created(ad, j),
        type: "addendum",
        template: "free",
        date: ad,
        status: a.signed ? "signed" : "draft",
        addendumTo: nid,
        body: body(am, a.privates),
      };
      if (a.labels.length) add.labels = a.labels;
      notes.push(add);
      noteMarkers.set(aid, am);
    });
  });
  for (let i = 0; i < spec.orphanAddenda; i++) {
    const am = mk("OA");
    const aid = id("note");
    notes.push({ chart: 1, kind: "note", id: aid, client: cid, created: created(BASE), type: "addendum", template: "free", date: BASE, status: "signed", addendumTo: id("note"), body: `Orphan ${am}\n` });
    noteMarkers.set(aid, am);
  }

  const meds: MedEventRecord[] = [];
  const medMarkers: Built["medMarkers"] = [];
  for (const m of spec.meds) {
    const startId = id("med");
    const events: Built["medMarkers"][number]["events"] = [];
    const sd = day(m.start);
    const name = mk("MN");
    const reason = mk("MR");
    never.push(reason); // a start reason is never part of a share
    if (m.hasStart) {
      const e: MedEventRecord = { chart: 1, kind: "med", id: startId, client: cid, created: created(sd), event: "start", med: startId, date: sd, name, dose: mk("MD"), prescriber: mk("MP"), reason };
      if (m.labels.length) e.labels = m.labels;
      meds.push(e);
      events.push({ id: startId, date: sd, marker: name, kind: "start" });
      events.push({ id: startId, date: sd, marker: e.dose as string, kind: "start" });
    }
    m.changes.forEach((c, i) => {
      const cd = addDays(sd, c.offset);
      const e: MedEventRecord = { chart: 1, kind: "med", id: id("med"), client: cid, created: created(cd, i + 1), event: "change", med: startId, date: cd, dose: mk("MD") };
      if (c.labels.length) e.labels = c.labels;
      meds.push(e);
      events.push({ id: e.id, date: cd, marker: e.dose as string, kind: "change" });
    });
    if (m.stop !== undefined) {
      const xd = addDays(sd, m.stop);
      const e: MedEventRecord = { chart: 1, kind: "med", id: id("med"), client: cid, created: created(xd, 59), event: "stop", med: startId, date: xd, reason: mk("MS") };
      meds.push(e);
      events.push({ id: e.id, date: xd, marker: e.reason as string, kind: "stop" });
    }
    medMarkers.push({ med: startId, events });
  }

  const dx: DxEventRecord[] = [];
  const dxMarkers: Built["dxMarkers"] = [];
  const seen = new Set<string>();
  for (const d of spec.dx) {
    if (seen.has(d.code)) continue;
    seen.add(d.code);
    const ad = day(d.added);
    const first: DxEventRecord = { chart: 1, kind: "dx", id: id("dx"), client: cid, created: created(ad), event: "add", code: d.code, date: ad, status: "active", description: mk("DX") };
    if (d.labels.length) first.labels = d.labels;
    dx.push(first);
    const events = [{ id: first.id, date: ad, marker: first.description as string }];
    d.changes.forEach((c, i) => {
      const cd = addDays(ad, c.offset);
      const e: DxEventRecord = { chart: 1, kind: "dx", id: id("dx"), client: cid, created: created(cd, i + 1), event: i % 2 ? "add" : "status", code: d.code, date: cd, status: c.status, description: mk("DX") };
      if (e.event === "add" && (c.status === "resolved" || c.status === "ruled-out")) e.status = "active";
      if (c.labels.length) e.labels = c.labels;
      if (e.event === "status") delete e.description;
      dx.push(e);
      if (e.description) events.push({ id: e.id, date: cd, marker: e.description });
    });
    dxMarkers.push({ code: d.code, events });
  }

  const c = spec.consent;
  const gid = id("consent");
  const signed = day(c.signed);
  const grant: ConsentGrant = {
    chart: 1,
    kind: "consent",
    event: "grant",
    id: gid,
    client: c.otherClient ? id("client") : cid,
    created: created(signed),
    recipient: { name: `Dr ${mk("RC")}`, organization: mk("RO") },
    discloser: "Dr Test",
    purposes: [mk("PU")],
    categories: c.categories,
    signed,
    signedBy: c.signedByClient ? profile.name : `Parent ${mk("SB")}`,
  };
  if (!c.signedByClient) grant.authority = "parent of a minor";
  if (c.from !== undefined) grant.from = day(c.from);
  if (c.until !== undefined) grant.until = day(c.until);
  if (grant.from && grant.until && grant.from > grant.until) [grant.from, grant.until] = [grant.until, grant.from];
  if (c.expires !== undefined) grant.expires = day(c.signed + c.expires);
  else grant.expiresOn = "end of treatment";
  const revocations: ConsentRevocation[] = [];
  if (c.revoked !== undefined) {
    revocations.push({ chart: 1, kind: "consent", event: "revoke", id: id("consent"), client: cid, created: created(signed), revokes: gid, date: day(c.signed + c.revoked) });
  }
  const always = [grant.recipient.name.slice(3), grant.recipient.organization as string, ...grant.purposes];
  return { input: { profile, notes, meds, dx }, grant, revocations, today: day(c.signed + c.today), always, never, demographics, noteMarkers, medMarkers, dxMarkers };
}

// ---------------------------------------------------------------------------------------------
// The oracle: the rules restated plainly, independently of the implementation.

const GENERAL = new Set<Label>(["PSY", "BH", "MH"]);
function labelOk(l: Label, cats: readonly ShareCategory[]): boolean {
  if (GENERAL.has(l)) return true;
  if (l === "SUD" || l === "ETH") return cats.includes("substance-use");
  if (l === "HIV") return cats.includes("hiv");
  if (l === "SDV") return cats.includes("sdv");
  if (l === "PSYTHPN") return cats.includes("psychotherapy-notes");
  return false;
}
const allOk = (ls: readonly Label[] | undefined, cats: readonly ShareCategory[]) => (ls ?? []).every((l) => labelOk(l, cats));

function expectedStatus(b: Built): "active" | "refused" {
  const g = b.grant;
  if (g.client !== b.input.profile.id) return "refused";
  if (b.revocations.length) return "refused"; // in effect once recorded, whatever its date
  if (g.signed > b.today) return "refused";
  if (g.expires && g.expires < b.today) return "refused";
  if (g.categories.includes("psychotherapy-notes") && g.categories.length > 1) return "refused";
  return "active";
}

interface Expected {
  items: Set<string>;
  shownMarkers: string[];
  hiddenMarkers: string[];
  labels: Set<Label>;
}

function expected(b: Built): Expected {
  const cats = b.grant.categories;
  const lo = b.grant.from;
  const hi = b.grant.until && b.grant.until < b.today ? b.grant.until : b.today;
  const inRange = (d: string) => (!lo || d >= lo) && d <= hi;
  const items = new Set<string>();
  const shown: string[] = [];
  const hidden: string[] = [];
  const labels = new Set<Label>();
  const { profile } = b.input;
  if (cats.includes("demographics")) {
    items.add(profile.id);
    shown.push(...b.demographics);
  } else hidden.push(...b.demographics);
  const notes = b.input.notes;
  const byId = new Map(notes.map((n) => [n.id, n]));
  for (const n of notes) {
    const marker = b.noteMarkers.get(n.id) as string;
    let ok: boolean;
    let ls: Label[];
    if (n.type === "addendum") {
      const p = byId.get(n.addendumTo as string);
      const pPsy = p ? p.type === "psychotherapy" || (p.labels ?? []).includes("PSYTHPN") : false;
      ls = [...((n.labels ?? []) as Label[]), ...(pPsy ? (["PSYTHPN"] as Label[]) : [])];
      ok = !!p && noteOk(p) && allOk(ls, cats) && n.status === "signed";
    } else {
      ok = noteOk(n);
      const psy = n.type === "psychotherapy" || (n.labels ?? []).includes("PSYTHPN");
      ls = [...((n.labels ?? []) as Label[]), ...(psy ? (["PSYTHPN"] as Label[]) : [])];
    }
    if (ok) {
      items.add(n.id);
      shown.push(marker);
      ls.forEach((l) => labels.add(l));
    } else hidden.push(marker);
  }
  function noteOk(n: NoteRecord): boolean {
    const psy = n.type === "psychotherapy" || (n.labels ?? []).includes("PSYTHPN");
    const cat: ShareCategory = psy ? "psychotherapy-notes" : "notes";
    const ls = [...((n.labels ?? []) as Label[]), ...(psy ? (["PSYTHPN"] as Label[]) : [])];
    return cats.includes(cat) && inRange(n.date) && allOk(ls, cats) && n.status === "signed";
  }
  for (const m of b.medMarkers) {
    const events = b.input.meds.filter((e) => e.med === m.med);
    const start = events.find((e) => e.event === "start");
    const allLabels = events.flatMap((e) => (e.labels ?? []));
    const cut = events.filter((e) => e.date <= hi);
    // which events apply is the medication module's rule (tested there); the fold tells
    const f = foldMedications(cut)[0];
    const ok = cats.includes("medications") && !!start && !!f && allOk(allLabels, cats) && !(lo && f.stopped && f.stopped < lo);
    for (const e of m.events) {
      if (!ok || e.date > hi || !f.events.includes(e.id)) hidden.push(e.marker);
    }
    if (ok) {
      shown.push((m.events[0] as { marker: string }).marker); // the name
      for (const id of f.events) items.add(id);
      allLabels.forEach((l) => labels.add(l));
    }
  }
  for (const d of b.dxMarkers) {
    const events = b.input.dx.filter((e) => e.code === d.code);
    // a code's implied labels (SUD, HIV) count whether or not the event stored them
    const allLabels = events.flatMap((e) => dxEventLabels(e));
    const cut = events.filter((e) => e.date <= hi);
    const f = cut.length ? foldDiagnoses(cut)[0] : undefined;
    const ok = cats.includes("diagnoses") && !!f && allOk(allLabels, cats) && !(lo && f.resolved && f.resolved < lo);
    for (const e of d.events) if (!ok || e.date > hi || !f.events.includes(e.id)) hidden.push(e.marker);
    if (ok) {
      shown.push(d.code);
      for (const id of f.events) items.add(id);
      allLabels.forEach((l) => labels.add(l));
    }
  }
  return { items, shownMarkers: shown, hiddenMarkers: hidden, labels };
}

// ---------------------------------------------------------------------------------------------

const RESTRICTED_WORDS = /SUD|ETH|HIV|SDV|PSYTHPN|STD|psychotherap|substance|labelled/i;

/** The property, for any rendering of the view (the view itself, FHIR, manifest...). */
function checkView(b: Built, view: ShareView, rendered: string[], opts: { checkShown: boolean }) {
  const exp = expected(b);
  const texts = rendered;
  const found = (m: string) => texts.some((t) => t.includes(m));
  for (const m of b.never) expect(found(m), `never-shared marker ${m} leaked`).toBe(false);
  for (const m of exp.hiddenMarkers) expect(found(m), `withheld marker ${m} leaked`).toBe(false);
  if (opts.checkShown) {
    for (const m of exp.shownMarkers) expect(found(m), `included marker ${m} missing`).toBe(true);
    for (const m of b.always) expect(found(m), `consent marker ${m} missing`).toBe(true);
  }
  expect(new Set(view.items)).toEqual(exp.items);
  expect(new Set(view.labels)).toEqual(exp.labels);
  expect(view.part2).toBe(exp.labels.has("SUD") || exp.labels.has("ETH"));
  // the recipient's account of what was withheld names no sensitive category or label
  expect(JSON.stringify(view.withheld)).not.toMatch(RESTRICTED_WORDS);
  // and the withheld counts never list an item id
  for (const m of b.input.notes) if (!exp.items.has(m.id)) expect(found(m.id)).toBe(false);
}

function runSelection(b: Built): ShareView | ChartError {
  try {
    return selectShare(b.input, { grant: b.grant, revocations: b.revocations }, b.today);
  } catch (e) {
    if (e instanceof ChartError) return e;
    throw e;
  }
}

describe("selectShare: properties", () => {
  it("nothing outside the authorization reaches the view, and everything inside it does", () => {
    let shared = 0;
    fc.assert(
      fc.property(chartArb, (spec) => {
        const b = build(spec);
        const r = runSelection(b);
        if (expectedStatus(b) === "refused") {
          expect(r).toBeInstanceOf(ChartError);
          const e = r as ChartError;
          expect(e.exit).toBe(3);
          expect(e.code).toMatch(/^E_CONSENT_/);
          return;
        }
        expect(r).not.toBeInstanceOf(ChartError);
        const view = r as ShareView;
        shared++;
        checkView(b, view, [JSON.stringify(view)], { checkShown: true });
        // a psychotherapy-notes authorization shares nothing else but the client id
        if (b.grant.categories.includes("psychotherapy-notes")) {
          expect(view.patient).toBeUndefined();
          expect(view.notes ?? view.diagnoses ?? view.medications).toBeUndefined();
          expect(view.psychotherapyNotes).toBeDefined();
        } else expect(view.psychotherapyNotes).toBeUndefined();
        // no private passage survives; markers stand where they were
        for (const n of [...(view.notes ?? []), ...(view.psychotherapyNotes ?? [])]) {
          for (const t of [n.text, ...n.addenda.map((a) => a.text)]) expect(t).not.toMatch(/<\s*\/?\s*private/i);
        }
        // notes oldest first
        const dates = (view.notes ?? []).map((n) => n.date);
        expect(dates).toEqual([...dates].sort());
        // without demographics the client's name appears nowhere, even as the signer
        if (!b.grant.categories.includes("demographics")) expect(JSON.stringify(view)).not.toContain(b.input.profile.name);
      }),
      { numRuns: runs(3000) },
    );
    expect(shared).toBeGreaterThan(runs(3000) / 3); // about half the generated cases share something
  });

  it("is a pure function: same input, same view; input order does not matter", () => {
    fc.assert(
      fc.property(chartArb, fc.integer(), (spec, seed) => {
        const b = build(spec);
        const a = runSelection(b);
        const shuffle = <T,>(xs: readonly T[]) => {
          const out = [...xs];
          let s = seed >>> 0;
          for (let i = out.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) >>> 0;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j] as T, out[i] as T];
          }
          return out;
        };
        const before = JSON.stringify(b.input);
        const c = runSelection({ ...b, input: { ...b.input, notes: shuffle(b.input.notes), meds: shuffle(b.input.meds), dx: shuffle(b.input.dx) } });
        expect(JSON.stringify(b.input)).toBe(before); // the input is not mutated
        if (a instanceof ChartError) expect((c as ChartError).code).toBe(a.code);
        else expect(JSON.stringify(c)).toBe(JSON.stringify(a));
      }),
      { numRuns: runs(500) },
    );
  });

  it("the withheld counts add up with the included items to everything in the chart", () => {
    fc.assert(
      fc.property(chartArb, (spec) => {
        const b = build(spec);
        if (expectedStatus(b) === "refused") return;
        const { view, withheld } = explainShare(b.input, { grant: b.grant, revocations: b.revocations }, b.today);
        const noteIds = new Set(b.input.notes.map((n) => n.id));
        const withheldNotes = new Set(withheld.filter((w) => ["notes", "psychotherapy-notes", "addenda"].includes(w.category)).flatMap((w) => w.items));
        for (const nid of noteIds) expect(view.items.includes(nid) !== withheldNotes.has(nid), nid).toBe(true);
        const priv = withheld.filter((w) => w.category === "private passages").reduce((s, w) => s + w.count, 0);
        const pub = view.withheld.filter((w) => w.category === "private passages").reduce((s, w) => s + w.count, 0);
        expect(pub).toBe(priv);
      }),
      { numRuns: runs(500) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The same property over the rendered outputs: FHIR JSON (attachments decoded), the manifest, the
// PDF's document model, and (fewer runs) the PDF's text read back with pdftotext.

const PDFTOTEXT = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"].find((p) => existsSync(p));
if (!PDFTOTEXT) console.warn("selection.test.ts: pdftotext not found; the PDF is checked through its document model only");


function shareable(spec: ChartSpec): { b: Built; view: ShareView } | undefined {
  const b = build(spec);
  if (expectedStatus(b) === "refused") return undefined;
  return { b, view: selectShare(b.input, { grant: b.grant, revocations: b.revocations }, b.today) };
}

describe("rendered outputs: properties", () => {
  it("nothing outside the authorization reaches the FHIR bundle, the manifest or the PDF model", () => {
    fc.assert(
      fc.property(chartArb, (spec) => {
        const s = shareable(spec);
        if (!s) return;
        const fhir = fhirText(renderFhir(s.view));
        const manifest = manifestText(buildManifest(s.view, [{ name: "record.pdf", sha256: "0".repeat(64) }]));
        const pdf = JSON.stringify(pdfModel(s.view));
        for (const out of [fhir, manifest, pdf]) checkView(s.b, s.view, [out], { checkShown: false });
        checkView(s.b, s.view, [fhir], { checkShown: true });
        checkView(s.b, s.view, [pdf], { checkShown: true });
      }),
      { numRuns: runs(400) },
    );
  });

  it("FHIR bundles of real selections pass the FHIR R4 validators", () => {
    fc.assert(
      fc.property(chartArb, (spec) => {
        const s = shareable(spec);
        if (!s) return;
        expect(fhirErrors(renderFhir(s.view))).toEqual([]);
      }),
      { numRuns: runs(40) },
    );
  }, 120_000);

  it.skipIf(!PDFTOTEXT)("nothing outside the authorization reaches the PDF's text", async () => {
    await fc.assert(
      fc.asyncProperty(chartArb, async (spec) => {
        const s = shareable(spec);
        if (!s) return;
        const pdf = await renderPdf(s.view);
        const r = spawnSync(PDFTOTEXT as string, ["-enc", "UTF-8", "-", "-"], { input: pdf, encoding: "utf8" });
        expect(r.status).toBe(0);
        checkView(s.b, s.view, [r.stdout], { checkShown: true });
      }),
      { numRuns: runs(25) },
    );
  }, 120_000);
});


// ---------------------------------------------------------------------------------------------
// Focused cases

const CID = makeId("client", new Uint8Array(16).fill(1));
const OTHER = makeId("client", new Uint8Array(16).fill(2));
const GID = makeId("consent", new Uint8Array(16).fill(3));
let seq = 10;
const nid = (k: IdKind) => makeId(k, new Uint8Array(16).fill(++seq));

function client(extra: Partial<ClientRecord> = {}): ClientRecord {
  return { chart: 1, kind: "client", id: CID, client: CID, created: "2024-01-01T00:00:00Z", name: "Ada Example", pronouns: "she/her", dob: "1990-02-03", status: "active", admitted: "2024-01-01", emergencyContact: "Bob 555", ...extra };
}
function grant(extra: Partial<ConsentGrant> = {}): ConsentGrant {
  return {
    chart: 1,
    kind: "consent",
    event: "grant",
    id: GID,
    client: CID,
    created: "2024-01-01T00:00:00Z",
    recipient: { name: "Dr Psych", organization: "Clinic" },
    discloser: "Dr Test",
    purposes: ["continuity of care"],
    categories: ["demographics", "diagnoses", "medications", "notes"],
    expires: "2025-12-31",
    signed: "2024-02-01",
    signedBy: "Ada Example",
    ...extra,
  };
}
function note(extra: Partial<NoteRecord> = {}): NoteRecord {
  return { chart: 1, kind: "note", id: nid("note"), client: CID, created: "2024-03-01T10:00:00Z", type: "progress", template: "soap", date: "2024-03-01", status: "signed", signed: { by: "Dr Test", key: "age1x", at: "2024-03-01T11:00:00Z", hash: "sha256:00" }, body: "Doing better.\n", ...extra };
}
const TODAY = "2024-06-01";
const sel = (input: Partial<ShareInput>, g = grant(), revocations: ConsentRevocation[] = [], today = TODAY) =>
  explainShare({ profile: client(), notes: [], meds: [], dx: [], ...input }, { grant: g, revocations }, today);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ChartError) return `${e.exit}:${e.code}`;
    throw e;
  }
  return "ok";
}

describe("selectShare: rules", () => {
  it("refuses expired, revoked, not-yet-signed and other clients' authorizations", () => {
    expect(code(() => sel({}, grant({ expires: "2024-05-31" })))).toBe("3:E_CONSENT_EXPIRED");
    expect(code(() => sel({}, grant({ expires: "2024-06-01" })))).toBe("ok"); // valid through its expiry date
    expect(code(() => sel({}, grant({ signed: "2024-06-02" })))).toBe("3:E_CONSENT_NOT_SIGNED");
    const rev: ConsentRevocation = { chart: 1, kind: "consent", event: "revoke", id: nid("consent"), client: CID, created: "2024-05-01T00:00:00Z", revokes: GID, date: "2024-05-01" };
    expect(code(() => sel({}, grant(), [rev]))).toBe("3:E_CONSENT_REVOKED");
    // dated "tomorrow" by a device in a zone ahead (Pacific/Kiritimati): in effect once recorded
    expect(code(() => sel({}, grant(), [{ ...rev, date: "2024-06-02" }]))).toBe("3:E_CONSENT_REVOKED");
    expect(code(() => sel({}, grant({ client: OTHER })))).toBe("3:E_CONSENT_OTHER_CLIENT");
    expect(code(() => sel({}, grant({ categories: ["notes", "psychotherapy-notes"] })))).toBe("3:E_CONSENT_PSYCHOTHERAPY_COMBINED");
  });

  it("expires an authorization whose expiry event is the end of treatment once the client is discharged", () => {
    const g = grant({ expires: undefined, expiresOn: "end of treatment" });
    expect(code(() => sel({}, g))).toBe("ok");
    expect(code(() => explainShare({ profile: client({ status: "discharged", discharged: "2024-05-20" }), notes: [], meds: [], dx: [] }, { grant: g, revocations: [] }, TODAY))).toBe("3:E_CONSENT_EXPIRED");
  });

  it("shares signed notes in range with their addenda, redacted; counts drafts as unsigned", () => {
    const n1 = note({ body: "Visible <private>hidden thing</private> end.\n" });
    const add = note({ type: "addendum", addendumTo: n1.id, date: "2024-07-30", body: "Correction <private>x</private>.\n", template: "free" });
    const draft = note({ status: "draft", signed: undefined, date: "2024-03-02" });
    const old = note({ date: "2023-01-01" });
    const { view, withheld } = sel({ notes: [n1, add, draft, old] }, grant({ from: "2024-01-01" }));
    expect(view.notes?.map((n) => n.id)).toEqual([n1.id]);
    expect(view.notes?.[0]?.text).toBe("Visible [withheld] end.\n");
    expect(view.notes?.[0]?.addenda.map((a) => a.text)).toEqual(["Correction [withheld].\n"]);
    expect(view.items).toEqual([CID, n1.id, add.id].sort());
    expect(view.withheld).toEqual([
      { category: "notes", reason: "not covered by this authorization", count: 1 },
      { category: "notes", reason: "unsigned draft", count: 1 },
      { category: "private passages", reason: "marked private by the clinician", count: 2 },
    ]);
    expect(withheld.find((w) => w.reason === "outside the authorization's date range")?.items).toEqual([old.id]);
  });

  it("keeps psychotherapy notes apart: only under their own authorization, with nothing else", () => {
    const p = note({ type: "psychotherapy", template: "psychotherapy" });
    const n = note();
    const general = sel({ notes: [p, n] });
    expect(general.view.notes?.map((x) => x.id)).toEqual([n.id]);
    expect(general.view.psychotherapyNotes).toBeUndefined();
    expect(general.withheld.map((w) => w.reason)).toContain("psychotherapy notes need their own authorization");
    const only = sel({ notes: [p, n] }, grant({ categories: ["psychotherapy-notes"] }));
    expect(only.view.psychotherapyNotes?.map((x) => x.id)).toEqual([p.id]);
    expect(only.view.psychotherapyNotes?.[0]?.labels).toEqual(["PSYTHPN"]);
    expect(only.view.notes).toBeUndefined();
    expect(only.view.patient).toBeUndefined();
    expect(only.view.consent.signedBy).toBe("the client");
    expect(JSON.stringify(only.view)).not.toContain("Ada");
    expect(only.view.items).toEqual([p.id]);
  });

  it("shares labelled items only under their sensitivity category; Part 2 when SUD is included", () => {
    const sud = note({ labels: ["SUD"] });
    const hiv = note({ labels: ["HIV"] });
    const std = note({ labels: ["STD"] });
    const general = note({ labels: ["MH"] });
    const a = sel({ notes: [sud, hiv, std, general] });
    expect(a.view.notes?.map((n) => n.id)).toEqual([general.id]);
    expect(a.view.part2).toBe(false);
    expect(a.withheld.map((w) => w.reason)).toEqual(expect.arrayContaining(["labelled SUD: not authorised", "labelled STD: no share category covers it"]));
    expect(JSON.stringify(a.view)).not.toMatch(/SUD|HIV|STD/);
    const b = sel({ notes: [sud, hiv, std, general] }, grant({ categories: ["notes", "substance-use"] }));
    expect(b.view.notes?.map((n) => n.id).sort()).toEqual([sud.id, general.id].sort());
    expect(b.view.part2).toBe(true);
    expect(b.view.labels).toEqual(["MH", "SUD"]);
  });

  it("cuts medication and diagnosis histories at the end of the range", () => {
    const start: MedEventRecord = { chart: 1, kind: "med", id: nid("med"), client: CID, created: "2024-01-05T00:00:00Z", event: "start", med: "", date: "2024-01-05", name: "sertraline", dose: "50 mg", reason: "why" };
    start.med = start.id;
    const change: MedEventRecord = { chart: 1, kind: "med", id: nid("med"), client: CID, created: "2024-04-05T00:00:00Z", event: "change", med: start.id, date: "2024-04-05", dose: "100 mg" };
    const oldStart: MedEventRecord = { ...start, id: nid("med"), date: "2023-01-01", created: "2023-01-01T00:00:00Z", name: "bupropion" };
    oldStart.med = oldStart.id;
    const oldStop: MedEventRecord = { chart: 1, kind: "med", id: nid("med"), client: CID, created: "2023-02-01T00:00:00Z", event: "stop", med: oldStart.id, date: "2023-02-01" };
    const dxAdd: DxEventRecord = { chart: 1, kind: "dx", id: nid("dx"), client: CID, created: "2024-01-05T00:00:00Z", event: "add", code: "F41.1", date: "2024-01-05", status: "provisional", description: "GAD" };
    const dxLater: DxEventRecord = { ...dxAdd, id: nid("dx"), event: "status", status: "active", date: "2024-04-10", created: "2024-04-10T00:00:00Z" };
    const { view, withheld } = sel({ meds: [start, change, oldStart, oldStop], dx: [dxAdd, dxLater] }, grant({ from: "2024-01-01", until: "2024-03-31" }));
    expect(view.medications?.map((m) => [m.name, m.dose])).toEqual([["sertraline", "50 mg"]]);
    expect(view.diagnoses?.map((d) => [d.code, d.status])).toEqual([["F41.1", "provisional"]]);
    expect(view.items).toEqual([CID, start.id, dxAdd.id].sort());
    expect(JSON.stringify(view)).not.toContain("100 mg");
    expect(JSON.stringify(view)).not.toContain("why");
    expect(withheld.find((w) => w.category === "medication history")?.items).toEqual([change.id]);
    expect(withheld.find((w) => w.category === "medications")?.reason).toBe("outside the authorization's date range");
  });

  it("withholds a medication whose history carries an unauthorised label anywhere", () => {
    const start: MedEventRecord = { chart: 1, kind: "med", id: nid("med"), client: CID, created: "2024-01-05T00:00:00Z", event: "start", med: "", date: "2024-01-05", name: "naltrexone" };
    start.med = start.id;
    const change: MedEventRecord = { chart: 1, kind: "med", id: nid("med"), client: CID, created: "2024-08-05T00:00:00Z", event: "change", med: start.id, date: "2024-04-05", labels: ["SUD"] };
    expect(sel({ meds: [start, change] }).view.medications).toEqual([]);
    expect(sel({ meds: [start, change] }, grant({ categories: ["medications", "substance-use"] })).view.medications?.[0]?.labels).toEqual(["SUD"]);
  });

  it("shows demographics only when authorised, and never the emergency contact", () => {
    const a = sel({}).view;
    expect(a.patient).toEqual({ id: CID, name: "Ada Example", pronouns: "she/her", dob: "1990-02-03" });
    expect(JSON.stringify(a)).not.toContain("Bob 555");
    const b = sel({}, grant({ categories: ["notes"], signedBy: "Carl Parent", authority: "parent" })).view;
    expect(b.patient).toBeUndefined();
    expect(b.clientId).toBe(CID);
    expect(b.consent.signedBy).toBe("personal representative");
    expect(b.withheld).toEqual([{ category: "demographics", reason: "not covered by this authorization", count: 1 }]);
  });

  it("gives the same view for the same day, and describes it without content", () => {
    const n = note({ body: "text <private>p</private>\n" });
    const a = sel({ notes: [n] }).view;
    const b = sel({ notes: [n] }).view;
    expect(a).toEqual(b);
    expect(a.generatedAt).toBe("2024-06-01T00:00:00Z");
    expect(describeShare(a)).toBe("demographics, 0 diagnoses, 0 medications, 1 note; 1 private passage withheld");
    expect(a.notes?.[0]?.text).toContain(WITHHELD_MARKER);
  });
});

// ---------------------------------------------------------------------------------------------
// Voided records (docs/corrections.md): whatever is voided never reaches a share.

function voidOf(target: { id: string; client: string }, targetKind: VoidRecord["targetKind"], i: number): VoidRecord {
  return { chart: 1, kind: "void", id: id("void"), client: target.client, created: `2024-01-01T00:00:${String(i % 60).padStart(2, "0")}Z`, target: target.id, targetKind, date: "2024-01-01", at: "2024-01-01T00:00:00Z", by: "Dr Test", reason: `wrong ${i}` };
}

describe("voided records: properties", () => {
  it("voided records never reach a share, and the share equals one made without them", () => {
    let shared = 0;
    let voidedSome = 0;
    fc.assert(
      fc.property(chartArb, fc.array(fc.nat(), { maxLength: 6 }), fc.nat({ max: 40 }), (spec, picks, special) => {
        const b = build(spec);
        const targets: [{ id: string; client: string }, VoidRecord["targetKind"]][] = [
          ...b.input.notes.map((n) => [n, "note"] as [NoteRecord, "note"]),
          ...b.input.meds.map((m) => [m, "med"] as [MedEventRecord, "med"]),
          ...b.input.dx.map((d) => [d, "dx"] as [DxEventRecord, "dx"]),
          ...b.revocations.map((r) => [r, "consent"] as [ConsentRevocation, "consent"]),
        ];
        const voids = targets.length ? picks.map((p, i) => voidOf(targets[p % targets.length]![0], targets[p % targets.length]![1], i)) : [];
        if (special === 0) voids.push(voidOf(b.input.profile, "client", 99));
        if (special === 1) voids.push(voidOf(b.grant, "consent", 98));
        const gone = voidedIds([...b.input.notes, ...b.input.meds, ...b.input.dx, ...b.revocations], voids);
        // addenda of a voided note are voided with it
        for (const n of b.input.notes) if (n.addendumTo && gone.has(n.addendumTo)) expect(gone.has(n.id)).toBe(true);
        const consent = { grant: b.grant, revocations: b.revocations };
        let r: ShareView | ChartError;
        try {
          r = selectShare({ ...b.input, voids }, consent, b.today);
        } catch (e) {
          if (!(e instanceof ChartError)) throw e;
          r = e;
        }
        if (special === 0 && b.grant.client === b.input.profile.id) {
          expect((r as ChartError).code).toMatch(/^E_CLIENT_VOIDED$|^E_CONSENT_/);
          return;
        }
        if (special === 1 && b.grant.client === b.input.profile.id) {
          expect(r).toBeInstanceOf(ChartError);
          return;
        }
        // the same selection over the chart with the voided records taken out
        const keep = <T extends { id: string }>(xs: readonly T[]) => xs.filter((x) => !gone.has(x.id));
        let expected: ShareView | ChartError;
        try {
          expected = selectShare({ profile: b.input.profile, notes: keep(b.input.notes), meds: keep(b.input.meds), dx: keep(b.input.dx) }, { grant: b.grant, revocations: keep(b.revocations) }, b.today);
        } catch (e) {
          if (!(e instanceof ChartError)) throw e;
          expected = e;
        }
        if (expected instanceof ChartError) {
          expect((r as ChartError).code).toBe(expected.code);
          return;
        }
        expect(r).not.toBeInstanceOf(ChartError);
        const view = r as ShareView;
        shared++;
        if (gone.size) voidedSome++;
        expect(JSON.stringify(view)).toBe(JSON.stringify(expected));
        // no voided id and no marker of a voided record is anywhere in the view or its renderings
        const texts = [JSON.stringify(view), fhirText(renderFhir(view)), JSON.stringify(pdfModel(view))];
        const voidedMarkers = [
          ...[...b.noteMarkers].filter(([nid]) => gone.has(nid)).map(([, m]) => m),
          ...b.medMarkers.flatMap((m) => m.events.filter((e) => gone.has(e.id)).map((e) => e.marker)),
          ...b.dxMarkers.flatMap((d) => d.events.filter((e) => gone.has(e.id)).map((e) => e.marker)),
        ];
        for (const t of texts) {
          for (const vid of gone.keys()) expect(view.items).not.toContain(vid);
          for (const m of voidedMarkers) expect(t.includes(m), `voided marker ${m} reached a share`).toBe(false);
        }
      }),
      { numRuns: runs(1500) },
    );
    expect(shared).toBeGreaterThan(runs(1500) / 5);
    expect(voidedSome).toBeGreaterThan(runs(1500) / 15);
  });
});
