/**
 * What verification adds to a command on a large chart (BENCH_VERIFY=1 to run; 50,000 notes by
 * default, BENCH_NOTES to change): the history check with nothing new (HEAD is the verified
 * commit), the work-tree check of one client (first: git status; then: the stat-keyed cache), and
 * verifying N new commits after a pull.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeId } from "../../src/domain/ids.js";
import { commitNewRecords } from "../../src/store/bulk.js";
import { headCommit } from "../../src/store/git.js";
import { verifyRange } from "../../src/store/history.js";
import { loadIdentity } from "../../src/store/identity.js";
import { openChart } from "../../src/store/repo.js";
import { ensureVerified } from "../../src/store/verify.js";
import { assertIntact } from "../../src/store/worktree.js";
import { sandbox, type Sandbox } from "../support/e2e.js";

const RUN = process.env.BENCH_VERIFY === "1";
const NOTES = Number(process.env.BENCH_NOTES ?? 50_000);
const CLIENTS = 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));

describe.skipIf(!RUN)("verification cost", () => {
  // Made in a hook, not while collecting: a skipped suite runs no hooks, so a sandbox made at
  // collection would never be removed.
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
  }, 600_000);
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }), 600_000);

  it(`with nothing new: a few file reads; one client's work tree: one git status (${NOTES} notes)`, async () => {
    const chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
    const clients = Array.from({ length: CLIENTS }, () => makeId("client", rnd()));
    const recs: Record<string, unknown>[] = clients.map((id, i) => ({ kind: "client", id, client: id, created: "2026-01-01T00:00:00Z", name: `C ${i}`, status: "active", admitted: "2025-01-01" }));
    for (let i = 0; i < NOTES; i++) {
      const c = clients[i % CLIENTS] as string;
      recs.push({ kind: "note", id: makeId("note", rnd()), client: c, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date: "2025-01-01", status: "signed", body: `n ${i}\n` });
    }
    await commitNewRecords(chart, recs as never, "chart: import");
    const notices: string[] = [];
    await ensureVerified(chart, (m) => notices.push(m)); // verifies and remembers HEAD
    const fast: number[] = [];
    for (let i = 0; i < 30; i++) {
      const c = await openChart(sb.repo, chart.identity, sb.env);
      const t = performance.now();
      await ensureVerified(c, () => undefined);
      fast.push(performance.now() - t);
    }
    // Racy-clean protection: the cache stores nothing for files (or an index) changed in the last 2 s.
    await new Promise((r) => setTimeout(r, 2_100));
    const tree: number[] = [];
    let profiles = 0;
    for (let i = 0; i < 15; i++) {
      const c = await openChart(sb.repo, chart.identity, sb.env);
      c.checkWorkTree = true;
      const t = performance.now();
      await assertIntact(c, [`clients/${clients[i % CLIENTS]}`]);
      if (i === 0) {
        const t2 = performance.now();
        await assertIntact(c, [":(glob)clients/*/profile.age"]);
        profiles = performance.now() - t2;
      }
      tree.push(performance.now() - t);
    }
    // The same clients again: each folder's clean git status was remembered (worktree-cache.ts).
    const cached: number[] = [];
    const whole: number[] = []; // the whole check a command makes: history + one client's folder + profiles
    for (let i = 0; i < 15; i++) {
      const c = await openChart(sb.repo, chart.identity, sb.env);
      c.checkWorkTree = true;
      const t = performance.now();
      await assertIntact(c, [`clients/${clients[i % CLIENTS]}`]);
      cached.push(performance.now() - t);
      const c2 = await openChart(sb.repo, chart.identity, sb.env);
      c2.checkWorkTree = true;
      const t2 = performance.now();
      await ensureVerified(c2, () => undefined);
      await assertIntact(c2, [`clients/${clients[i % CLIENTS]}`, ":(glob)clients/*/profile.age"]);
      whole.push(performance.now() - t2);
    }
    // After a pull of 50 new commits: proportional to them.
    const git = await chart.git();
    const before = (await headCommit(git)) as string;
    for (let i = 0; i < 50; i++) {
      const c = clients[i % CLIENTS] as string;
      await commitNewRecords(chart, [{ kind: "note", id: makeId("note", rnd()), client: c, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date: "2025-01-01", status: "signed", body: "x\n" }] as never, "chart: add note");
    }
    const t = performance.now();
    const r = await verifyRange(git, before, (await headCommit(git)) as string);
    const pull = performance.now() - t;
    expect(r.problems).toEqual([]);
    console.log(
      `verification on ${NOTES} notes: nothing new median ${median(fast).toFixed(2)} ms; one client's work tree, first check (git status) median ${median(tree).toFixed(1)} ms; all ${CLIENTS} profiles ${profiles.toFixed(1)} ms; one client's work tree, cached median ${median(cached).toFixed(2)} ms; whole check (history + client + profiles), cached, median ${median(whole).toFixed(2)} ms; 50 new commits ${pull.toFixed(0)} ms`,
    );
    expect(median(fast)).toBeLessThan(15);
    expect(median(whole)).toBeLessThan(15);
  }, 900_000);
});
