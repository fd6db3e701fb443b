/**
 * chart search end to end, and cache equivalence: every listing and search prints the same with
 * a warm read cache as with none, after adds, edits, an import, a key change, and a pull of
 * another clone's commits.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { hasUntrackedCache } from "../support/untracked-cache.js";

const rid = (p: string) => `${p}_${[...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("")}`;

describe("chart search", () => {
  let sb: Sandbox;
  let ada: string;
  let ben: string;
  let signed: string;

  beforeAll(() => {
    sb = sandbox();
    ada = addClient(sb, "Zoë Ada");
    ben = addClient(sb, "Ben Other");
    sb.ok(["note", "add", ada, "-d", "2025-01-05", "-m", "Slept poorly. Panic attack on Tuesday; insomnia persists."]);
    signed = sb.ok(["note", "add", ada, "-d", "2025-02-01", "-m", "Café visit went well.", "--sign"]);
    sb.ok(["note", "amend", signed, "-m", "Addendum: INSOMNIÄ came back."]);
    sb.ok(["note", "add", ada, "-k", "psychotherapy", "-d", "2025-03-01", "-m", "Process notes: insomnia and the dream."]);
    sb.ok(["note", "add", ben, "-d", "2025-01-10", "-m", "Insomnia improving with sleep hygiene."]);
    sb.ok(["med", "add", ada, "Sertraline", "--dose", "50 mg", "--start", "2025-01-05"]);
    sb.ok(["dx", "add", ada, "F41.0", "-d", "2025-01-05"]);
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  const search = (args: string[]) => JSON.parse(sb.ok(["--json", "search", ...args])) as { id: string; client: string; date: string; kind: string; snippet: string; matches: { start: number; end: number }[] }[];

  it("is case- and accent-insensitive, newest first, notes with their addenda", () => {
    const r = search(["INSOMNIA"]);
    expect(r.map((x) => x.date)).toEqual(["2025-02-01", "2025-01-10", "2025-01-05"]);
    expect(r[0]?.id).toBe(signed); // matched through its addendum
    expect(search(["cafe"]).map((x) => x.id)).toEqual([signed]);
    expect(search(["zoë"])).toEqual([]); // names are not note text
    for (const x of r) for (const m of x.matches) expect(x.snippet.slice(m.start, m.end).toLowerCase()).toMatch(/insomni/);
  });

  it("ANDs words, matches quoted phrases and trailing-* prefixes", () => {
    expect(search(["insomnia", "panic"]).length).toBe(1);
    expect(search(['"panic attack"']).length).toBe(1);
    expect(search(['"attack panic"']).length).toBe(0);
    expect(search(["insom*"]).length).toBe(3);
    expect(search(["insom"]).length).toBe(0);
    expect(search(["sertra*"]).map((x) => x.kind)).toEqual(["med"]);
    expect(search(["panic", "disorder"]).map((x) => x.kind)).toEqual(["dx"]);
  });

  it("filters by client, kind and dates; psychotherapy notes only with --psychotherapy", () => {
    expect(search(["insomnia", "--client", ben]).map((x) => x.client)).toEqual([ben]);
    expect(search(["insomnia", "--since", "2025-01-06", "--until", "2025-01-31"]).map((x) => x.date)).toEqual(["2025-01-10"]);
    expect(search(["insomnia", "--kind", "med"])).toEqual([]);
    expect(search(["dream"])).toEqual([]);
    expect(search(["dream", "--psychotherapy"]).length).toBe(1);
    expect(search(["insomnia", "--psychotherapy"]).map((x) => x.date)).toEqual(["2025-03-01"]);
  });

  it("prints no escape codes on a pipe, and refuses an empty query", () => {
    const out = sb.ok(["search", "insomnia"], { env: { FORCE_COLOR: "0" } });
    expect(out).toContain("insomnia");
    expect(out).not.toContain("\x1b[");
    expect(sb.run(["search", "***"]).code).toBe(2);
  });
});

describe("read cache equivalence", () => {
  let sb: Sandbox;
  let a: string;
  let b: string;
  const outs: string[] = [];
  beforeAll(() => {
    sb = sandbox();
    a = addClient(sb, "Cache Ada");
    b = addClient(sb, "Cache Ben");
  });
  afterAll(() => {
    for (const d of outs) rmSync(d, { recursive: true, force: true });
    rmSync(sb.home, { recursive: true, force: true });
  });

  const views = () => [
    ["client", "list", "--all"],
    ["note", "list", a],
    ["note", "list", b],
    ["note", "list", a, "--psychotherapy"],
    ["timeline", a],
    ["timeline", b, "--psychotherapy"],
    ["med", "list", a],
    ["dx", "list", a],
    ["search", "sleep*"],
    ["search", "plan", "--psychotherapy"],
    ["--json", "search", "mood"],
  ];
  /**
   * Each view with the cache as the last step left it (partly out of date: the interesting
   * case), then with none: the same output.
   */
  function same(step: string): void {
    for (const v of views()) {
      const warm1 = sb.run(v);
      rmSync(join(sb.repo, ".git", "chart", "cache"), { recursive: true, force: true });
      const cold = sb.run(v);
      expect(warm1.code, `${step}: ${v.join(" ")} ${warm1.stderr}`).toBe(0);
      expect(cold.stdout, `${step}: ${v.join(" ")}`).toBe(warm1.stdout);
      expect(cold.code).toBe(warm1.code);
    }
  }

  it("after adds, edits, an import, a key change and a pull", () => {
    const n1 = sb.ok(["note", "add", a, "-d", "2025-01-01", "-m", "Sleep poor, mood low."]);
    const draft = sb.ok(["note", "add", b, "-d", "2025-01-04", "-m", "A draft on sleep."]);
    sb.ok(["note", "add", b, "-d", "2025-01-02", "-m", "Mood better; sleep fine.", "--sign"]);
    sb.ok(["note", "add", a, "-k", "psychotherapy", "-d", "2025-01-03", "-m", "Plan: explore sleep."]);
    sb.ok(["med", "add", a, "Melatonin", "--dose", "3 mg", "--start", "2025-01-01"]);
    sb.ok(["dx", "add", a, "G47.00", "-d", "2025-01-01"]);
    same("adds");
    sb.ok(["note", "edit", n1, "-m", "Sleeping better, mood lifting."]);
    sb.ok(["note", "sign", n1]);
    sb.ok(["note", "amend", n1, "-m", "Addendum: mood steady."]);
    same("edits");

    const lines = [
      JSON.stringify({ kind: "note", id: rid("nt"), client: a, created: "2025-02-01T00:00:00Z", type: "progress", template: "free", date: "2025-02-01", status: "signed", body: "Imported: sleep diary reviewed, mood fair.\n" }),
      JSON.stringify({ kind: "note", id: rid("nt"), client: b, created: "2025-02-02T00:00:00Z", type: "progress", template: "free", date: "2025-02-02", status: "draft", body: "Imported draft about mood.\n" }),
    ];
    const file = join(sb.tmp, "cache.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    sb.ok(["import", file]);
    rmSync(file);
    same("import");

    const other = join(sb.home, "other.key");
    execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
    const recipient = execFileSync("age-keygen", ["-y", other], { encoding: "utf8" }).trim();
    // A key change rewrites every record, and stores git's untracked cache again (src/store/worktree.ts).
    execFileSync("git", ["update-index", "--no-untracked-cache"], { cwd: sb.repo, env: sb.env });
    expect(hasUntrackedCache(sb.repo)).toBe(false);
    sb.ok(["key", "add", recipient, "--label", "laptop"]);
    expect(hasUntrackedCache(sb.repo)).toBe(true);
    same("key add");

    // Another clone (this identity) writes; this one pulls with plain git.
    const clone = join(sb.home, "clone");
    execFileSync("git", ["clone", "-q", sb.repo, clone], { env: sb.env });
    sb.ok(["note", "add", a, "-d", "2025-03-01", "-m", "From the other clone: sleep steady, mood good."], { cwd: clone, env: { CHART_REPO: clone } });
    sb.ok(["note", "edit", draft, "-m", "Draft changed on the other clone: sleep restless."], { cwd: clone, env: { CHART_REPO: clone } });
    outs.push(clone);
    execFileSync("git", ["pull", "-q", "--no-rebase", clone, "HEAD"], { cwd: sb.repo, env: { ...sb.env, GIT_MERGE_AUTOEDIT: "no" } });
    same("pull");

    // A change in the work tree, not committed: refused the same way with the cache and without
    // (the cache never answers for a file that differs from HEAD); put back, the same again.
    const notes = join(sb.repo, "clients", a, "notes");
    const [one, two] = readdirSync(notes).filter((f) => f.endsWith(".age"));
    const saved = readFileSync(join(notes, one as string));
    copyFileSync(join(notes, two as string), join(notes, one as string));
    for (const v of [["note", "list", a], ["search", "sleep*"], ["timeline", a]]) {
      const warm = sb.run(v);
      rmSync(join(sb.repo, ".git", "chart", "cache"), { recursive: true, force: true });
      const cold = sb.run(v);
      expect(warm.code, v.join(" ")).not.toBe(0);
      expect(warm.stderr).toMatch(/changed outside chart/);
      expect([cold.code, cold.stdout]).toEqual([warm.code, warm.stdout]);
    }
    writeFileSync(join(notes, one as string), saved);
    same("work tree put back");
  }, 300_000);
});

