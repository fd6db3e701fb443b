/**
 * A record that decrypts and verifies (right MAC, committed and signed by this device) but is
 * not of its kind's shape is a named read failure (E_RECORD_SHAPE, exit 3): listings show the
 * others, name it on stderr and exit non-zero; a share refuses; `note show` says what is wrong
 * (never "not found"); fsck --decrypt names it; the read cache does not keep it; its content is
 * never printed.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import type { AnyRecord } from "../../src/domain/record.js";
import { cacheGroup, loadCache, shapesFingerprint } from "../../src/store/cache.js";
import { seal, unseal } from "../../src/store/cache-seal.js";
import { isChartRecord } from "../../src/domain/record-shape.js";
import { cacheHead } from "../../src/store/cache-sync.js";
import { loadIdentity } from "../../src/store/identity.js";
import { commitRecords, readKind, readRecord } from "../../src/store/records.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

let sb: Inproc;
let chart: Chart;
let cid: string;
let bad: string;
let consent: string;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Ann Lee"]);
  await sb.ok(["note", "add", cid, "-m", "a good note"]);
  consent = await sb.ok(["consent", "add", cid, "--to", "Dr B", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "2024-01-01"]);
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  bad = makeId("note", rnd());
  // Written through chart's own writer: the right MAC, a signed commit; only the shape is wrong
  // (a duration as text, a note type this version does not know).
  const record: AnyRecord = { chart: 1, kind: "note", id: bad, client: cid, created: "2024-02-01T09:00:00Z", type: "group-session", template: "free", date: "2024-02-01", status: "draft", duration: "fifty", body: "ShapeSecretZq\n" };
  await commitRecords(chart, [record], "chart: add note");
});

const path = () => `clients/${cid}/notes/${bad}.age`;

describe("a well-MACed record of the wrong shape", () => {
  it("readKind hands out the others and names it as a failure with its own code", async () => {
    const { records, failures } = await readKind(chart, "note", cid);
    expect(records.map((n) => n.body)).toEqual(["a good note\n"]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.path).toBe(path());
    expect(failures[0]?.error.code).toBe("E_RECORD_SHAPE");
    expect(failures[0]?.error.message).toMatch(/'type' must be one of|'duration'/);
    expect(failures[0]?.error.message).not.toContain("ShapeSecretZq");
    expect(failures[0]?.error.message).not.toContain("fifty");
    // A second read (through the read cache) gives the same failure: it was never cached.
    const again = await readKind(chart, "note", cid);
    expect(again.failures.map((f) => f.error.code)).toEqual(["E_RECORD_SHAPE"]);
  });

  it("readRecord refuses it with the same code, never 'not found'", async () => {
    const e = await readRecord(chart, "note", cid, bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChartError);
    expect((e as ChartError).code).toBe("E_RECORD_SHAPE");
    expect((e as ChartError).exit).toBe(3);
  });

  it("note list shows the good note, names the bad one on stderr and exits non-zero", async () => {
    const r = await sb.run(["note", "list", cid, "--json"]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    expect(r.stderr).toContain(path());
    expect(r.stderr).toContain("E_RECORD_SHAPE");
    expect(r.stdout + r.stderr).not.toContain("ShapeSecretZq");
  });

  it("note show says what is wrong with it", async () => {
    const r = await sb.run(["note", "show", bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not a well-formed note record/);
    expect(r.stderr).not.toMatch(/not found|no note/i);
    expect(r.stdout + r.stderr).not.toContain("ShapeSecretZq");
  });

  it("a share that may cover it refuses, naming it", async () => {
    const out = join(sb.home, "bundle");
    const r = await sb.run(["share", cid, "--consent", consent, "--out", out, "--plaintext", "--yes"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/could not be read or verified; nothing was shared/);
    expect(r.stderr).toContain(`${path()}: the record verifies but is not a well-formed note record`);
    expect(() => readdirSync(out)).toThrow();
  });

  it("fsck --decrypt names it", async () => {
    const r = await sb.run(["fsck", "--decrypt"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("E_RECORD_SHAPE");
    expect(r.stdout + r.stderr).toContain(bad);
    expect(r.stdout + r.stderr).not.toContain("ShapeSecretZq");
  });

  it("a read-cache entry of the wrong shape (a cache an older version wrote) is never handed out: the record is read again from its file", async () => {
    const good = (await readKind(chart, "note", cid)).records[0];
    expect(good).toBeDefined();
    const goodPath = `clients/${cid}/notes/${good?.id ?? ""}.age`;
    const fresh = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
    const cache = await loadCache(fresh, cacheGroup(goodPath), await cacheHead(fresh));
    const entry = cache.entries[goodPath];
    expect(entry).toBeDefined();
    // As an older version wrote it: no mark of the field rules its entries were checked against.
    const older = { v: 2, commit: cache.commit, entries: { ...cache.entries, [goodPath]: { ...entry, status: "final" } } };
    writeFileSync(join(fresh.gitDir, "chart", "cache", `${cacheGroup(goodPath)}.cache`), await seal(fresh, JSON.stringify(older)));
    const again = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
    const { records, failures } = await readKind(again, "note", cid);
    expect(records.map((r) => [r.id, r.status])).toEqual([[good?.id, good?.status]]);
    expect(failures.map((f) => [f.path, f.error.code])).toEqual([[path(), "E_RECORD_SHAPE"]]);
    // Saved again with the mark, without the bad entry: the next read hands out the file's record.
    const third = await readKind(await openChart(sb.repo, await loadIdentity(sb.identity), sb.env), "note", cid);
    expect(third.records.map((r) => [r.id, r.status])).toEqual([[good?.id, good?.status]]);
  });

  it("a cache entry under this version's mark was shape-checked when cached (saveCache writes only what passed)", async () => {
    const fresh = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
    const group = cacheGroup(`clients/${cid}/notes/x.age`);
    const cache = await loadCache(fresh, group, await cacheHead(fresh));
    expect(Object.values(cache.entries as unknown as Record<string, AnyRecord>).every((r) => isChartRecord(r))).toBe(true);
    expect(JSON.parse((await unseal(fresh, readFileSync(join(fresh.gitDir, "chart", "cache", `${group}.cache`)))) ?? "{}")).toHaveProperty("shapes", shapesFingerprint());
  });
});
