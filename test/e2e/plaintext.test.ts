/**
 * No plaintext anywhere: distinctive strings go through every command of the foundation, then
 * the whole sandbox (working tree, .git, identity folder, $TMPDIR, $XDG_RUNTIME_DIR) and every git
 * object, inflated, are searched for them; commit messages, authors, refs and file names too.
 * Then every tracked file is opened with the stock age tool and its envelope checked.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { allFiles, allGitObjects, findNeedles, git, verifyTrackedFiles } from "../support/verify.js";

const S = {
  name: "Quenby Xylofant",
  newName: "Quenby Xylofant-Marrowick",
  preferred: "Zuzzlequeen",
  pronouns: "xe/xyr-leakpron",
  dob: "1983-07-19",
  email: "quenby.leak7@example.org",
  phone: "+1 555 0147 93",
  emergency: "Ophira Leakcontact",
  yamlEdit: "Yamlleak Juliet",
  reason: "Leakreason relocated abroad",
  m: "Leakm Alpha reported insomnia",
  f: "Leakfile Bravo discussed grief",
  stdin: "Leakstdin Charlie panic episodes",
  editor: "Leakeditor Delta ruminations",
  psy: "Leakpsy Echo transference dream",
  editM: "Leakeditm Foxtrot revised plan",
  editEditor: "Leakediteditor Golf second thoughts",
  amendM: "Leakamendm Hotel wrong date corrected",
  amendEditor: "Leakamendeditor India late addendum",
  other: "Leakother Kilo Person",
};

let sb: Sandbox;
let cid: string;
let n1: string;
const writes: string[] = []; // commit messages expected, in order
const outside = tempDir("chart-plain-input-"); // the -F file lives outside the sandbox

beforeAll(() => {
  sb = sandbox();
  writes.push("chart: init");
  cid = addClient(sb, S.name, ["--preferred-name", S.preferred, "--pronouns", S.pronouns, "--dob", S.dob, "--email", S.email, "--phone", S.phone, "--emergency-contact", S.emergency]);
  writes.push("chart: add client");
  addClient(sb, S.other);
  writes.push("chart: add client");
  sb.ok(["client", "edit", "xylofant", "--name", S.newName]);
  writes.push("chart: edit client");
  const profile = [`name: ${S.newName}`, `preferredName: ${S.preferred}`, `pronouns: ${S.pronouns}`, `dob: ${S.dob}`, `email: ${S.email}`, `phone: "${S.phone}"`, `emergencyContact: ${S.yamlEdit}`];
  sb.ok(["client", "edit", cid], { env: { FAKE_EDITOR_MODE: `write:${profile.join("\\n")}\\n` } });
  writes.push("chart: edit client");

  n1 = sb.ok(["note", "add", "marrowick", "-m", S.m, "--duration", "50", "--label", "SUD"]);
  writes.push("chart: add note");
  const file = join(outside, "note.md");
  writeFileSync(file, `## Subjective\n${S.f}\n`);
  sb.ok(["note", "add", cid, "-F", file, "--template", "soap"]);
  writes.push("chart: add note");
  rmSync(outside, { recursive: true, force: true });
  sb.ok(["note", "add", cid, "-F", "-", "--kind", "contact"], { input: `${S.stdin}\n` });
  writes.push("chart: add note");
  const n4 = sb.ok(["note", "add", cid, "--template", "dap"], { env: { FAKE_EDITOR_MODE: `append:${S.editor}` } });
  writes.push("chart: add note");
  sb.ok(["note", "add", cid, "--kind", "psychotherapy", "-m", S.psy]);
  writes.push("chart: add note");
  sb.ok(["note", "edit", n1, "-m", S.editM]);
  writes.push("chart: edit note");
  sb.ok(["note", "edit", n4], { env: { FAKE_EDITOR_MODE: `append:\\n${S.editEditor}` } });
  writes.push("chart: edit note");
  sb.ok(["note", "sign", n1]);
  writes.push("chart: sign note");
  sb.ok(["note", "amend", n1, "-m", S.amendM]);
  writes.push("chart: amend note");
  sb.ok(["note", "sign", n4]);
  writes.push("chart: sign note");
  sb.ok(["note", "amend", cid, n4], { env: { FAKE_EDITOR_MODE: `write:${S.amendEditor}` } });
  writes.push("chart: amend note");
  // reads, which must leave nothing behind either
  expect(sb.ok(["client", "show", cid])).toContain(S.newName);
  expect(sb.ok(["note", "list", cid])).toContain("Leak");
  expect(sb.ok(["note", "list", cid, "--psychotherapy"])).toContain("Leakpsy");
  expect(sb.ok(["note", "show", n1])).toContain(S.amendM);
  sb.ok(["client", "list", "--all", "--json"]);
  sb.ok(["client", "discharge", cid, "--reason", S.reason]);
  writes.push("chart: discharge client");
});

describe("no plaintext in the repository", () => {
  it("the distinctive strings went in (the chart reads them back)", () => {
    const c = JSON.parse(sb.ok(["client", "show", cid, "--json"]));
    expect([c.name, c.preferredName, c.pronouns, c.dob, c.email, c.phone, c.emergencyContact, c.dischargeReason]).toEqual([
      S.newName, S.preferred, S.pronouns, S.dob, S.email, S.phone, S.yamlEdit, S.reason,
    ]);
    const bodies = JSON.parse(sb.ok(["note", "list", cid, "--json"])).map((n: { body: string }) => n.body).join("\n");
    for (const k of ["editM", "f", "stdin", "editor", "editEditor"] as const) expect(bodies).toContain(S[k]);
  });

  it("`git log -p` shows decrypted text locally through the textconv driver, and caches none of it", () => {
    // commits touching the first note, newest first: sign, edit, add; show the edit
    const log = execFileSync("git", ["log", "-p", "--textconv", "--skip", "1", "-n", "1", "--", `clients/${cid}/notes/${n1}.age`], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
    expect(log).toContain(S.editM);
    expect(log).toContain(`-${S.m}`);
    expect(git(sb.repo, ["for-each-ref", "refs/notes/"]).trim()).toBe(""); // no cachetextconv notes
    expect(git(sb.repo, ["config", "--local", "--list"])).not.toContain("cachetextconv");
  });

  it("nowhere in the sandbox: working tree, .git, identity folder, $TMPDIR, $XDG_RUNTIME_DIR; nor in file names", () => {
    const needles = Object.values(S);
    const files = allFiles(sb.home);
    expect(files.length).toBeGreaterThan(20);
    expect(findNeedles(files, needles)).toEqual([]);
    const names = files.map((f) => ({ path: "(file names)", data: Buffer.from(f.path) }));
    expect(findNeedles(names, needles)).toEqual([]);
    expect(readdirSync(sb.tmp)).toEqual([]);
    expect(readdirSync(sb.runtimeDir)).toEqual([]);
  });

  it("in no git object, inflated (blobs, trees, commits)", () => {
    const objects = allGitObjects(sb.repo);
    expect(objects.length).toBeGreaterThan(30);
    const hits = findNeedles(objects.map((data, i) => ({ path: `object #${i}`, data })), Object.values(S));
    expect(hits).toEqual([]);
  });

  it("commit messages and authors are fixed and generic: one commit per change, no names or ids", () => {
    const log = git(sb.repo, ["log", "--reverse", "--format=%an <%ae>|%cn <%ce>|%s|%b"]).trim().split("\n");
    expect(log.map((l) => l.split("|")[2])).toEqual(writes);
    for (const l of log) {
      expect(l).toMatch(/^chart <chart@localhost>\|chart <chart@localhost>\|chart: [a-z ]+\|$/);
      expect(l).not.toMatch(/(cl|nt)_[a-z2-7]{6}/);
    }
    const refs = git(sb.repo, ["for-each-ref", "--format=%(refname)"]).trim().split("\n");
    expect(refs).toEqual(["refs/heads/main"]);
    const perCommit = git(sb.repo, ["log", "--format=%x00%s", "--name-only"]).split("\0").filter(Boolean);
    for (const c of perCommit) {
      const [subject, ...paths] = c.trim().split("\n").filter(Boolean);
      if (subject === "chart: init") continue;
      expect(paths, subject).toHaveLength(1); // one record per change
    }
  });

  it("every tracked file but the four plaintext ones is an age file stock age opens, with a valid envelope", () => {
    const checked = verifyTrackedFiles(sb.repo, sb.identity);
    expect(checked.filter((p) => p.includes("/notes/"))).toHaveLength(7); // 5 notes + 2 addenda
    expect(checked.filter((p) => p.endsWith("profile.age"))).toHaveLength(2);
    expect(git(sb.repo, ["status", "--porcelain", "--ignored"])).toBe("");
    for (const f of [".chart/format", ".chart/recipients", ".gitattributes", ".gitignore"]) {
      expect(git(sb.repo, ["ls-files", f]).trim()).toBe(f);
    }
  });
});
