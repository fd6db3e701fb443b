/**
 * Many devices through git, real git only: a bare remote whose default branch is `master`,
 * three devices with their own identities (one inits, two join), concurrent work on each
 * (notes, events, consents, profile edits of one client, the same draft), syncs in several
 * orders, an interrupted sync re-run. Then every device holds every record, no .age file holds
 * conflict markers, every commit is chart's generic author and committer, fsck --decrypt passes.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, type RunResult, type Sandbox } from "../support/e2e.js";
import { hasUntrackedCache } from "../support/untracked-cache.js";

const gitIn = (dir: string, args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });

let remotes: string;
let origin: string;
const devices: Sandbox[] = [];
let A: Sandbox;
let B: Sandbox;
let C: Sandbox;
let client = "";
let draft = "";

/** Run in the device's chart. */
const run = (sb: Sandbox, args: string[], env?: Record<string, string>): RunResult => sb.run(args, { cwd: sb.repo, env });
const ok = (sb: Sandbox, args: string[]): string => {
  const r = run(sb, args);
  if (r.code !== 0) throw new Error(`chart ${args.join(" ")} exited ${r.code}\n${r.stderr}`);
  return r.stdout.trim();
};

function ageFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    if (e.name === ".git") continue;
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...ageFiles(dir, p));
    else if (p.endsWith(".age")) out.push(p);
  }
  return out;
}

/** The `chart key add …` line a joining device prints, as arguments: recipient, signing key, label. */
const addLines = new Map<Sandbox, string[]>();

function joinDevice(label: string): Sandbox {
  const sb = sandbox({ init: false });
  devices.push(sb);
  // A real name in the user's git config must never reach a commit.
  writeFileSync(join(sb.home, ".gitconfig"), `[user]\n\tname = Real Person ${label}\n\temail = ${label}@example.org\n`);
  const r = sb.run(["join", origin, sb.repo, "--label", label], { cwd: sb.home, env: { GIT_CONFIG_GLOBAL: join(sb.home, ".gitconfig") } });
  expect(r.code, r.stderr).toBe(0);
  const line = r.stdout.trim();
  const m = new RegExp(`^chart key add (age1[0-9a-z]{58}) --signing-key "(ssh-ed25519 [A-Za-z0-9+/=]+)" --label ${label}$`).exec(line);
  expect(m, line).not.toBeNull();
  addLines.set(sb, ["key", "add", m?.[1] as string, "--signing-key", m?.[2] as string, "--label", label]);
  return sb;
}

beforeAll(() => {
  remotes = tempDir("chart-remotes-");
  origin = join(remotes, "origin.git");
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=master", origin]);
  A = sandbox();
  devices.push(A);
  writeFileSync(join(A.home, ".gitconfig"), "[user]\n\tname = Real Person A\n\temail = a@example.org\n");
  client = ok(A, ["client", "add", "--name", "Sam Sync", "--phone", "555 0100"]);
  draft = ok(A, ["note", "add", client, "-m", "first draft"]);
  ok(A, ["note", "add", client, "-m", "signed on A", "--sign"]);
  ok(A, ["remote", "add", "origin", origin]);
  ok(A, ["sync"]);
}, 120_000);

afterAll(() => {
  for (const d of devices) rmSync(d.home, { recursive: true, force: true });
  if (remotes) rmSync(remotes, { recursive: true, force: true });
});

