/**
 * Export then import into a new chart gives the same records (docs/export.md): a property over
 * generated charts with notes and addenda, medication and diagnosis histories, authorizations
 * and revocations, disclosures and voids. And an export of all clients decrypts each record at
 * most once, none at all when the read cache holds them.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/dates.js";
import { makeId, type IdKind } from "../../src/domain/ids.js";
import { loadIdentity } from "../../src/store/identity.js";
import { readClientsData } from "../../src/store/export-read.js";
import { recordCount } from "../../src/domain/export.js";
import { openChart } from "../../src/store/repo.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { runs } from "../support/runs.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});
async function chart(): Promise<Inproc> {
  const sb = await inprocSandbox();
  homes.push(sb.home);
  return sb;
}

let n = 0;
const id = (k: IdKind) => {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[15] = ++n & 0xff;
  return makeId(k, b);
};

const clientArb = fc.record({
  dob: fc.boolean(),
  discharged: fc.boolean(),
  notes: fc.array(fc.record({ day: fc.nat(300), type: fc.constantFrom("progress", "intake", "psychotherapy", "contact"), signed: fc.boolean(), duration: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }), cpt: fc.option(fc.constantFrom("90834", "90837", "90791"), { nil: undefined }), addenda: fc.nat(2), voided: fc.nat(4), text: fc.string({ minLength: 1, maxLength: 40 }) }), { maxLength: 4 }),
  meds: fc.array(fc.record({ day: fc.nat(200), change: fc.boolean(), stop: fc.boolean(), voidLast: fc.boolean() }), { maxLength: 2 }),
  dx: fc.array(fc.record({ code: fc.constantFrom("F41.1", "F32.0", "F43.10"), day: fc.nat(200), resolve: fc.boolean(), primary: fc.boolean(), voidLast: fc.boolean() }), { maxLength: 2 }),
  consents: fc.array(fc.record({ day: fc.nat(200), revoke: fc.boolean(), disclose: fc.boolean(), voided: fc.boolean() }), { maxLength: 2 }),
  voidClient: fc.nat(6),
  access: fc.nat(2),
});

/** A chart as import lines, voids only where the rules allow them (leaf events, notes, grants). */
function lines(spec: fc.Arbitrary<unknown> extends never ? never : { clients: (typeof clientArb extends fc.Arbitrary<infer T> ? T : never)[] }): string {
  const out: object[] = [];
  const d = (k: number) => addDays("2024-01-01", k);
  const at = (k: number) => `${d(k)}T12:00:00Z`;
  for (const c of spec.clients) {
    const cid = id("client");
    out.push({ kind: "client", id: cid, name: `Client ${cid.slice(3, 9)}`, admitted: "2024-01-01", created: at(0), ...(c.dob ? { dob: "1990-02-03" } : {}), ...(c.discharged ? { status: "discharged", discharged: "2024-12-01" } : {}) });
    const voidOf = (target: string, targetKind: string, k: number) => out.push({ kind: "void", id: id("void"), client: cid, target, targetKind, date: d(k), at: at(k), by: "Dr Test", reason: `entered in error ${k}`, created: at(k) });
    if (c.access > 0) {
      const rq = id("access");
      out.push({ kind: "access", id: rq, client: cid, event: "request", received: d(100), formats: ["pdf", "json"], created: at(100) });
      out.push({ kind: "access", id: id("access"), client: cid, event: "extend", request: rq, date: d(110), reason: "records off site", created: at(110) });
      if (c.access > 1) out.push({ kind: "access", id: id("access"), client: cid, event: "fulfil", request: rq, date: d(120), at: at(120), by: "Dr Test", formats: ["pdf"], files: [{ name: "record.pdf", sha256: "ab" }], encryption: "none", privateWithheld: false, created: at(120) });
    }
    for (const nt of c.notes) {
      const nid = id("note");
      out.push({ kind: "note", id: nid, client: cid, type: nt.type, date: d(nt.day), status: nt.signed ? "signed" : "draft", body: `${nt.text}\n<private>p</private>\n`, created: at(nt.day), ...(nt.duration ? { duration: nt.duration } : {}), ...(nt.cpt ? { cpt: nt.cpt } : {}) });
      for (let i = 0; i < nt.addenda; i++) {
        const aid = id("note");
        out.push({ kind: "note", id: aid, client: cid, type: "addendum", addendumTo: nid, date: d(nt.day + i + 1), status: "signed", body: `addendum ${i}\n`, created: at(nt.day + i + 1) });
        if (i === 0 && nt.type !== "psychotherapy") {
          const am = id("amendment");
          out.push({ kind: "amendment", id: am, client: cid, event: "request", note: nid, text: "please amend", received: d(nt.day), created: at(nt.day) });
          out.push({ kind: "amendment", id: id("amendment"), client: cid, event: "accept", request: am, date: d(nt.day + 1), by: "Dr Test", addendum: aid, created: at(nt.day + 1) });
        }
      }
      if (nt.voided === 0) voidOf(nid, "note", 310);
    }
    for (const m of c.meds) {
      const start = id("med");
      const evs: string[] = [start];
      out.push({ kind: "med", id: start, client: cid, event: "start", date: d(m.day), name: "sertraline", dose: "50 mg", created: at(m.day) });
      if (m.change) {
        const e = id("med");
        evs.push(e);
        out.push({ kind: "med", id: e, client: cid, event: "change", med: start, date: d(m.day + 10), dose: "100 mg", created: at(m.day + 10) });
      }
      if (m.stop) {
        const e = id("med");
        evs.push(e);
        out.push({ kind: "med", id: e, client: cid, event: "stop", med: start, date: d(m.day + 20), reason: "side effects", created: at(m.day + 20) });
      }
      if (m.voidLast) voidOf(evs[evs.length - 1] as string, "med", 320);
    }
    const codes = new Set<string>();
    for (const x of c.dx) {
      if (codes.has(x.code)) continue;
      codes.add(x.code);
      const add = id("dx");
      const evs = [add];
      out.push({ kind: "dx", id: add, client: cid, event: "add", code: x.code, date: d(x.day), status: "active", primary: x.primary, created: at(x.day) });
      if (x.resolve) {
        const e = id("dx");
        evs.push(e);
        out.push({ kind: "dx", id: e, client: cid, event: "status", code: x.code, date: d(x.day + 30), status: "resolved", created: at(x.day + 30) });
      }
      if (x.voidLast) voidOf(evs[evs.length - 1] as string, "dx", 330);
    }
    for (const k of c.consents) {
      const gid = id("consent");
      out.push({ kind: "consent", id: gid, client: cid, event: "grant", recipient: { name: "Dr Psych", organization: "Clinic" }, discloser: "Dr Test", purposes: ["continuity of care"], categories: ["demographics", "notes"], expires: "2099-01-01", signed: d(k.day), signedBy: `Client ${cid.slice(3, 9)}`, created: at(k.day) });
      if (k.disclose) out.push({ kind: "disclosure", id: id("disclosure"), client: cid, date: d(k.day + 1), at: at(k.day + 1), consent: gid, recipient: { name: "Dr Psych" }, purposes: ["continuity of care"], description: "demographics, 1 note", items: [cid], formats: ["pdf"], bundleHash: "sha256:00", files: [{ name: "record.pdf", sha256: "00" }], encrypted: false, created: at(k.day + 1) });
      if (k.revoke) out.push({ kind: "consent", id: id("consent"), client: cid, event: "revoke", revokes: gid, date: d(k.day + 5), created: at(k.day + 5) });
      else if (k.voided) voidOf(gid, "consent", 340);
    }
    if (c.voidClient === 0) voidOf(cid, "client", 350);
  }
  return out.map((o) => JSON.stringify(o)).join("\n") + "\n";
}

