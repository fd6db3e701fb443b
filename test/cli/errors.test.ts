/**
 * Bad input, in-process (main(argv, deps)): a clear `error:` and `hint:`, the documented exit
 * code, no stack trace, and nothing written (no commit, clean working tree).
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/cli/deps.js";
import { reportError } from "../../src/cli/report.js";
import { inprocSandbox, type Inproc, type InprocOptions } from "../support/inproc.js";
import { git } from "../support/verify.js";

let sb: Inproc;
let signedNote: string;
let draftNote: string;
const scratch = tempDir("chart-err-");

beforeAll(async () => {
  sb = await inprocSandbox();
  await sb.ok(["client", "add", "--name", "Ann Lee"]);
  await sb.ok(["client", "add", "--name", "Ann Marsh"]);
  const gone = await sb.ok(["client", "add", "--name", "Gone Person"]);
  await sb.ok(["client", "discharge", gone]);
  signedNote = await sb.ok(["note", "add", "lee", "-m", "signed one", "--sign"]);
  draftNote = await sb.ok(["note", "add", "lee", "-m", "draft one"]);
  writeFileSync(join(scratch, "empty.md"), "\n\n");
  const other = join(scratch, "other-key");
  execFileSync("age-keygen", ["-o", other], { stdio: "ignore" });
  chmodSync(other, 0o600);
  copyFileSync(sb.identity, join(scratch, "open-key"));
  chmodSync(join(scratch, "open-key"), 0o644);
});

interface Case {
  name: string;
  args: () => string[];
  exit: number;
  code: string;
  hint?: RegExp;
  opts?: () => InprocOptions;
}

const cases: Case[] = [
  { name: "unknown client", args: () => ["note", "add", "nobody", "-m", "x"], exit: 4, code: "E_CLIENT_NOT_FOUND" },
  { name: "unknown client id prefix", args: () => ["client", "show", "cl_zzzzzzzz"], exit: 4, code: "E_CLIENT_NOT_FOUND" },
  { name: "ambiguous client", args: () => ["note", "add", "ann", "-m", "x"], exit: 2, code: "E_CLIENT_AMBIGUOUS", hint: /client id/ },
  { name: "impossible date", args: () => ["note", "add", "lee", "-m", "x", "--date", "2024-02-30"], exit: 3, code: "E_BAD_DATE", hint: /YYYY|--date/ },
  { name: "word date", args: () => ["note", "add", "lee", "-m", "x", "--date", "someday"], exit: 3, code: "E_BAD_DATE" },
  { name: "future date", args: () => ["note", "add", "lee", "-m", "x", "--date", "2999-01-01"], exit: 3, code: "E_FUTURE_DATE", hint: /allow-future/ },
  { name: "future start of a medication", args: () => ["med", "add", "lee", "sertraline", "--date", "2999-01-01"], exit: 3, code: "E_FUTURE_DATE", hint: /allow-future/ },
  // Commands with no --allow-future do not send the user to it.
  { name: "future date of birth", args: () => ["client", "add", "--name", "New Person", "--dob", "2999-01-01"], exit: 3, code: "E_FUTURE_DATE", hint: /^hint: check the date: it cannot be later than today \(\d{4}-\d{2}-\d{2}\)$/ },
  { name: "future discharge", args: () => ["client", "discharge", "lee", "--date", "2999-01-01"], exit: 3, code: "E_FUTURE_DATE", hint: /^hint: check the date: it cannot be later than today/ },
  { name: "bad date of birth", args: () => ["client", "add", "--name", "New Person", "--dob", "1990-13-01"], exit: 3, code: "E_BAD_DATE" },
  { name: "bad --since", args: () => ["note", "list", "lee", "--since", "last week"], exit: 3, code: "E_BAD_DATE" },
  { name: "bad discharge date", args: () => ["client", "discharge", "lee", "--date", "01/02/2024"], exit: 3, code: "E_BAD_DATE" },
  { name: "unknown template", args: () => ["note", "add", "lee", "-m", "x", "--template", "nosuch"], exit: 3, code: "E_BAD_TEMPLATE", hint: /soap/ },
  { name: "unknown kind", args: () => ["note", "add", "lee", "-m", "x", "--kind", "nosuch"], exit: 3, code: "E_BAD_NOTE_KIND", hint: /progress/ },
  { name: "addendum is not a kind to choose", args: () => ["note", "add", "lee", "-m", "x", "--kind", "addendum"], exit: 3, code: "E_BAD_NOTE_KIND" },
  { name: "bad duration", args: () => ["note", "add", "lee", "-m", "x", "--duration", "an hour"], exit: 3, code: "E_BAD_DURATION" },
  { name: "bad CPT", args: () => ["note", "add", "lee", "-m", "x", "--cpt", "9"], exit: 3, code: "E_BAD_CPT" },
  { name: "bad label", args: () => ["note", "add", "lee", "-m", "x", "--label", "NOPE"], exit: 3, code: "E_BAD_LABEL" },
  { name: "empty note, -m", args: () => ["note", "add", "lee", "-m", "  "], exit: 3, code: "E_EMPTY_NOTE" },
  { name: "empty note, -F FILE", args: () => ["note", "add", "lee", "-F", join(scratch, "empty.md")], exit: 3, code: "E_EMPTY_NOTE" },
  { name: "empty note, stdin", args: () => ["note", "add", "lee", "-F", "-"], exit: 3, code: "E_EMPTY_NOTE", opts: () => ({ input: "" }) },
  { name: "template headings only", args: () => ["note", "add", "lee", "-m", "## Subjective\n\n## Plan"], exit: 3, code: "E_EMPTY_NOTE" },
  { name: "-F missing file", args: () => ["note", "add", "lee", "-F", join(scratch, "nope.md")], exit: 4, code: "E_NO_FILE" },
  { name: "-m with -F", args: () => ["note", "add", "lee", "-m", "x", "-F", "-"], exit: 2, code: "E_USAGE" },
  { name: "missing --name without a terminal", args: () => ["client", "add"], exit: 2, code: "E_MISSING", hint: /--name/ },
  { name: "bad email", args: () => ["client", "add", "--name", "New Person", "--email", "nope"], exit: 3, code: "E_BAD_EMAIL" },
  { name: "discharged twice", args: () => ["client", "discharge", "gone"], exit: 3, code: "E_ALREADY_DISCHARGED" },
  { name: "edit a signed note", args: () => ["note", "edit", signedNote, "-m", "changed"], exit: 3, code: "E_NOTE_SIGNED", hint: /note amend/ },
  { name: "sign a signed note", args: () => ["note", "sign", signedNote], exit: 3, code: "E_NOTE_SIGNED", hint: /note amend/ },
  { name: "amend a draft", args: () => ["note", "amend", draftNote, "-m", "x"], exit: 3, code: "E_NOTE_DRAFT", hint: /note edit/ },
  { name: "unknown note", args: () => ["note", "show", "nt_zzzzzzzz"], exit: 4, code: "E_NOTE_NOT_FOUND" },
  { name: "psychotherapy kind in a plain list", args: () => ["note", "list", "lee", "--kind", "psychotherapy"], exit: 3, code: "E_PSYCHOTHERAPY_APART", hint: /--psychotherapy/ },
  { name: "missing identity", args: () => ["client", "list"], exit: 6, code: "E_NO_IDENTITY", hint: /chart init/, opts: () => ({ env: { CHART_IDENTITY: join(scratch, "none") } }) },
  { name: "wrong identity", args: () => ["client", "list", "--identity", join(scratch, "other-key")], exit: 6, code: "E_WRONG_IDENTITY" },
  { name: "identity readable by others", args: () => ["client", "list", "--identity", join(scratch, "open-key")], exit: 6, code: "E_IDENTITY_PERMS", hint: /chmod 600/ },
  { name: "not inside a chart", args: () => ["client", "list"], exit: 4, code: "E_NOT_A_CHART", hint: /chart init/, opts: () => ({ cwd: scratch }) },
  { name: "--repo not a chart", args: () => ["client", "list", "--repo", scratch], exit: 4, code: "E_NOT_A_CHART" },
  { name: "$CHART_REPO not a chart", args: () => ["client", "list"], exit: 4, code: "E_NOT_A_CHART", opts: () => ({ env: { CHART_REPO: scratch } }) },
  { name: "unknown completion shell", args: () => ["completion", "tcsh"], exit: 2, code: "E_USAGE" },
];

describe("bad input", () => {
  for (const c of cases) {
    it(`${c.name}: exit ${c.exit}, error + hint, nothing written`, async () => {
      const head = git(sb.repo, ["rev-parse", "HEAD"]);
      const r = await sb.run(c.args(), c.opts?.());
      expect(r.code, r.stderr).toBe(c.exit);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines.filter((l) => l.startsWith("error: ")), r.stderr).toHaveLength(1);
      const hint = lines.find((l) => l.startsWith("hint: "));
      expect(hint, r.stderr).toBeTruthy();
      if (c.hint) expect(hint).toMatch(c.hint);
      expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(r.stdout).toBe("");
      expect(git(sb.repo, ["rev-parse", "HEAD"])).toBe(head);
      expect(git(sb.repo, ["status", "--porcelain"])).toBe("");
      // the same failure as JSON on stderr, with the same code
      const j = await sb.run([...c.args(), "--json"], c.opts?.());
      expect(j.code).toBe(c.exit);
      const parsed = JSON.parse(j.stderr.trim().split("\n").at(-1) as string);
      expect(parsed.error).toMatchObject({ code: c.code, exit: c.exit });
      expect(typeof parsed.error.hint).toBe("string");
    });
  }

  it("the ambiguity error lists the candidates: ids always, names only at a terminal", async () => {
    const r = await sb.run(["note", "add", "ann", "-m", "x"]);
    expect(r.stderr).toMatch(/cl_[a-z2-7]{8}, cl_[a-z2-7]{8}/);
    expect(r.stderr).not.toContain("Ann Lee"); // cron mail and logs get no names
    const j = await sb.run(["note", "add", "ann", "-m", "x", "--json"]);
    expect(j.stderr).not.toContain("Ann Lee");
    const t = await sb.run(["note", "add", "ann", "-m", "x"], { stderrTTY: true });
    expect(t.stderr).toContain("Ann Lee");
    expect(t.stderr).toContain("Ann Marsh");
  });

  it("usage errors from the parser: exit 2 with a hint (text and JSON)", async () => {
    for (const args of [["frobnicate"], ["note", "add"], ["note", "add", "lee", "--no-such-flag"]]) {
      const r = await sb.run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: /m);
      expect(r.stderr).toMatch(/^hint: /m);
      const j = await sb.run([...args, "--json"]);
      expect(j.code).toBe(2);
      expect(JSON.parse(j.stderr).error).toMatchObject({ code: "E_USAGE", exit: 2 });
    }
  });

  it("a file-system error a user can cause is a storage error (exit 7), without a stack trace unless CHART_DEBUG=1", async () => {
    // textconv on a folder: EISDIR from the file system, not a ChartError
    const r = await sb.run(["textconv", sb.repo]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^error: a file operation failed: a folder is where a file should be \(EISDIR\)$/m);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const d = await sb.run(["textconv", sb.repo], { env: { CHART_DEBUG: "1" } });
    expect(d.stderr).toMatch(/^\s+at /m);
  });

  it("an internal error says so without a stack trace, unless CHART_DEBUG=1", () => {
    const sink = () => {
      let text = "";
      return { write: (s: string) => ((text += s), true), get text() { return text; } };
    };
    const run = (env: Record<string, string>) => {
      const stderr = sink();
      const code = reportError(new TypeError("x is undefined"), { env, stderr, isTTY: { stderr: false } } as unknown as Deps, false);
      return { code, stderr: stderr.text };
    };
    const r = run({});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: internal error$/m);
    expect(r.stderr).toMatch(/^hint: .*CHART_DEBUG=1/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(run({ CHART_DEBUG: "1" }).stderr).toMatch(/^\s+at /m);
  });
});
