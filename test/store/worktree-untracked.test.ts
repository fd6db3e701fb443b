/**
 * The whole-chart work-tree check with git's untracked cache (src/store/worktree.ts): one status
 * of the whole tree, kept to the client folders, finds every change the per-pathspec status finds
 * (an untracked folder named as the folder), whether the cache is stored, stale or absent; the
 * check itself never writes git's index; a writer stores the cache; and a file planted in a
 * folder whose times are then set back is still found (git compares the folder's ctime).
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { openGit } from "../../src/store/git.js";
import { ALL_CLIENT_FOLDERS, storeUntrackedCache, treeChanges, type TreeChange } from "../../src/store/worktree.js";
import { hasUntrackedCache } from "../support/untracked-cache.js";

const root = tempDir("chart-untracked-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const CLIENTS = ["cl_aaaa", "cl_bbbb"];
const KINDS = ["notes", "meds"];

function makeRepo(): { dir: string; g: (args: string[]) => string; git: ReturnType<typeof openGit> } {
  const dir = join(root, `r${n++}`);
  mkdirSync(dir);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
  const g = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...env, GIT_CONFIG_GLOBAL: "/dev/null" } });
  g(["init", "-q", "--initial-branch=main"]);
  for (const c of CLIENTS) {
    writeFile(dir, `clients/${c}/profile.age`, c);
    for (const k of KINDS) for (let i = 0; i < 3; i++) writeFile(dir, `clients/${c}/${k}/r${i}.age`, `${c} ${k} ${i}`);
  }
  writeFile(dir, ".chart/format", "1");
  g(["add", "-A"]);
  g(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "records"]);
  return { dir, g, git: openGit(dir, env) };
}

function writeFile(dir: string, rel: string, text: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

/** The check as it was before the untracked cache: a status with the client-folder pathspec, every untracked file named. */
async function byPathspec(git: ReturnType<typeof openGit>): Promise<TreeChange[]> {
  return treeChanges(git, [ALL_CLIENT_FOLDERS, "clients/cl_none_such"]); // two pathspecs: the per-pathspec form
}

/** Every change of one answer is covered by the other (an untracked folder covers the files in it). */
function sameChanges(whole: readonly TreeChange[], each: readonly TreeChange[]): void {
  const covers = (w: TreeChange, e: TreeChange) => w.change === e.change && (w.path === e.path || (w.path.endsWith("/") && e.path.startsWith(w.path)));
  for (const e of each) expect(whole.some((w) => covers(w, e)), `${e.change} ${e.path} not found`).toBe(true);
  for (const w of whole) expect(each.some((e) => covers(w, e)), `${w.change} ${w.path} not expected`).toBe(true);
}

const ops = fc.oneof(
  fc.record({ op: fc.constant("plant" as const), client: fc.constantFrom(...CLIENTS, "cl_new"), sub: fc.constantFrom(...KINDS, "extra", "extra/deeper"), name: fc.constantFrom("x.age", "nt_fake.age", ".hidden") }),
  fc.record({ op: fc.constant("change" as const), client: fc.constantFrom(...CLIENTS), sub: fc.constantFrom(...KINDS), i: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant("remove" as const), client: fc.constantFrom(...CLIENTS), sub: fc.constantFrom(...KINDS), i: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant("outside" as const), name: fc.constantFrom("clients/.DS_Store", "clients/notes.txt", "junk/x", "clients/other/x") }),
  fc.record({ op: fc.constant("store" as const) }),
  fc.record({ op: fc.constant("restore" as const) }),
);

