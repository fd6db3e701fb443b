/**
 * Writers at once, and writers killed at random moments: nothing lost, never a half file.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadIdentity } from "../../src/store/identity.js";
import { readPaths } from "../../src/store/records.js";
import { openChart } from "../../src/store/repo.js";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { git, settleRepo, verifyTrackedFiles } from "../support/verify.js";

let sb: Sandbox;
let cid: string;

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Connie Current");
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ReturnType<Sandbox["spawn"]>) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    let stderr = "";
    p.stderr?.on("data", (d) => (stderr += String(d)));
    p.on("exit", (code, signal) => setTimeout(() => resolve({ code, signal, stderr }), 20));
  });

const settle = (): Promise<void> => settleRepo(sb.repo);

describe("concurrent and interrupted writers", () => {
  it("four `chart note add` at once all land, one commit each", async () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const runs = Array.from({ length: 4 }, (_, i) => exited(sb.spawn(["note", "add", cid, "-m", `concurrent note ${i}`])));
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const bodies = JSON.parse(sb.ok(["note", "list", cid, "--json"])).map((n: { body: string }) => n.body.trim());
    expect(bodies.sort()).toEqual([0, 1, 2, 3].map((i) => `concurrent note ${i}`));
    const commits = git(sb.repo, ["log", "--format=%x00%s", "--name-only", `${head}..HEAD`]).split("\0").filter(Boolean);
    expect(commits).toHaveLength(4);
    for (const c of commits) {
      const [subject, ...paths] = c.trim().split("\n").filter(Boolean);
      expect(subject).toBe("chart: add note");
      expect(paths).toHaveLength(1);
    }
    expect(git(sb.repo, ["status", "--porcelain"])).toBe("");
  });

  it("SIGKILL at random moments of `note add`: old state or new, never a half file", async () => {
    const identity = await loadIdentity(sb.identity);
    const notesDir = join(sb.repo, "clients", cid, "notes");
    // How long one run takes here, to spread the kills over all of it.
    const t0 = Date.now();
    sb.ok(["note", "add", cid, "-m", "timing run"]);
    const span = Math.max(200, Date.now() - t0);
    const tally = { beforeWrite: 0, uncommitted: 0, staged: 0, committed: 0, recoverable: 0 };
    const expected = new Set(JSON.parse(sb.ok(["note", "list", cid, "--json"])).map((n: { id: string }) => n.id));
    for (let i = 0; i < 20; i++) {
      const commitsBefore = Number(git(sb.repo, ["rev-list", "--count", "HEAD"]));
      const filesBefore = new Set(readdirSync(notesDir).filter((f) => !f.startsWith(".")));
      const p = sb.spawn(["note", "add", cid, "-m", `killed run ${i}`]);
      const done = exited(p);
      await sleep(Math.floor(((i + Math.random()) / 20) * span * 1.1));
      p.kill("SIGKILL");
      await done;
      await settle();

      // Every record file there is decrypts and verifies: no partial file ever.
      const chart = await openChart(sb.repo, identity, sb.env);
      const names = readdirSync(notesDir);
      const paths = names.filter((f) => !f.startsWith(".")).map((f) => `clients/${cid}/notes/${f}`);
      const { records, failures } = await readPaths(chart, paths);
      expect(failures.map((f) => `${f.path}: ${f.error.message}`)).toEqual([]);
      // Temp files, if any, are ignored by git and never listed.
      for (const t of names.filter((f) => f.startsWith("."))) expect(t).toMatch(/\.tmp-/);
      // git status: at most whole new note files, untracked or staged; nothing modified.
      const status = git(sb.repo, ["status", "--porcelain", "--untracked-files=all"]).split("\n").filter(Boolean);
      for (const line of status) expect(line).toMatch(new RegExp(`^(\\?\\?|A ) clients/${cid}/notes/nt_[a-z2-7]{26}\\.age$`));
      const commitsAfter = Number(git(sb.repo, ["rev-list", "--count", "HEAD"]));
      const newFiles = paths.filter((x) => !filesBefore.has(x.split("/").at(-1) as string));
      expect(newFiles.length).toBeLessThanOrEqual(1);
      if (status.length) tally.recoverable += 1;
      // A run that takes over a killed run's lock first commits what that run left complete
      // ("chart: recover interrupted write"), then its own note: at most one of each.
      const subjects = commitsAfter > commitsBefore ? git(sb.repo, ["log", `-${commitsAfter - commitsBefore}`, "--format=%s"]).trim().split("\n") : [];
      expect(subjects.filter((m) => m !== "chart: recover interrupted write").length).toBeLessThanOrEqual(1);
      expect(subjects.filter((m) => m === "chart: recover interrupted write").length).toBeLessThanOrEqual(1);
      if (subjects.includes("chart: add note")) tally.committed += 1;
      else if (status.some((l) => l.startsWith("A "))) tally.staged += 1;
      else if (newFiles.length) tally.uncommitted += 1;
      else tally.beforeWrite += 1;
      for (const r of records) expected.add(r.id);
    }
    // The chart still works: the stale writer lock is taken over, and a new note lands.
    const after = sb.run(["note", "add", cid, "-m", "after the kills"]);
    expect(after.code, after.stderr).toBe(0);
    const listed = JSON.parse(sb.ok(["note", "list", cid, "--json"])).map((n: { id: string }) => n.id);
    for (const id of expected) expect(listed).toContain(id);
    // Whatever a kill left complete but uncommitted, fsck --repair commits: nothing is lost.
    sb.ok(["fsck", "--repair"]);
    expect(git(sb.repo, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    verifyTrackedFiles(sb.repo, sb.identity);
    console.log(`kill points over ${span} ms: ${JSON.stringify(tally)}`);
    expect(tally.beforeWrite + tally.uncommitted + tally.staged + tally.committed).toBe(20);
  });

  it("SIGKILL at random moments of `note edit`: the note holds the old text or the new, whole", async () => {
    const identity = await loadIdentity(sb.identity);
    const nid = sb.ok(["note", "add", cid, "-m", "version 0"]);
    const path = `clients/${cid}/notes/${nid}.age`;
    const t0 = Date.now();
    sb.ok(["note", "edit", nid, "-m", "version 1"]);
    const span = Math.max(200, Date.now() - t0);
    let last = "version 1\n";
    for (let i = 2; i < 8; i++) {
      const p = sb.spawn(["note", "edit", nid, "-m", `version ${i}`]);
      const done = exited(p);
      await sleep(Math.floor(((i - 2 + Math.random()) / 6) * span * 1.1));
      p.kill("SIGKILL");
      await done;
      await settle();
      const chart = await openChart(sb.repo, identity, sb.env);
      const { records, failures } = await readPaths(chart, [path]);
      expect(failures).toEqual([]);
      const body = records[0]?.body as string;
      expect([last, `version ${i}\n`]).toContain(body);
      last = body;
      const status = git(sb.repo, ["status", "--porcelain"]).split("\n").filter(Boolean);
      for (const line of status) expect(line).toMatch(new RegExp(`^(\\?\\?|A |M | M|MM) clients/${cid}/notes/nt_[a-z2-7]{26}\\.age$`));
    }
  });
});