/** Records as a sorted list of canonical JSON (keys sorted: field order is not part of a record). */
const canon = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canon(x)])) : v;
const sorted = (jsonl: string) => jsonl.split("\n").filter(Boolean).map((l) => JSON.stringify(canon(JSON.parse(l)))).sort();

describe("export then import", () => {
  it("gives the same records, voids included (--with-voided), and the live records by default", async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ clients: fc.array(clientArb, { minLength: 1, maxLength: 3 }) }), async (spec) => {
        const a = await chart();
        await a.ok(["import", "-"], { input: lines(spec) });
        const fullA = await a.ok(["export", "--with-voided"]);
        const liveA = await a.ok(["export"]);
        // B: the full history, imported back
        const b = await chart();
        await b.ok(["import", "-"], { input: fullA + "\n" });
        expect(sorted(await b.ok(["export", "--with-voided"]))).toEqual(sorted(fullA));
        expect(sorted(await b.ok(["export"]))).toEqual(sorted(liveA));
        // C: the live records only; nothing voided reaches it
        const c = await chart();
        if (liveA.trim()) await c.ok(["import", "-"], { input: liveA + "\n" });
        expect(sorted(await c.ok(["export", "--with-voided"]))).toEqual(sorted(liveA));
        const voids = sorted(fullA).map((l) => JSON.parse(l)).filter((r) => r.kind === "void");
        for (const v of voids) expect(liveA).not.toContain(`"id":"${v.target}"`);
        expect(liveA).not.toContain('"kind":"void"');
        // the JSON form carries the same records
        const json = JSON.parse(await a.ok(["export", "--with-voided", "--format", "json"]));
        const fromJson = json.clients.flatMap((cl: Record<string, unknown[]>) => [cl.profile, ...cl.consents!, ...cl.notes!, ...cl.medicationEvents!, ...cl.diagnosisEvents!, ...cl.disclosures!, ...cl.access!, ...cl.amendments!, ...cl.voids!]);
        expect(fromJson.map((r: unknown) => JSON.stringify(canon(r))).sort()).toEqual(sorted(fullA));
        for (const s of [a, b, c]) rmSync(s.home, { recursive: true, force: true });
      }),
      { numRuns: runs(8) },
    );
  }, 240_000);
});

