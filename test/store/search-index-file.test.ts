/**
 * The search index's file (src/store/search-index-file.ts): what is saved is what is loaded;
 * each client's texts are a run of their own, opened only with this file's part 1 and for this
 * client; runs of clients that did not change are copied as they are; a file cut short or grown
 * is not read; and a search leaves no file open.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSegment, type Segment } from "../../src/domain/search-index.js";
import type { NoteRecord } from "../../src/domain/note.js";
import { parseQuery, type Query } from "../../src/domain/search.js";
import { loadIdentity } from "../../src/store/identity.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { isDisk, loadIndex, openRun, packedWordLists, saveIndex, type DiskEntry, type Entry, type Index } from "../../src/store/search-index-file.js";
import { searchCandidates } from "../../src/store/search-index.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { runs } from "../support/runs.js";

let sb: Inproc;
let chart: Chart;
const file = () => join(sb.repo, ".git", "chart", "cache", "_search.cache");

const note = (client: string, i: number, body: string): NoteRecord => ({
  chart: 1, kind: "note", id: `nt_${client}${String(i).padStart(4, "0")}`, client, created: "2024-01-01T00:00:00Z", type: i % 3 === 0 ? "psychotherapy" : "progress",
  template: "free", date: `2024-01-${String(1 + (i % 28)).padStart(2, "0")}`, status: "signed", body,
});
const segment = (client: string, bodies: readonly string[]): Segment => buildSegment({ notes: bodies.map((b, i) => note(client, i, b)), meds: [], dx: [] });
const index = (clients: Record<string, Segment>, commit: string | undefined = "c0"): Index => ({ commit, clients: new Map(Object.entries(clients)), close: () => undefined });
const disk = (i: Index, cid: string): DiskEntry => {
  const e = i.clients.get(cid) as Entry;
  if (!isDisk(e)) throw new Error("not read from the file");
  return e;
};
const docsOf = (e: DiskEntry): string[] | undefined => {
  const doc = openRun(e);
  return doc && Array.from({ length: e.ends.length / 4 }, (_, i) => doc(i));
};
/** Where each client's run lies in the file. */
const runsOf = (i: Index): Map<string, { at: number; len: number }> =>
  new Map([...i.clients.keys()].map((cid) => {
    const e = disk(i, cid);
    return [cid, { at: e.file.base + e.run.at, len: e.run.len }];
  }));
const openFds = () => readdirSync("/proc/self/fd").length;

