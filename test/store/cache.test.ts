/** The local read cache: used only for unchanged files; changed, corrupted or foreign caches are ignored. */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeId } from "../../src/domain/ids.js";
import type { NoteRecord } from "../../src/domain/note.js";
import type { BaseRecord } from "../../src/domain/record.js";
import { loadIdentity } from "../../src/store/identity.js";
import { commitRecords, readKind } from "../../src/store/records.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { git } from "../support/verify.js";
import { countedChart } from "../support/counted-chart.js";

let sb: Inproc;
let chart: Chart;
let cid: string;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));
const note = (id: string, body: string): NoteRecord => ({
  chart: 1, kind: "note", id, client: cid, created: "2024-01-01T00:00:00Z", type: "progress", template: "free", date: "2024-01-01", status: "draft", body,
});
const cacheFile = () => join(sb.repo, ".git", "chart", "cache", `${cid}.cache`);

const counted = () => countedChart(sb);

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Cora Cached"]);
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  await commitRecords(chart, Array.from({ length: 5 }, (_, i) => note(makeId("note", rnd()), `Cache-Distinctive-${i}\n`)), "chart: add note");
});

describe("read cache", () => {
  it("a second read of unchanged files decrypts nothing", async () => {
    const a = await counted();
    const first = await readKind(a.chart, "note", cid);
    expect(first.records).toHaveLength(5);
    expect(a.calls()).toBe(5); // no cache yet: the five notes
    const b = await counted();
    const second = await readKind(b.chart, "note", cid);
    expect(b.calls()).toBe(0); // the cache is sealed with a key derived from the identity (no age file)
    expect(second.records.map((r) => r.body)).toEqual(first.records.map((r) => r.body));
    expect([...b.chart.touched.read]).toHaveLength(5); // cached reads are still logged as reads
  });

  it("is encrypted and never committed", () => {
    const text = readFileSync(cacheFile()).toString("latin1");
    expect(text.startsWith("chart-cache-2\n")).toBe(true);
    expect(text).not.toContain("Cache-Distinctive");
    expect(git(sb.repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  });

  it("a changed file is decrypted again, never served stale", async () => {
    const { records } = await readKind(chart, "note", cid);
    const target = records[0] as NoteRecord;
    await commitRecords(chart, [{ ...target, body: "changed text\n" }] as BaseRecord[], "chart: edit note");
    const c = await counted();
    const after = await readKind(c.chart, "note", cid);
    expect(after.records.find((r) => r.id === target.id)?.body).toBe("changed text\n");
    expect(c.calls()).toBe(1); // the one changed note
    // An older version checked out by git (same path, other content) is read as it is.
    git(sb.repo, ["checkout", "HEAD~1", "--", `clients/${cid}/notes/${target.id}.age`]);
    const old = await readKind((await counted()).chart, "note", cid);
    expect(old.records.find((r) => r.id === target.id)?.body).not.toBe("changed text\n");
    git(sb.repo, ["checkout", "HEAD", "--", `clients/${cid}/notes/${target.id}.age`]);
  });

  it("a damaged or altered cache is ignored and rebuilt", async () => {
    writeFileSync(cacheFile(), "not a cache file");
    const c = await counted();
    const r = await readKind(c.chart, "note", cid);
    expect(r.records).toHaveLength(5);
    expect(r.failures).toEqual([]);
    expect(c.calls()).toBe(5);
    expect(readdirSync(join(sb.repo, ".git", "chart", "cache"))).toContain(`${cid}.cache`);
    // One byte changed: the tag fails, the cache is rebuilt.
    const data = readFileSync(cacheFile());
    data[data.length - 20] = (data[data.length - 20] ?? 0) ^ 1;
    writeFileSync(cacheFile(), data);
    const d = await counted();
    expect((await readKind(d.chart, "note", cid)).records).toHaveLength(5);
    expect(d.calls()).toBe(5);
  });
});
