/**
 * The work-tree check's cache (src/store/worktree-cache.ts) is never trusted when anything
 * differs: a file changed in place with its size and mtime put back, a file swapped for another
 * (its older version), a file added or deleted, a new commit, a changed index, a forged entry.
 * Each of these reaches git status again, which names the change.
 */
import { readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeId } from "../../src/domain/ids.js";
import { commitNewRecords } from "../../src/store/bulk.js";
import { loadIdentity } from "../../src/store/identity.js";
import { openChart, type Chart } from "../../src/store/repo.js";
import { knownIntact, stampOf } from "../../src/store/worktree-cache.js";
import { ALL_CLIENT_FOLDERS, assertIntact } from "../../src/store/worktree.js";
import { sandbox, type Sandbox } from "../support/e2e.js";
import { git } from "../support/verify.js";

let sb: Sandbox;
let client: string;
let notes: string[];
const rnd = () => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)));
const settle = () => new Promise((r) => setTimeout(r, 2_100)); // past the 2 s racy window
const fresh = async (): Promise<Chart> => {
  const c = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  c.checkWorkTree = true;
  return c;
};
const spec = () => `clients/${client}`;
const cachedNow = async () => {
  const c = await fresh();
  const s = await stampOf(c, spec(), BigInt(Date.now()) * 1_000_000n);
  return !!s && !s.racy && (await knownIntact(c, spec(), s));
};
/** A chart opened afresh whose `git status` runs are counted. */
async function counted(): Promise<{ c: Chart; statuses: () => number }> {
  const c = await fresh();
  const g = await c.git();
  const raw = g.raw.bind(g);
  let statuses = 0;
  g.raw = (args, o) => {
    if (args.includes("status")) statuses += 1;
    return raw(args, o);
  };
  return { c, statuses: () => statuses };
}
/** How many `git status` runs a work-tree check of these pathspecs makes. */
async function statusesOf(specs: string[]): Promise<number> {
  const { c, statuses } = await counted();
  await assertIntact(c, specs);
  return statuses();
}
/** Checked clean once (and remembered), then the cache answers. */
async function primed(): Promise<void> {
  await settle();
  await assertIntact(await fresh(), [spec()]);
  expect(await cachedNow()).toBe("same");
}

