/** chart void, end to end: who/when/why kept, voided records out of current state and shares, shown in history. */
import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());
const git = (sb: Sandbox, args: string[]) => execFileSync("git", args, { cwd: sb.repo, encoding: "utf8" });
const err = (r: { stderr: string }) => JSON.parse(r.stderr).error as { code: string; message: string };

describe("chart void", () => {
  let sb: Sandbox;
  let cid: string;
  const temps: string[] = [];
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example");
  });
  afterAll(() => {
    for (const t of [sb.home, ...temps]) rmSync(t, { recursive: true, force: true });
  });

  it("a signed note needs a reason; the void is one commit with who, when and why, and the note leaves current state", () => {
    const nid = sb.ok(["note", "add", cid, "-m", "Wrong client text", "--sign", "-d", "2024-03-01"]);
    const keep = sb.ok(["note", "add", cid, "-m", "Right text", "-d", "2024-03-02"]);
    const before = commits(sb);
    const noReason = sb.run(["void", nid, "--yes", "--json"]);
    expect(noReason.code).toBe(3);
    expect(err(noReason).code).toBe("E_VOID_REASON");
    const noYes = sb.run(["void", nid, "--reason", "wrong client"]);
    expect(noYes.code).toBe(2);
    expect(commits(sb)).toBe(before);
    const out = JSON.parse(sb.ok(["void", nid.slice(0, 8), "--reason", "written on the wrong client", "--yes", "--json"]));
    expect(out).toMatchObject({ target: nid, targetKind: "note", reason: "written on the wrong client", by: "Dr Test" });
    expect(commits(sb)).toBe(before + 1);
    expect(git(sb, ["log", "-1", "--format=%s"]).trim()).toBe("chart: void record");
    expect(git(sb, ["show", "--name-only", "--format=", "HEAD"]).trim()).toBe(`clients/${cid}/voids/${out.id}.age`);
    // the note itself is untouched, in the tree and in history
    expect(existsSync(join(sb.repo, "clients", cid, "notes", `${nid}.age`))).toBe(true);
    const listed = JSON.parse(sb.ok(["note", "list", cid, "--json"])).map((n: { id: string }) => n.id);
    expect(listed).toEqual([keep]);
    const shown = JSON.parse(sb.ok(["note", "show", nid, "--json"]));
    expect(shown.voided).toMatchObject({ reason: "written on the wrong client", by: "Dr Test" });
    expect(sb.ok(["note", "show", nid])).toContain("VOIDED");
    const tl = JSON.parse(sb.ok(["timeline", cid, "--json"]));
    expect(tl.find((e: { id: string }) => e.id === nid).voided.reason).toBe("written on the wrong client");
    expect(sb.ok(["timeline", cid])).toMatch(/VOIDED \(written on the wrong client\)/);
    // a voided note never changes, and is not voided twice
    expect(sb.run(["note", "edit", nid, "-m", "x"]).code).toBe(3);
    const twice = sb.run(["void", nid, "--reason", "again", "--yes", "--json"]);
    expect(twice.code).toBe(5);
    expect(err(twice).code).toBe("E_ALREADY_VOIDED");
  });

  it("a medication entered in error leaves the list and the history folds; a start later events build on is refused", () => {
    const c2 = addClient(sb, "Ben Meds");
    const id = JSON.parse(sb.ok(["med", "add", c2, "sertraline", "--dose", "50 mg", "--start", "2024-01-01", "--json"])).id as string;
    const stopped = sb.run(["med", "stop", c2, "sertraline", "-d", "2024-02-01", "--json"]);
    expect(stopped.code).toBe(0);
    const stopId = JSON.parse(stopped.stdout).id as string;
    const refused = sb.run(["void", id, "--yes", "--json"]);
    expect(refused.code).toBe(3);
    expect(err(refused).code).toBe("E_VOID_DEPENDENTS");
    sb.ok(["void", stopId, "--yes"]);
    expect(JSON.parse(sb.ok(["med", "list", c2, "--json"]))[0]).toMatchObject({ name: "sertraline", active: true });
    sb.ok(["void", id, "--yes", "--reason", "never prescribed"]);
    expect(JSON.parse(sb.ok(["med", "list", c2, "--all", "--json"]))).toEqual([]);
  });

  it("a voided authorization shares nothing; a voided client leaves the list and cannot be worked on", () => {
    const c3 = addClient(sb, "Cal Consent");
    const cs = sb.ok(["consent", "add", c3, "--to", "Dr P", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "today"]);
    sb.ok(["void", cs, "--yes", "--reason", "signed by someone else"]);
    const dir = tempDir("chart-void-out-");
    temps.push(dir);
    const r = sb.run(["share", c3, "--consent", cs, "--out", join(dir, "b"), "--json"]);
    expect(r.code).toBe(3);
    expect(err(r).code).toBe("E_CONSENT_VOIDED");
    expect(existsSync(join(dir, "b"))).toBe(false);
    expect(JSON.parse(sb.ok(["consent", "list", c3, "--json"]))).toEqual([]);

    const dup = addClient(sb, "Cal Consent Duplicate");
    sb.ok(["void", dup, "--yes", "--reason", "duplicate"]);
    const active = JSON.parse(sb.ok(["client", "list", "--json"])).map((c: { id: string }) => c.id);
    expect(active).not.toContain(dup);
    const all = JSON.parse(sb.ok(["client", "list", "--all", "--json"]));
    expect(all.find((c: { id: string }) => c.id === dup).status).toBe("voided");
    const worked = sb.run(["note", "add", dup, "-m", "x", "--json"]);
    expect(worked.code).toBe(3);
    expect(err(worked).code).toBe("E_CLIENT_VOIDED");
    // the name now resolves to the live client only
    expect(JSON.parse(sb.ok(["client", "show", "Cal Consent", "--json"])).id).toBe(c3);
  });

  it("names what it cannot void", () => {
    expect(sb.run(["void", "zz_abcdef", "--yes"]).code).toBe(2);
    expect(sb.run(["void", "nt_zzzzzz", "--yes"]).code).toBe(4);
  });
});