describe("the whole-chart check with git's untracked cache", () => {
  it("a writer stores the cache; the check uses it and never writes the index", async () => {
    const { dir, git } = makeRepo();
    expect(hasUntrackedCache(dir)).toBe(false);
    await storeUntrackedCache(git);
    expect(hasUntrackedCache(dir)).toBe(true);
    const before = statSync(join(dir, ".git", "index"), { bigint: true });
    expect(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true })).toEqual([]);
    writeFile(dir, "clients/cl_aaaa/notes/planted.age", "x");
    expect(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true })).toEqual([{ path: "clients/cl_aaaa/notes/planted.age", change: "added" }]);
    const after = statSync(join(dir, ".git", "index"), { bigint: true });
    expect([after.ino, after.mtimeNs, after.size]).toEqual([before.ino, before.mtimeNs, before.size]);
  });

  it.each([false, true])("a file planted in a folder whose times are then set back is found (the user's git config says core.trustctime=false: %s)", async (untrusting) => {
    const { dir, g, git } = makeRepo();
    if (untrusting) g(["config", "core.trustctime", "false"]);
    const folder = join(dir, "clients", "cl_bbbb", "meds");
    // Stored well after the folder's last change, so git trusts the folder's stats (not racy).
    const old = new Date(Date.now() - 3600_000);
    utimesSync(folder, old, old);
    await storeUntrackedCache(git);
    expect(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true })).toEqual([]);
    // git compares a folder's ctime to the second (as it does a file's, without USE_NSEC): a
    // change within the same second as the folder's last one, before the cache was stored, is
    // the racy window git's stat check has for files too (docs/verifiable-history.md).
    await new Promise((r) => setTimeout(r, 1100));
    const times = statSync(folder);
    writeFileSync(join(folder, "planted.age"), "x");
    utimesSync(folder, times.atime, times.mtime); // mtime back as it was; ctime cannot be set back
    expect(statSync(folder).mtimeMs).toBe(times.mtimeMs);
    expect(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true })).toEqual([{ path: "clients/cl_bbbb/meds/planted.age", change: "added" }]);
  });

  it("a user's git config that turns the cache off, or weakens stat checks, changes no answer", async () => {
    const { dir, g, git } = makeRepo();
    await storeUntrackedCache(git);
    g(["config", "core.untrackedCache", "false"]);
    g(["config", "core.trustctime", "false"]);
    g(["config", "core.checkStat", "minimal"]);
    writeFile(dir, "clients/cl_aaaa/extra/planted.age", "x");
    expect(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true })).toEqual([{ path: "clients/cl_aaaa/extra/", change: "added" }]);
  });

  it("a chart folder below the top of its repository is checked by pathspec: the whole tree's paths are not its own", async () => {
    const { dir, g } = makeRepo();
    // The same records one folder down, in a repository whose top is `dir`.
    mkdirSync(join(dir, "sub"));
    g(["mv", "clients", "sub/clients"]);
    g(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "down"]);
    const git = openGit(join(dir, "sub"), { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1" });
    await storeUntrackedCache(git);
    writeFile(dir, "sub/clients/cl_aaaa/notes/planted.age", "x");
    // Named by git from the repository's top; what matters is that it is found, as before.
    expect((await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: false })).map((c) => c.change)).toEqual(["added"]);
    expect(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true })).toEqual([]); // why the guard exists
  });

  it("finds what the per-pathspec status finds, through any changes and stores of the cache", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ops, { minLength: 1, maxLength: 8 }), async (steps) => {
        const { dir, g, git } = makeRepo();
        try {
          for (const s of steps) {
            if (s.op === "plant") writeFile(dir, `clients/${s.client}/${s.sub}/${s.name}`, "planted");
            else if (s.op === "change") writeFile(dir, `clients/${s.client}/${s.sub}/r${s.i}.age`, `changed ${Math.random()}`);
            else if (s.op === "remove") rmSync(join(dir, `clients/${s.client}/${s.sub}/r${s.i}.age`), { force: true });
            else if (s.op === "outside") writeFile(dir, s.name, "not a record");
            else if (s.op === "store") await storeUntrackedCache(git);
            else {
              g(["checkout", "-q", "HEAD", "--", "."]);
              g(["clean", "-q", "-fdx"]);
            }
            sameChanges(await treeChanges(git, [ALL_CLIENT_FOLDERS], { toplevel: true }), await byPathspec(git));
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
