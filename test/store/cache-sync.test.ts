/**
 * The read cache and the search index follow the repository (src/store/cache-sync.ts): after
 * any sequence of commits, removals, resets to older commits (HEAD moving as after a pull or a
 * checkout), uncommitted and untracked files in the work tree, and a dropped cache, every read
 * and every search gives what the files themselves hold.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeId } from "../../src/domain/ids.js";
import type { NoteRecord } from "../../src/domain/note.js";
import type { AnyRecord, BaseRecord } from "../../src/domain/record.js";
import { searchDocs } from "../../src/domain/search-docs.js";
import { matchTokens, parseQuery, tokens, type Query } from "../../src/domain/search.js";
import { seal, unseal } from "../../src/store/cache-seal.js";
import { serialize } from "../../src/store/envelope.js";
import { loadIdentity } from "../../src/store/identity.js";
import { commitRecords, listRecordPaths, readKind, readRecordAt } from "../../src/store/records.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { searchCandidates } from "../../src/store/search-index.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { runs } from "../support/runs.js";
import { countedChart } from "../support/counted-chart.js";

let sb: Inproc;
let clients: string[];
let chart: Chart;
let seq = 0;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));
const gitIn = (args: string[]) => execFileSync("git", args, { cwd: sb.repo, env: sb.env, encoding: "utf8" });
const note = (client: string, psy: boolean, id = makeId("note", rnd())): NoteRecord => ({
  chart: 1, kind: "note", id, client, created: "2024-01-01T00:00:00Z", type: psy ? "psychotherapy" : "progress", template: "free",
  date: `2024-01-${String(1 + (seq % 28)).padStart(2, "0")}`, status: "draft", body: `Body word${seq++} common text\n`,
});

const fresh = () => countedChart(sb);

/** What the files hold, read one by one without the cache. */
async function truth(cid: string): Promise<NoteRecord[]> {
  const c = (await fresh()).chart;
  const out: NoteRecord[] = [];
  for (const p of await listRecordPaths(c, "note", cid)) out.push((await readRecordAt(c, p)) as unknown as NoteRecord);
  return out;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
const norm = (rs: readonly { id: string }[]) => JSON.stringify([...rs].sort(byId));

async function check(step: string): Promise<void> {
  const q = parseQuery("common") as Query;
  const all: NoteRecord[] = [];
  for (const cid of clients) {
    const want = await truth(cid);
    all.push(...want);
    const got = await readKind((await fresh()).chart, "note", cid);
    expect(got.failures, step).toEqual([]);
    expect(norm(got.records), step).toBe(norm(want));
  }
  for (const psychotherapy of [false, true]) {
    const expected = searchDocs({ notes: all, meds: [], dx: [] }, { psychotherapy }).filter((d) => matchTokens(tokens(d.text), q));
    const found = await searchCandidates((await fresh()).chart, clients, q, { psychotherapy });
    const got = found.docs.filter((d) => matchTokens(tokens(d.text), q)).map((d) => ({ id: d.id, text: d.text, type: d.type }));
    expect(found.failures, step).toEqual([]);
    expect(JSON.stringify(got.sort(byId)), `${step} (search, psychotherapy ${String(psychotherapy)})`).toBe(JSON.stringify(expected.map((d) => ({ id: d.id, text: d.text, type: d.type })).sort(byId)));
  }
}

type Op =
  | { t: "add"; c: number; psy: boolean }
  | { t: "edit"; k: number }
  | { t: "remove"; k: number }
  | { t: "reset"; back: number }
  | { t: "dirty"; k: number }
  | { t: "untracked"; c: number }
  | { t: "clean" }
  | { t: "drop" };

async function existing(): Promise<NoteRecord[]> {
  const out: NoteRecord[] = [];
  for (const cid of clients) out.push(...(await truth(cid)));
  return out.sort(byId);
}

async function apply(op: Op): Promise<void> {
  // Commits need a clean work tree for the paths they write; other files may stay changed.
  const notes = await existing();
  const pick = (k: number) => notes[k % Math.max(1, notes.length)];
  const pathOf = (n: NoteRecord) => `clients/${n.client}/notes/${n.id}.age`;
  const uncommitted = gitIn(["status", "--porcelain", "--untracked-files=all", "--", "clients"]).trim() !== "";
  switch (op.t) {
    case "add":
      await commitRecords(chart, [note(clients[op.c % clients.length] as string, op.psy)], "chart: add note");
      return;
    case "edit": {
      const n = pick(op.k);
      if (!n || uncommitted) return;
      await commitRecords(chart, [{ ...n, body: `Edited word${seq++} common\n` }] as BaseRecord[], "chart: edit note");
      return;
    }
    case "remove": {
      const n = pick(op.k);
      if (!n || uncommitted) return;
      await commitRecords(chart, [], "chart: remove note", [pathOf(n)]);
      return;
    }
    case "reset": {
      const count = Number(gitIn(["rev-list", "--count", "HEAD"]).trim());
      if (count - op.back < 4) return; // keep the chart's own first commits
      gitIn(["reset", "-q", "--hard", `HEAD~${String(op.back)}`]);
      return;
    }
    case "dirty": {
      const n = pick(op.k);
      if (!n) return;
      const changed = { ...n, body: `Uncommitted word${seq++} common\n` } as AnyRecord;
      writeFileSync(join(sb.repo, pathOf(n)), await chart.cipher.encrypt(serialize(changed, pathOf(n), chart.macKey)));
      return;
    }
    case "untracked": {
      const n = note(clients[op.c % clients.length] as string, false);
      writeFileSync(join(sb.repo, pathOf(n)), await chart.cipher.encrypt(serialize(n, pathOf(n), chart.macKey)));
      return;
    }
    case "clean":
      gitIn(["checkout", "-q", "HEAD", "--", "clients"]);
      gitIn(["clean", "-fdq", "--", "clients"]);
      return;
    case "drop":
      rmSync(join(sb.repo, ".git", "chart", "cache"), { recursive: true, force: true });
      return;
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("add" as const), c: fc.nat(3), psy: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("edit" as const), k: fc.nat(50) }), weight: 2 },
  fc.record({ t: fc.constant("remove" as const), k: fc.nat(50) }),
  fc.record({ t: fc.constant("reset" as const), back: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant("dirty" as const), k: fc.nat(50) }),
  fc.record({ t: fc.constant("untracked" as const), c: fc.nat(3) }),
  fc.constant({ t: "clean" as const }),
  fc.constant({ t: "drop" as const }),
);