/**
 * A warm search answers from the index while the work-tree check (git status) runs
 * (src/store/search-index.ts): a change made outside chart between two searches must still be
 * refused, with nothing printed and nothing from the index logged as read.
 */
describe("a warm search and changes made outside chart", () => {
  let sb: Sandbox;
  let a: string;
  let b: string;
  beforeAll(() => {
    sb = sandbox();
    a = addClient(sb, "Tree Ada");
    b = addClient(sb, "Tree Ben");
    sb.ok(["note", "add", a, "-d", "2025-01-01", "-m", "Sleep poor, panic at night."]);
    sb.ok(["note", "add", a, "-d", "2025-01-02", "-m", "Sleep better; no panic."]);
    sb.ok(["note", "add", b, "-d", "2025-01-03", "-m", "Panic attack; sleep short."]);
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  const notesOf = (c: string) => join(sb.repo, "clients", c, "notes");
  const lastSearchReads = (): string[] => {
    const entries = JSON.parse(sb.ok(["--json", "access-log"])) as { command: string; read: string[] }[];
    return entries.filter((e) => e.command === "search").at(-1)?.read ?? [];
  };
  /** Warm the index, change the work tree, search: refused; put back: the same result as before. */
  function refusedAfter(change: () => () => void): void {
    const before = sb.ok(["search", "panic", "sleep"]);
    expect(before.split("\n").length).toBe(4); // header and three notes
    expect(sb.ok(["search", "panic", "sleep"])).toBe(before); // warm: from the index
    const logged = lastSearchReads().length;
    expect(logged).toBeGreaterThan(3);
    const putBack = change();
    const r = sb.run(["search", "panic", "sleep"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/changed outside chart/);
    expect(r.stdout).toBe("");
    // Only the profiles (read before the search) may be logged; no note came from the index.
    expect(lastSearchReads().filter((p) => p.includes("/"))).toEqual([]);
    putBack();
    expect(sb.ok(["search", "panic", "sleep"])).toBe(before);
  }

  it("with --limit: the newest matches, and only the notes it looked at are logged as read", () => {
    sb.ok(["search", "panic", "sleep"]); // the index, built
    const one = JSON.parse(sb.ok(["search", "panic", "sleep", "-n", "1", "--json"])) as { id: string; date: string; client: string }[];
    expect(one.map((h) => [h.date, h.client])).toEqual([["2025-01-03", b]]);
    const notesRead = () => lastSearchReads().filter((p) => p.includes("/nt_")); // the log names client/record
    expect(notesRead()).toEqual([`${b}/${one[0]?.id}`]);
    const two = JSON.parse(sb.ok(["search", "panic", "sleep", "-n", "2", "--json"])) as { id: string; date: string }[];
    expect(two.map((h) => h.date)).toEqual(["2025-01-03", "2025-01-02"]);
    expect(notesRead()).toHaveLength(2);
    const all = JSON.parse(sb.ok(["search", "panic", "sleep", "--json"])) as { id: string }[];
    expect(all.slice(0, 2)).toEqual(two);
    expect(notesRead()).toHaveLength(3);
  });

  it("a record rewritten in place, same size, its times set back", () => {
    refusedAfter(() => {
      const [one] = readdirSync(notesOf(a)).filter((f) => f.endsWith(".age")).sort();
      const file = join(notesOf(a), one as string);
      const saved = readFileSync(file);
      const st = statSync(file);
      const changed = Buffer.from(saved);
      changed.writeUInt8(changed.readUInt8(changed.length - 20) ^ 1, changed.length - 20);
      writeFileSync(file, changed); // in place: the folder's own times do not move
      utimesSync(file, st.atime, st.mtime);
      return () => writeFileSync(file, saved);
    });
  });

  it("git's untracked cache stored (by an import): a record planted, its folder's times set back", async () => {
    const line = JSON.stringify({ kind: "note", id: rid("nt"), client: b, created: "2025-01-04T00:00:00Z", type: "progress", template: "free", date: "2025-01-04", status: "draft", body: "Imported: mood fair.\n" });
    const file = join(sb.tmp, "untracked.jsonl");
    writeFileSync(file, `${line}\n`);
    sb.ok(["import", file]);
    expect(hasUntrackedCache(sb.repo)).toBe(true);
    // Past the second of the folder's last change (git compares a folder's ctime to the second).
    await new Promise((r) => setTimeout(r, 1100));
    refusedAfter(() => {
      const folder = notesOf(a);
      const st = statSync(folder);
      const [one] = readdirSync(folder).filter((f) => f.endsWith(".age"));
      const extra = join(folder, `nt_${"b".repeat(26)}.age`);
      copyFileSync(join(folder, one as string), extra);
      utimesSync(folder, st.atime, st.mtime); // the folder's mtime as it was; its ctime moved
      return () => rmSync(extra);
    });
  });

  it("a record added, and one removed", () => {
    refusedAfter(() => {
      const [one] = readdirSync(notesOf(b)).filter((f) => f.endsWith(".age"));
      const extra = join(notesOf(b), `nt_${"a".repeat(26)}.age`);
      copyFileSync(join(notesOf(b), one as string), extra);
      return () => rmSync(extra);
    });
    refusedAfter(() => {
      const [one] = readdirSync(notesOf(b)).filter((f) => f.endsWith(".age"));
      const file = join(notesOf(b), one as string);
      const saved = readFileSync(file);
      rmSync(file);
      return () => writeFileSync(file, saved);
    });
  });
});