describe("sync across devices", () => {
  it("join: a new device clones a master-default remote, explains what is waiting, and becomes readable after key add + sync", () => {
    B = joinDevice("desk");
    C = joinDevice("tablet");
    for (const d of [B, C]) {
      const show = run(d, ["key", "show"]);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain("cannot open the chart yet");
      const st = JSON.parse(ok(d, ["status", "--json"]));
      expect(st.readable).toBe(false);
      expect(st.next.join("\n")).toMatch(/chart key add age1/);
      expect(run(d, ["note", "list", client]).code).toBe(6);
    }
    for (const d of [B, C]) ok(A, addLines.get(d) as string[]);
    ok(A, ["sync"]);
    for (const d of [B, C]) {
      ok(d, ["sync"]);
      expect(JSON.parse(ok(d, ["status", "--json"])).readable).toBe(true);
      expect(ok(d, ["note", "list", client])).toContain("first draft");
    }
  });

  it("concurrent work on three devices merges in any order: nothing lost, both draft versions kept", () => {
    // Round 1: everyone works offline, then A, B, C sync in that order.
    ok(A, ["client", "edit", client, "--phone", "555 1111"]); // the same field as C
    ok(A, ["note", "edit", draft, "-m", "draft as written on A"]);
    ok(A, ["med", "add", client, "sertraline", "--dose", "50 mg"]);
    ok(B, ["client", "edit", client, "--email", "sam@example.org"]); // another field
    ok(B, ["note", "edit", draft, "-m", "draft as written on B"]);
    ok(B, ["dx", "add", client, "F41.1"]);
    ok(B, ["consent", "add", client, "--to", "Dr Who", "--purpose", "care", "--share", "diagnoses", "--expires", "2099-01-01", "--signed", "2026-01-01"]);
    ok(C, ["client", "edit", client, "--phone", "555 2222"]);
    ok(C, ["note", "add", client, "-m", "note from C"]);
    for (const d of [A, B, C]) ok(d, ["sync"]);
    // B fast-forwarded or merged what A pushed, C merged: each stored git's untracked cache for
    // the whole-chart check (src/store/worktree.ts).
    for (const d of [B, C]) expect(hasUntrackedCache(d.repo), d.repo).toBe(true);
    // Round 2: more work, syncs in the other order.
    ok(C, ["note", "add", client, "-m", "second note from C"]);
    ok(A, ["note", "add", client, "-m", "note from A"]);
    ok(B, ["med", "add", client, "bupropion", "--dose", "150 mg"]);
    for (const d of [C, B, A]) ok(d, ["sync"]);
    for (const d of [A, B, C, A]) ok(d, ["sync"]);

    const heads = [A, B, C].map((d) => gitIn(d.repo, ["rev-parse", "HEAD"]).trim());
    expect(new Set(heads).size).toBe(1);
    for (const d of [A, B, C]) {
      const notes = JSON.parse(ok(d, ["note", "list", client, "--json"])) as { id: string; body: string }[];
      expect(notes.length).toBe(5);
      const meds = ok(d, ["med", "list", client]);
      expect(meds).toContain("sertraline");
      expect(meds).toContain("bupropion");
      expect(ok(d, ["dx", "list", client])).toContain("F41.1");
      expect(ok(d, ["consent", "list", client])).toContain("Dr Who");
      const profile = JSON.parse(ok(d, ["client", "show", client, "--json"]));
      expect(profile.email).toBe("sam@example.org"); // B's field survived A's and C's edits
      const phones = [profile.phone, ...(profile.alternatives ?? []).filter((a: { field: string }) => a.field === "phone").map((a: { value: string }) => a.value)];
      expect(phones).toEqual(expect.arrayContaining(["555 1111", "555 2222"])); // one stands, the other is kept
      expect(ok(d, ["note", "list", client])).toMatch(/draft \(2 versions\)/);
      const versions = ok(d, ["note", "resolve", draft]);
      expect(versions).toContain("draft as written on A");
      expect(versions).toContain("draft as written on B");
    }
  }, 240_000); // three devices and a dozen syncs, each verifying what arrives: about 30 s alone, over 60 s on a loaded machine

  it("note resolve settles the draft, and the resolution syncs everywhere", () => {
    expect(run(A, ["note", "sign", draft]).code).toBe(3); // two versions: settle first
    const listed = JSON.parse(ok(A, ["note", "resolve", draft, "--json"])).versions as { n: number; current: boolean; fields?: { body?: string } }[];
    const b = listed.find((v) => (v.fields?.body ?? "").includes("written on B")) ?? listed.find((v) => v.current);
    ok(A, ["note", "resolve", draft, "--keep", String(b?.n ?? 1)]);
    for (const d of [A, B, C]) ok(d, ["sync"]);
    for (const d of [A, B, C]) {
      expect(ok(d, ["note", "list", client])).not.toMatch(/versions/);
      expect(run(d, ["note", "resolve", draft]).code).toBe(4);
    }
  });

  it("an interrupted sync (killed mid-way, or a half merge left behind) is undone and re-run", async () => {
    ok(A, ["note", "add", client, "-m", "A before the kill"]);
    ok(A, ["sync"]);
    ok(B, ["note", "add", client, "-m", "B before the kill"]);
    // A half merge left by a killed sync: git's merge stopped on the conflicting files.
    gitIn(B.repo, ["fetch", "--quiet", "origin"]);
    const m = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "merge", "--no-commit", "--no-ff", "origin/main"], { cwd: B.repo, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
    expect(statSync(join(B.repo, ".git", "MERGE_HEAD"), { throwIfNoEntry: false })?.isFile(), m.stdout + m.stderr).toBe(true);
    expect(JSON.parse(ok(B, ["status", "--json"])).mergeInProgress).toBe(true);
    ok(B, ["sync"]);
    // A sync killed at some moment, then run again: at a few moments, since a sync may finish
    // before a later one (the end is listened for from the start: a sync done before the kill
    // has already closed).
    for (const [i, delay] of [50, 150, 400].entries()) {
      ok(C, ["note", "add", client, "-m", i === 0 ? "C before the kill" : `C before kill ${i}`]);
      ok(A, ["note", "add", client, "-m", `A before kill ${i}`]);
      ok(A, ["sync"]);
      const child = C.spawn(["sync"], { cwd: C.repo });
      const closed = new Promise((r) => child.on("close", r));
      await new Promise((r) => setTimeout(r, delay));
      child.kill("SIGKILL");
      await closed;
      ok(C, ["sync"]);
    }
    for (const d of [A, B, C, A, B]) ok(d, ["sync"]);
    for (const d of [A, B, C]) {
      const list = ok(d, ["note", "list", client]);
      for (const t of ["A before the kill", "B before the kill", "C before the kill"]) expect(list).toContain(t);
    }
  });

  it("every device: no conflict markers, every commit generic, fsck --decrypt passes", () => {
    for (const d of [A, B, C]) {
      for (const f of ageFiles(d.repo)) {
        const data = readFileSync(join(d.repo, f));
        expect(data.subarray(0, 22).toString("latin1"), f).toBe("age-encryption.org/v1\n");
        expect(data.includes("<<<<<<<"), f).toBe(false);
        expect(data.includes(">>>>>>>"), f).toBe(false);
      }
      const people = new Set(gitIn(d.repo, ["log", "--all", "--format=%an|%ae|%cn|%ce"]).trim().split("\n"));
      expect([...people]).toEqual(["chart|chart@localhost|chart|chart@localhost"]);
      const merges = gitIn(d.repo, ["log", "--merges", "--format=%s"]).trim().split("\n");
      expect(merges.length).toBeGreaterThan(0);
      for (const m of merges) expect(m).toBe("chart: sync");
      const r = run(d, ["fsck", "--decrypt"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(gitIn(d.repo, ["status", "--porcelain"]).trim()).toBe("");
    }
  });

  it("failures are exit 7 with a hint and change nothing: unreachable, hung, refusing remotes", () => {
    const head = gitIn(A.repo, ["rev-parse", "HEAD"]).trim();
    ok(A, ["remote", "add", "gone", join(remotes, "missing.git")]);
    let r = run(A, ["sync", "gone"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^hint: /m);
    // A remote that never answers: killed after CHART_GIT_TIMEOUT seconds.
    const hung = join(remotes, "hung.git");
    execFileSync("git", ["init", "--quiet", "--bare", hung]);
    ok(A, ["remote", "add", "hung", hung]);
    gitIn(A.repo, ["config", "remote.hung.uploadpack", "sleep 30; git-upload-pack"]);
    const t0 = Date.now();
    r = run(A, ["sync", "hung"], { CHART_GIT_TIMEOUT: "2" });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("sent nothing for too long");
    expect(Date.now() - t0).toBeLessThan(20_000);
    // A remote that refuses every push.
    const refusing = join(remotes, "refusing.git");
    execFileSync("git", ["init", "--quiet", "--bare", refusing]);
    writeFileSync(join(refusing, "hooks", "pre-receive"), "#!/bin/sh\necho no >&2\nexit 1\n");
    chmodSync(join(refusing, "hooks", "pre-receive"), 0o755);
    ok(A, ["remote", "add", "refusing", refusing]);
    r = run(A, ["sync", "refusing"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/E_PUSH_REJECTED|refused/);
    expect(gitIn(A.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expect(gitIn(A.repo, ["status", "--porcelain"]).trim()).toBe("");
  });

  it("a second, empty backup remote with main as default takes the whole chart", () => {
    const backup = join(remotes, "backup.git");
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", backup]);
    ok(B, ["remote", "add", "backup", backup]);
    ok(B, ["sync", "backup"]);
    expect(gitIn(backup, ["rev-parse", "main"]).trim()).toBe(gitIn(B.repo, ["rev-parse", "HEAD"]).trim());
    const st = JSON.parse(ok(B, ["status", "--json"]));
    expect(st.remotes.map((x: { name: string; ahead: number; behind: number }) => [x.name, x.ahead, x.behind])).toEqual(
      expect.arrayContaining([["backup", 0, 0]]),
    );
  });

  it("uncommitted work stops a sync (exit 5) and a stale index.lock is named, then cleared by fsck --repair", () => {
    writeFileSync(join(C.repo, ".git", "index.lock"), "");
    const r = run(C, ["note", "add", client, "-m", "blocked by a lock"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("index.lock");
    expect(r.stderr).toContain("fsck --repair");
    expect(JSON.parse(ok(C, ["status", "--json"])).indexLock).toBe("stale");
    ok(C, ["fsck", "--repair"]);
    expect(() => statSync(join(C.repo, ".git", "index.lock"))).toThrow();
    ok(C, ["fsck", "--repair"]); // commits the record the failed write left? (it was rolled back)
    writeFileSync(join(C.repo, ".gitignore"), "changed\n");
    expect(run(C, ["sync"]).code).toBe(5);
    gitIn(C.repo, ["checkout", "--", ".gitignore"]);
    ok(C, ["sync"]);
  });

  it("templates are committed records: checked, synced to every device, edits on two devices both kept", () => {
    const tpl = "---\ndescription: Couples session\ntype: progress\n---\n## Each partner\n\n## Together\n";
    expect(A.run(["template", "add", "couples", "-F", "-"], { cwd: A.repo, input: tpl }).code).toBe(0);
    expect(A.run(["template", "add", "broken", "-F", "-"], { cwd: A.repo, input: "---\ntype: progress\n---\nx\n" }).code).toBe(3);
    expect(A.run(["template", "add", "Bad Name", "-F", "-"], { cwd: A.repo, input: tpl }).code).toBe(3);
    ok(A, ["sync"]);
    ok(B, ["sync"]);
    expect(ok(B, ["template", "list"])).toMatch(/couples +progress +chart +Couples session/);
    ok(B, ["note", "add", client, "--template", "couples", "-m", "with the couples template"]);
    // A template placed by hand: fsck names it, --repair commits it, and key changes work.
    mkdirSync(join(C.repo, ".chart", "templates"), { recursive: true });
    writeFileSync(join(C.repo, ".chart", "templates", "hand.md"), "---\ndescription: By hand\n---\n## Notes\n");
    expect(ok(C, ["fsck"])).toContain("hand.md: not committed");
    ok(C, ["fsck", "--repair"]);
    expect(gitIn(C.repo, ["status", "--porcelain"]).trim()).toBe("");
    // Both devices edit the same template: both versions are kept.
    expect(A.run(["template", "edit", "couples", "-F", "-"], { cwd: A.repo, input: tpl.replace("Together", "Together (A)") }).code).toBe(0);
    expect(B.run(["template", "edit", "couples", "-F", "-"], { cwd: B.repo, input: tpl.replace("Together", "Together (B)") }).code).toBe(0);
    for (const d of [A, B, C, A, B]) ok(d, ["sync"]);
    const names = JSON.parse(ok(C, ["template", "list", "--json"])).map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(["couples", "couples-other", "hand"]));
    const both = readFileSync(join(C.repo, ".chart", "templates", "couples.md"), "utf8") + readFileSync(join(C.repo, ".chart", "templates", "couples-other.md"), "utf8");
    expect(both).toContain("Together (A)");
    expect(both).toContain("Together (B)");
  });

  it("a forged or swapped record, or a replaced MAC key, arriving from the remote stops the sync: nothing integrated", async () => {
    for (const d of [A, B]) ok(d, ["sync"]);
    const raw = join(remotes, "raw");
    gitIn(remotes, ["clone", "--quiet", "--branch", "main", origin, raw]);
    const original = gitIn(raw, ["rev-parse", "HEAD"]).trim();
    const notes = gitIn(raw, ["ls-files", `clients/${client}/notes`]).trim().split("\n");
    // Swap two notes' files: each still decrypts, but its MAC names the other path.
    const [n1, n2] = notes as [string, string];
    const one = readFileSync(join(raw, n1));
    writeFileSync(join(raw, n1), readFileSync(join(raw, n2)));
    writeFileSync(join(raw, n2), one);
    // Signed with a device's own key (stock git), so the history check passes and the record
    // check is what stops it (an unsigned commit is refused before: test/e2e/sync-verify.test.ts).
    const asA = ["-c", "gpg.format=ssh", "-c", `user.signingkey=${A.identity}.signing`];
    gitIn(raw, ["-c", "user.name=x", "-c", "user.email=x@x", ...asA, "commit", "--quiet", "-S", "-am", "chart: add note"]);
    gitIn(raw, ["push", "--quiet", "origin", "main"]);
    const head = gitIn(B.repo, ["rev-parse", "HEAD"]).trim();
    const r = run(B, ["sync"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("do not decrypt or verify");
    expect(gitIn(B.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expect(gitIn(B.repo, ["status", "--porcelain"]).trim()).toBe("");
    gitIn(raw, ["reset", "--quiet", "--hard", original]);
    // A new MAC key encrypted to the chart's own keys (anyone can), then a record forged under it.
    const age = await import("age-encryption");
    const e = new age.Encrypter();
    for (const line of readFileSync(join(raw, ".chart", "recipients"), "utf8").split("\n")) if (line.startsWith("age1")) e.addRecipient(line);
    writeFileSync(join(raw, ".chart", "macs.age"), await e.encrypt(`chart: 1\nkind: mac-key\nkey: ${"ab".repeat(32)}\n`));
    // Even signed by a device and named as a key change, a MAC key that changes without the keys.
    gitIn(raw, ["-c", "user.name=x", "-c", "user.email=x@x", ...asA, "commit", "--quiet", "-S", "-am", "chart: rotate key"]);
    gitIn(raw, ["push", "--quiet", "--force", "origin", "main"]);
    const r2 = run(B, ["sync"]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain("replaced the chart's MAC key");
    expect(gitIn(B.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    // The remote is put back to the signed history it had.
    gitIn(raw, ["push", "--quiet", "--force", "origin", `${original}:main`]);
    rmSync(raw, { recursive: true, force: true });
    ok(B, ["sync"]);
    ok(A, ["sync"]);
  });

  it("keys changed on two devices at once: merged three-way, after the device accepts them; a removed device is told", async () => {
    const age = await import("age-encryption");
    const xs = await age.generateX25519Identity();
    const x = await age.identityToRecipient(xs);
    const y = await age.identityToRecipient(await age.generateX25519Identity());
    for (const d of [A, B, C, A]) ok(d, ["sync"]);
    ok(A, ["key", "add", x, "--label", "recovery-x"]);
    ok(B, ["key", "add", y, "--label", "recovery-y"]);
    ok(B, ["note", "add", client, "-m", "B while keys changed"]);
    ok(A, ["sync"]);
    const refused = run(B, ["sync"]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain("--trust-keys");
    ok(B, ["sync", "--trust-keys"]);
    ok(A, ["sync"]);
    ok(A, ["key", "trust", "--yes"]);
    const keys = readFileSync(join(A.repo, ".chart", "recipients"), "utf8");
    expect(keys).toContain(x);
    expect(keys).toContain(y);
    for (const d of [A, B]) { const f = run(d, ["fsck", "--decrypt"]); expect(f.code, f.stdout + f.stderr).toBe(0); }
    // The new key X reads what B wrote before it knew of X (with stock age: a recovery key is not
    // a device, and chart run with it would sign its access-log line with a key the chart does not know).
    const xFile = join(A.home, "x-identity");
    writeFileSync(xFile, `${xs}\n`, { mode: 0o600 });
    const bNote = gitIn(A.repo, ["log", "-1", "--format=", "--name-only", "--diff-filter=A", "--", `clients/${client}/notes`]).trim().split("\n")[0] as string;
    expect(execFileSync("age", ["-d", "-i", xFile, join(A.repo, bNote)], { encoding: "utf8" })).toContain("B while keys changed");
    // B removes C's key while A writes; the merge re-encrypts A's note without C.
    ok(C, ["sync"]);
    const cRecipient = JSON.parse(ok(C, ["status", "--json"])).device.recipient as string;
    ok(B, ["key", "remove", cRecipient, "--yes"]);
    ok(A, ["note", "add", client, "-m", "A while C was removed"]);
    ok(A, ["sync"]);
    ok(B, ["sync"]);
    ok(A, ["sync"]);
    expect(ok(B, ["note", "list", client])).toContain("A while C was removed");
    for (const d of [A, B]) expect(run(d, ["fsck", "--decrypt"]).code).toBe(0);
    const gone = run(C, ["sync"]);
    expect(gone.code).toBe(6);
    expect(gone.stderr).toMatch(/removed/);
    expect(gitIn(C.repo, ["status", "--porcelain"]).trim()).toBe("");
  });
});