beforeAll(async () => {
  sb = await inprocSandbox();
  clients = [await sb.ok(["client", "add", "--name", "Sync Ada"]), await sb.ok(["client", "add", "--name", "Sync Ben"])];
  chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  await commitRecords(chart, [note(clients[0] as string, false), note(clients[1] as string, true), note(clients[1] as string, false)], "chart: add note");
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("the read cache follows git", () => {
  it("after a new commit, only the changed files are decrypted", async () => {
    await check("start");
    const a = await fresh();
    await readKind(a.chart, "note", clients[0] as string);
    expect(a.calls()).toBe(0); // warm
    await commitRecords(chart, [note(clients[0] as string, false), note(clients[0] as string, false)], "chart: add note");
    const b = await fresh();
    const r = await readKind(b.chart, "note", clients[0] as string);
    expect(r.records.length).toBeGreaterThan(2);
    expect(b.calls()).toBe(2);
    const c = await fresh();
    await readKind(c.chart, "note", clients[0] as string);
    expect(c.calls()).toBe(0);
  });

  it("a cache sealed for another chart or by another device is ignored and rebuilt", async () => {
    const cid = clients[0] as string;
    const file = join(sb.repo, ".git", "chart", "cache", `${cid}.cache`);
    await readKind((await fresh()).chart, "note", cid);
    const text = (await unseal(chart, readFileSync(file))) as string;
    expect(JSON.parse(text)).toHaveProperty("entries");
    const n = (await truth(cid)).length;
    const other = join(sb.home, "other.key");
    execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
    const foreign = [
      { identity: chart.identity, macKey: new Uint8Array(32).fill(7) }, // another chart
      { identity: await loadIdentity(other), macKey: chart.macKey }, // another device
    ];
    for (const k of foreign) {
      writeFileSync(file, await seal(k, text));
      const a = await fresh();
      expect((await readKind(a.chart, "note", cid)).records).toHaveLength(n);
      expect(a.calls()).toBe(n); // every record decrypted again
    }
  });

  it("a search index whose texts are damaged, cut short or taken from another index is not trusted", async () => {
    const file = join(sb.repo, ".git", "chart", "cache", "_search.cache");
    const q = parseQuery("common") as Query;
    await check("index warm");
    const search = async () => {
      const f = await fresh();
      const found = await searchCandidates(f.chart, clients, q, { psychotherapy: false });
      return { ids: found.docs.filter((d) => matchTokens(tokens(d.text), q)).map((d) => `${d.id} ${d.text}`).sort(), calls: f.calls(), failures: found.failures };
    };
    const want = await search();
    expect(want.calls).toBe(0); // from the index
    const good = readFileSync(file);
    // Another index of this chart, made after one more note: its texts do not belong to `good`.
    await commitRecords(chart, [note(clients[0] as string, false)], "chart: add note");
    await search();
    const other = readFileSync(file);
    const headLen = (b: Buffer) => 15 + 4 + b.readUInt32BE(15);
    const spliced = Buffer.concat([good.subarray(0, headLen(good)), other.subarray(headLen(other))]);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40] = (flipped[flipped.length - 40] as number) ^ 1;
    gitIn(["reset", "-q", "--hard", "HEAD~1"]); // back to the commit `good` was made at
    for (const [name, bytes] of [["flipped", flipped], ["spliced", spliced], ["cut", good.subarray(0, good.length - 100)], ["cut in part 1", good.subarray(0, 30)]] as const) {
      writeFileSync(file, bytes);
      const got = await search();
      expect(got.failures, name).toEqual([]);
      expect(got.ids, name).toEqual(want.ids);
      expect(readFileSync(file).equals(bytes), `${name}: rebuilt and saved`).toBe(false);
      expect(await search(), `${name}, then from the rebuilt index`).toEqual({ ...want, calls: 0 });
    }
    writeFileSync(file, good);
    expect(await search()).toEqual(want);
  });

  it("any sequence of commits, removals, resets, uncommitted files and dropped caches reads as the files", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 5 }), async (ops) => {
        for (const [i, op] of ops.entries()) {
          await apply(op);
          await check(`step ${String(i)}: ${JSON.stringify(op)} of ${JSON.stringify(ops)}`);
        }
        await apply({ t: "clean" });
      }),
      { numRuns: runs(100) },
    );
  }, 600_000);
});