describe("reading for an export", () => {
  it("decrypts each record at most once, and none when the read cache holds them", async () => {
    const a = await chart();
    await a.ok(["import", "-"], { input: lines({ clients: fc.sample(clientArb, { numRuns: runs(6), seed: 7 }) }) });
    const count = async () => {
      const ch = await openChart(a.repo, await loadIdentity(a.identity), a.env);
      // Which decryptions are of record files (the cache files are decrypted too, once each).
      const recordFiles = new Set(
        execFileSync("git", ["ls-files", "clients"], { cwd: a.repo, encoding: "utf8" })
          .split("\n")
          .filter(Boolean)
          .map((p) => sha(readFileSync(join(a.repo, p)))),
      );
      const seen = new Map<string, number>();
      let calls = 0;
      const real = ch.cipher.decrypt.bind(ch.cipher);
      ch.cipher.decrypt = async (data: Uint8Array) => {
        const key = sha(data);
        if (recordFiles.has(key)) {
          calls++;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
        return real(data);
      };
      const { clients, failures } = await readClientsData(ch, "all");
      expect(failures).toEqual([]);
      return { calls, max: Math.max(0, ...seen.values()), records: clients.reduce((s, c) => s + recordCount(c), 0) };
    };
    rmSync(`${a.repo}/.git/chart/cache`, { recursive: true, force: true });
    const cold = await count();
    expect(cold.max).toBeLessThanOrEqual(1);
    expect(cold.calls).toBe(cold.records);
    const warm = await count();
    expect(warm.calls).toBe(0);
  });
});
