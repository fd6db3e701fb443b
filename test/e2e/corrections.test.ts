/** Correcting mistakes end to end: note move, client readmit, the duplicate warning, the unsigned worklist, signing several notes. */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());

describe("correcting mistakes", () => {
  let sb: Sandbox;
  let ada: string;
  let ben: string;
  beforeAll(() => {
    sb = sandbox();
    ada = addClient(sb, "Ada Example", ["--dob", "1990-02-03"]);
    ben = addClient(sb, "Ben Other", ["--admitted", "2024-01-01"]);
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  it("note move: voided on the wrong client, written again (signed again) with its addenda on the right one, in one commit", () => {
    const nid = sb.ok(["note", "add", ada, "-m", "Ben's session ZQMOVEQZ", "-d", "2024-03-01", "--duration", "50", "--sign"]);
    const add = sb.ok(["note", "amend", nid, "-m", "late entry ZQADDQZ"]);
    const before = commits(sb);
    const r = JSON.parse(sb.ok(["note", "move", nid.slice(0, 8), "--to", "Ben", "--yes", "--json"]));
    expect(commits(sb)).toBe(before + 1);
    expect(r).toMatchObject({ from: nid, client: ben });
    expect(r.addenda).toHaveLength(1);
    expect(JSON.parse(sb.ok(["note", "list", ada, "--json"]))).toEqual([]);
    const moved = JSON.parse(sb.ok(["note", "show", r.id, "--json"]));
    expect(moved).toMatchObject({ client: ben, date: "2024-03-01", duration: 50, status: "signed" });
    expect(moved.body).toContain("ZQMOVEQZ");
    expect(moved.addenda[0].body).toContain("ZQADDQZ");
    const old = JSON.parse(sb.ok(["note", "show", nid, "--json"]));
    expect(old.voided.reason).toContain(`moved as ${r.id}`);
    expect(JSON.parse(sb.ok(["note", "show", add, "--json"])).client).toBe(ada);
    expect(sb.run(["note", "move", nid, "--to", "Ben", "--yes"]).code).toBe(3);
    expect(sb.run(["note", "move", r.id, "--to", "Ben", "--yes"]).code).toBe(3);
  });

  it("client add warns about the same name and date of birth; readmit reopens a discharged client", () => {
    const r = sb.run(["client", "add", "--name", "ada  example", "--dob", "1990-02-03", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already exists/);
    expect(JSON.parse(r.stdout).possibleDuplicates).toEqual([ada]);
    const other = sb.run(["client", "add", "--name", "Ada Example", "--dob", "1991-01-01", "--json"]);
    expect(other.stderr).not.toMatch(/already exists/);
    sb.ok(["client", "discharge", ben, "--date", "2024-06-01"]);
    expect(sb.run(["client", "readmit", ben, "--date", "2024-05-01"]).code).toBe(3);
    sb.ok(["client", "readmit", ben, "--date", "2024-09-01"]);
    const shown = JSON.parse(sb.ok(["client", "show", ben, "--json"]));
    expect(shown).toMatchObject({ status: "active", admitted: "2024-09-01" });
    expect(shown.discharged).toBeUndefined();
    expect(sb.run(["client", "readmit", ben]).code).toBe(3);
  });

  it("the unsigned worklist across clients, and signing several notes at once", () => {
    const a = sb.ok(["note", "add", ada, "-m", "draft one", "-d", "2024-04-01"]);
    const b = sb.ok(["note", "add", ben, "-m", "draft two", "-d", "2024-04-02"]);
    const p = sb.ok(["note", "add", ben, "-m", "process ZQPSYQZ", "-k", "psychotherapy", "-d", "2024-04-03"]);
    const list = JSON.parse(sb.ok(["note", "list", "--unsigned", "--all-clients", "--json"]));
    expect(list.map((n: { id: string }) => n.id).sort()).toEqual([a, b, p].sort());
    expect(JSON.stringify(list)).not.toContain("ZQPSYQZ");
    expect(sb.ok(["note", "list", "--unsigned", "--all-clients"])).toContain("Ada Example");
    expect(sb.run(["note", "list"]).code).toBe(2);
    const before = commits(sb);
    const signed = JSON.parse(sb.ok(["note", "sign", a, b, p, "--json"]));
    expect(signed.map((s: { id: string }) => s.id).sort()).toEqual([a, b, p].sort());
    expect(commits(sb)).toBe(before + 1);
    expect(JSON.parse(sb.ok(["note", "list", "--unsigned", "--all-clients", "--json"]))).toEqual([]);
    const again = sb.run(["note", "sign", a, "--json"]);
    expect(again.code).toBe(3);
    // the CLIENT NOTE form still works
    const c = sb.ok(["note", "add", ada, "-m", "draft three"]);
    expect(JSON.parse(sb.ok(["note", "sign", ada, c.slice(0, 8), "--json"])).id).toBe(c);
  });
});

describe("chart client merge", () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  it("folds a duplicate's records into the real client (references kept, signed notes signed again) and voids the duplicate, in one commit", () => {
    const real = addClient(sb, "Ada Example", ["--admitted", "2024-01-01"]);
    const dup = addClient(sb, "Ada Example Dup", ["--admitted", "2024-01-01"]);
    const n = sb.ok(["note", "add", dup, "-m", "dup session ZQDUPQZ", "-d", "2024-03-01", "--sign"]);
    sb.ok(["note", "amend", n, "-m", "dup addendum ZQDUPADDQZ"]);
    sb.ok(["med", "add", dup, "sertraline", "--start", "2024-02-01"]);
    sb.ok(["med", "stop", dup, "sertraline", "-d", "2024-03-01"]);
    sb.ok(["dx", "add", dup, "F41.1", "-d", "2024-02-01"]);
    sb.ok(["dx", "add", real, "F41.1", "-d", "2024-02-01"]);
    // the same diagnosis current on both: refused, nothing written
    const before = commits(sb);
    const refused = sb.run(["client", "merge", dup, "--into", real, "--yes", "--json"]);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stderr).error.code).toBe("E_MERGE_CONFLICT");
    expect(commits(sb)).toBe(before);
    const dxId = JSON.parse(sb.ok(["dx", "history", dup, "--json"]))[0].id;
    sb.ok(["void", dxId, "--yes"]);
    const r = JSON.parse(sb.ok(["client", "merge", dup, "--into", real, "--yes", "--json"]));
    expect(r.records).toBe(4);
    const notes = JSON.parse(sb.ok(["note", "list", real, "--json"]));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ status: "signed", addenda: 1, date: "2024-03-01" });
    const shown = JSON.parse(sb.ok(["note", "show", notes[0].id, "--json"]));
    expect(shown.body).toContain("ZQDUPQZ");
    expect(shown.addenda[0].body).toContain("ZQDUPADDQZ");
    const meds = JSON.parse(sb.ok(["med", "list", real, "--all", "--json"]));
    expect(meds).toHaveLength(1);
    expect(meds[0]).toMatchObject({ name: "sertraline", active: false });
    expect(sb.run(["note", "list", dup]).code).toBe(3);
    expect(JSON.parse(sb.ok(["client", "list", "--all", "--json"])).find((c: { id: string }) => c.id === dup).status).toBe("voided");
  });
});