beforeAll(async () => {
  sb = sandbox();
  const chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
  client = makeId("client", rnd());
  const recs: Record<string, unknown>[] = [{ kind: "client", id: client, client, created: "2026-01-01T00:00:00Z", name: "C", status: "active", admitted: "2025-01-01" }];
  for (let i = 0; i < 3; i++) recs.push({ kind: "note", id: makeId("note", rnd()), client, created: "2026-01-01T00:00:00Z", type: "progress", template: "soap", date: "2025-01-01", status: "signed", body: `n ${i}\n` });
  await commitNewRecords(chart, recs as never, "chart: import");
  notes = git(sb.repo, ["ls-files", `clients/${client}/notes`]).trim().split("\n");
}, 60_000);
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("work-tree cache", () => {
  it("a clean folder is remembered; racy (just written) folders are not", async () => {
    await assertIntact(await fresh(), [spec()]);
    expect(await cachedNow()).toBe(false); // written less than 2 s ago
    await primed();
  });

  it("every client's folder checked in a command covers each client's folder (no second check); a change is caught by the whole-chart check", async () => {
    const { c, statuses } = await counted();
    await assertIntact(c, [ALL_CLIENT_FOLDERS]);
    expect(statuses()).toBe(1);
    await assertIntact(c, [spec()]);
    expect(statuses()).toBe(1);
    expect(c.intact?.has(spec())).toBe(false); // covered, not checked on its own
    const extra = join(sb.repo, "clients", client, "notes", "extra.age");
    writeFileSync(extra, "x");
    try {
      await expect(assertIntact(await fresh(), [ALL_CLIENT_FOLDERS])).rejects.toThrow(/not in the verified history/);
    } finally {
      rmSync(extra);
    }
  });

  it("a file changed in place, its size and mtime put back, is caught (ctime)", async () => {
    await primed();
    const path = join(sb.repo, notes[0] as string);
    const st = statSync(path);
    const data = readFileSync(path);
    const end = data.length - 1;
    data[end] = (data[end] as number) ^ 1;
    writeFileSync(path, data);
    utimesSync(path, st.atime, st.mtime);
    await expect(assertIntact(await fresh(), [spec()])).rejects.toThrow(/differs from the verified history/);
    data[end] ^= 1;
    writeFileSync(path, data);
  });

  it("a record swapped for another file, a file added or deleted: caught", async () => {
    git(sb.repo, ["checkout", "--", "clients"]);
    await primed();
    const [a, b] = notes.map((n) => join(sb.repo, n)) as [string, string];
    const keep = readFileSync(a);
    renameSync(b, a); // a's place now holds b's bytes (another inode)
    await expect(assertIntact(await fresh(), [spec()])).rejects.toThrow(/missing|differs/);
    git(sb.repo, ["checkout", "--", "clients"]);
    expect(readFileSync(a)).toEqual(keep);
    await primed();
    writeFileSync(join(sb.repo, "clients", client, "notes", "extra.age"), "x");
    await expect(assertIntact(await fresh(), [spec()])).rejects.toThrow(/not in the verified history/);
    rmSync(join(sb.repo, "clients", client, "notes", "extra.age"));
  });

  it("a commit elsewhere or a changed index is answered by HEAD's tree of the folder, without git status; a commit that changes the folder is a miss", async () => {
    await primed();
    // HEAD moves, the folder's tree in HEAD does not: known clean through the tree, no git status.
    git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--allow-empty", "-m", "x"]);
    expect(await cachedNow()).toEqual({ tree: expect.stringMatching(/^tree [0-9a-f]{40}$/) as unknown });
    expect(await statusesOf([spec()])).toBe(0);
    expect(await cachedNow()).toBe("same"); // remembered again at the new HEAD
    // Only the index changes (a staged deletion; the index was just written): the work tree
    // still holds HEAD's files, which is what a read uses; a commit leaves the staged change out
    // (src/store/git.ts commitStaged).
    git(sb.repo, ["rm", "-q", "--cached", notes[0] as string]);
    expect(await statusesOf([spec()])).toBe(0);
    git(sb.repo, ["reset", "-q", "--", "clients"]);
    // A commit that changes the folder in HEAD: the tree differs, git status runs and names the
    // file the work tree still holds.
    git(sb.repo, ["rm", "-q", "--cached", notes[0] as string]);
    git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "y"]);
    expect(await cachedNow()).toBe(false);
    await expect(assertIntact(await fresh(), [spec()])).rejects.toThrow(/not in the verified/);
    git(sb.repo, ["reset", "-q", "--soft", "HEAD~2"]);
    git(sb.repo, ["reset", "-q", "--", "clients"]);
    await primed();
    const dir = join(sb.repo, ".git", "chart", "intact");
    const [file] = (await import("node:fs")).readdirSync(dir).filter((f) => {
      const e = JSON.parse(readFileSync(join(dir, f), "utf8")) as { digest: string };
      return e.digest.length === 64;
    });
    const entry = JSON.parse(readFileSync(join(dir, file as string), "utf8")) as { mac: string };
    writeFileSync(join(dir, file as string), JSON.stringify({ ...entry, mac: "0".repeat(64) }));
    expect(await cachedNow()).toBe(false);
  });

  it("every client's profile: a commit that leaves the profiles as they are is answered by the tree; a profile changed in HEAD is a miss", async () => {
    const PROFILES = ":(glob)clients/*/profile.age";
    const known = async () => {
      const c = await fresh();
      const st = await stampOf(c, PROFILES, BigInt(Date.now()) * 1_000_000n);
      return st && !st.racyFiles ? knownIntact(c, PROFILES, st) : false;
    };
    await settle();
    await assertIntact(await fresh(), [PROFILES]);
    expect(await known()).toBe("same");
    git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "--allow-empty", "-m", "x"]);
    expect(await known()).toEqual({ tree: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    // The profile's blob changes in HEAD (the work tree keeps the old bytes): a miss, and git
    // status names it.
    const profile = `clients/${client}/profile.age`;
    const keep = readFileSync(join(sb.repo, profile));
    writeFileSync(join(sb.repo, profile), Buffer.concat([keep, Buffer.from("x")]));
    git(sb.repo, ["add", profile]);
    git(sb.repo, ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "y"]);
    writeFileSync(join(sb.repo, profile), keep);
    git(sb.repo, ["update-index", "--assume-unchanged", profile]); // the index as before; only HEAD differs
    expect(await known()).toBe(false);
    git(sb.repo, ["update-index", "--no-assume-unchanged", profile]);
    await expect(assertIntact(await fresh(), [PROFILES])).rejects.toThrow(/differs from the verified history/);
    git(sb.repo, ["reset", "-q", "--hard", "HEAD~2"]);
  });
});