beforeAll(async () => {
  sb = await inprocSandbox();
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("the search index's file", () => {
  it("loads what was saved: every client's documents and word lists", async () => {
    const text = fc.array(fc.constantFrom("sleep", "Zoë", "café", "naïve", "constructor", "panic", "x1", "日本語", "\t", "\n"), { maxLength: 8 }).map((ws) => ws.join(" "));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("cl_a", "cl_b", "cl_c", "cl_d"), fc.array(text, { maxLength: 6 })), fc.option(fc.stringMatching(/^[0-9a-f]{1,40}$/), { nil: undefined }), async (bodies, commit) => {
        const segs = Object.fromEntries(Object.entries(bodies).map(([cid, bs]) => [cid, segment(cid, bs)]));
        await saveIndex(chart, { commit, clients: new Map(Object.entries(segs)), close: () => undefined });
        const got = await loadIndex(chart);
        try {
          expect(got.commit).toBe(commit);
          expect([...got.clients.keys()]).toEqual(Object.keys(segs));
          for (const [cid, seg] of Object.entries(segs)) {
            const e = disk(got, cid);
            expect(docsOf(e)).toEqual(seg.docs);
            const lists = packedWordLists(e.words);
            expect(lists.words().sort()).toEqual(Object.keys(seg.words).sort());
            for (const [w, list] of Object.entries(seg.words)) expect(lists.list(w)).toBe(list);
            expect(lists.list("absent")).toBeUndefined();
          }
        } finally {
          got.close();
        }
      }),
      { numRuns: runs(40) },
    );
  });

  it("copies the runs of clients that did not change as they are, and seals a changed client's anew", async () => {
    await saveIndex(chart, index({ cl_a: segment("cl_a", ["alpha one"]), cl_b: segment("cl_b", ["beta two"]), cl_c: segment("cl_c", ["gamma three"]) }));
    const before = readFileSync(file());
    const first = await loadIndex(chart);
    const old = runsOf(first);
    const ids = new Map([...first.clients.keys()].map((cid) => [cid, disk(first, cid).run.id]));
    first.clients.set("cl_b", segment("cl_b", ["beta changed"]));
    await saveIndex(chart, first);
    first.close();
    const after = readFileSync(file());
    const second = await loadIndex(chart);
    try {
      const now = runsOf(second);
      for (const cid of ["cl_a", "cl_c"]) {
        const o = old.get(cid) as { at: number; len: number };
        const n = now.get(cid) as { at: number; len: number };
        expect(after.subarray(n.at, n.at + n.len).equals(before.subarray(o.at, o.at + o.len)), cid).toBe(true);
        expect(disk(second, cid).run.id).toBe(ids.get(cid));
      }
      expect(disk(second, "cl_b").run.id).not.toBe(ids.get("cl_b"));
      expect(docsOf(disk(second, "cl_a"))?.[0]).toMatch(/alpha one$/);
      expect(docsOf(disk(second, "cl_b"))?.[0]).toMatch(/beta changed$/);
    } finally {
      second.close();
    }
  });

  it("a run does not open as another client's, nor from an earlier save of the same client", async () => {
    // Same lengths, so that swapped runs keep every offset of part 1.
    await saveIndex(chart, index({ cl_a: segment("cl_a", ["aaaa bbbb"]), cl_b: segment("cl_b", ["cccc dddd"]) }));
    const earlier = readFileSync(file());
    const e1 = await loadIndex(chart);
    const r1 = runsOf(e1);
    e1.close();
    const [a, b] = [r1.get("cl_a"), r1.get("cl_b")] as [{ at: number; len: number }, { at: number; len: number }];
    expect(a.len).toBe(b.len);
    const swapped = Buffer.from(earlier);
    earlier.subarray(a.at, a.at + a.len).copy(swapped, b.at);
    earlier.subarray(b.at, b.at + b.len).copy(swapped, a.at);
    writeFileSync(file(), swapped);
    const s = await loadIndex(chart);
    expect(docsOf(disk(s, "cl_a"))).toBeUndefined();
    expect(docsOf(disk(s, "cl_b"))).toBeUndefined();
    s.close();
    // A later save with cl_a changed; its run from the earlier file put back in its place.
    writeFileSync(file(), earlier);
    const e2 = await loadIndex(chart);
    e2.clients.set("cl_a", segment("cl_a", ["eeee ffff"]));
    await saveIndex(chart, e2);
    e2.close();
    const later = readFileSync(file());
    const l = await loadIndex(chart);
    const la = runsOf(l).get("cl_a") as { at: number; len: number };
    l.close();
    expect(la.len).toBe(a.len);
    const spliced = Buffer.from(later);
    earlier.subarray(a.at, a.at + a.len).copy(spliced, la.at);
    writeFileSync(file(), spliced);
    const s2 = await loadIndex(chart);
    expect(docsOf(disk(s2, "cl_a"))).toBeUndefined();
    expect(docsOf(disk(s2, "cl_b"))).toEqual(segment("cl_b", ["cccc dddd"]).docs);
    s2.close();
  });

  it("a file cut short, grown, or of another version is not read", async () => {
    await saveIndex(chart, index({ cl_a: segment("cl_a", ["one two"]) }));
    const good = readFileSync(file());
    const v4 = Buffer.from(good);
    v4.write("chart-search-4\n", 0, "latin1");
    for (const bytes of [good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])]), good.subarray(0, 10), v4, Buffer.alloc(0)]) {
      writeFileSync(file(), bytes);
      const got = await loadIndex(chart);
      expect(got.clients.size).toBe(0);
      got.close();
    }
  });

  it("a search leaves no file open, whether the index is used, rebuilt or unreadable", async () => {
    const cid = await sb.ok(["client", "add", "--name", "Fd Ada"]);
    await sb.ok(["note", "add", cid, "-m", "Slept well, some panic."]);
    const q = parseQuery("panic") as Query;
    const search = async () => {
      const c = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
      return (await searchCandidates(c, [cid], q, { psychotherapy: false })).docs.length;
    };
    rmSync(file(), { force: true });
    await search(); // builds and saves it
    const fds = openFds();
    expect(await search()).toBe(1); // from the index
    expect(openFds()).toBe(fds);
    writeFileSync(file(), Buffer.from("damaged"));
    expect(await search()).toBe(1); // rebuilt
    expect(openFds()).toBe(fds);
    const good = readFileSync(file());
    good[good.length - 3] = (good[good.length - 3] as number) ^ 1; // the client's run does not open
    writeFileSync(file(), good);
    expect(await search()).toBe(1);
    expect(openFds()).toBe(fds);
  });
});
