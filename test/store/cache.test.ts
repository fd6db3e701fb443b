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

let sb: Inproc;
let chart: Chart;
let cid: string;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));
const note = (id: string, body: string): NoteRecord => ({
  chart: 1, kind: "note", id, client: cid, created: "2024-01-01T00:00:00Z", type: "progress", template: "free", date: "2024-01-01", status: "draft", body,
});
const cacheFile = () => join(sb.repo, ".git", "chart", "cache", `${cid}.age`);

/** A fresh chart handle whose decryptions are counted. */
async function counted(): Promise<{ chart: Chart; calls: () => number }> {
  const c = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  let n = 0;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wraps the cipher's own function, called as before
  const decrypt = c.cipher.decrypt;
  c.cipher.decrypt = (d) => {
    n += 1;
    return decrypt(d);
  };
  return { chart: c, calls: () => n };
}

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Cora Cached"]);
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  await commitRecords(chart, Array.from({ length: 5 }, (_, i) => note(makeId("note", rnd()), `Cache-Distinctive-${i}\n`)), "chart: add note");
});

describe("read cache", () => {
  it("a second read of unchanged files decrypts only the cache", async () => {
    const a = await counted();
    const first = await readKind(a.chart, "note", cid);
    expect(first.records).toHaveLength(5);
    expect(a.calls()).toBe(5); // no cache yet: the five notes
    const b = await counted();
    const second = await readKind(b.chart, "note", cid);
    expect(b.calls()).toBe(1);
    expect(second.records.map((r) => r.body)).toEqual(first.records.map((r) => r.body));
    expect([...b.chart.touched.read]).toHaveLength(5); // cached reads are still logged as reads
  });

  it("is encrypted and never committed", () => {
    const text = readFileSync(cacheFile()).toString("latin1");
    expect(text.startsWith("age-encryption.org/v1")).toBe(true);
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
    expect(c.calls()).toBe(2); // the cache and the one changed note
    // An older version checked out by git (same path, other content) is read as it is.
    git(sb.repo, ["checkout", "HEAD~1", "--", `clients/${cid}/notes/${target.id}.age`]);
    const old = await readKind((await counted()).chart, "note", cid);
    expect(old.records.find((r) => r.id === target.id)?.body).not.toBe("changed text\n");
    git(sb.repo, ["checkout", "HEAD", "--", `clients/${cid}/notes/${target.id}.age`]);
  });

  it("a damaged or altered cache is ignored and rebuilt", async () => {
    writeFileSync(cacheFile(), "not an age file");
    const c = await counted();
    const r = await readKind(c.chart, "note", cid);
    expect(r.records).toHaveLength(5);
    expect(r.failures).toEqual([]);
    expect(c.calls()).toBe(6);
    expect(readdirSync(join(sb.repo, ".git", "chart", "cache"))).toContain(`${cid}.age`);
  });
});
