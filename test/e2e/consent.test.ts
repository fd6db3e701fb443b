/** chart consent add|list|show|revoke, end to end: the 164.508(c) elements, status, revocation. */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());
const git = (sb: Sandbox, args: string[]) => execFileSync("git", args, { cwd: sb.repo, encoding: "utf8" });
const FULL = ["--to", "Dr Psych", "--org", "Riverside Clinic", "--contact", "fax 555-0100", "--purpose", "continuity of care", "--purpose", "medication management", "--share", "demographics,diagnoses", "--share", "medications", "--from", "2024-01-01", "--until", "2024-12-31", "--expires", "2099-01-01", "--signed", "today"];

function refused(sb: Sandbox, args: string[]): { code: number; error: { code: string; message: string; hint?: string } } {
  const r = sb.run([...args, "--json"]);
  return { code: r.code, error: JSON.parse(r.stderr).error };
}

describe("chart consent", () => {
  let sb: Sandbox;
  let cid: string;
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example");
    addClient(sb, "Ben Other");
  });

  it("refuses an authorization lacking a required element, naming every missing one", () => {
    const before = commits(sb);
    const r = refused(sb, ["consent", "add", cid, "--to", "Dr X", "--share", "notes"]);
    expect(r.code).toBe(3);
    expect(r.error.code).toBe("E_CONSENT_INCOMPLETE");
    expect(r.error.message).toBe("the authorization lacks: purpose, expiry date or event, signature date");
    expect(r.error.hint).toContain("--purpose");
    const none = refused(sb, ["consent", "add", cid]);
    expect(none.error.message).toBe("the authorization lacks: recipient, purpose, information to share, expiry date or event, signature date");
    expect(commits(sb)).toBe(before);
  });

  it("refuses psychotherapy notes combined with anything, unknown categories, and a representative without authority", () => {
    const base = ["consent", "add", cid, "--to", "Dr X", "--purpose", "care", "--expires", "2099-01-01", "--signed", "today"];
    const before = commits(sb);
    expect(refused(sb, [...base, "--share", "psychotherapy-notes,notes"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_PSYCHOTHERAPY_COMBINED" } });
    expect(refused(sb, [...base, "--share", "psychotherapy-notes,hiv"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_PSYCHOTHERAPY_COMBINED" } });
    expect(refused(sb, [...base, "--share", "notes,everything"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_CATEGORY" } });
    expect(refused(sb, [...base, "--share", "hiv"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_NOTHING" } });
    expect(refused(sb, [...base, "--share", "notes", "--signed-by", "Carl Parent"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_AUTHORITY" } });
    expect(refused(sb, [...base, "--share", "notes", "--from", "2024-05-01", "--until", "2024-01-01"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_RANGE" } });
    expect(refused(sb, [...base, "--share", "notes", "--recipient-key", "age1nope"])).toMatchObject({ code: 6, error: { code: "E_BAD_RECIPIENT" } });
    expect(commits(sb)).toBe(before);
  });

  it("records a complete authorization in one generic commit, and lists and shows it", () => {
    const before = commits(sb);
    const id = sb.ok(["consent", "add", "Ada", ...FULL]);
    expect(id).toMatch(/^cs_[a-z2-7]{26}$/);
    expect(commits(sb)).toBe(before + 1);
    expect(git(sb, ["log", "-1", "--format=%s%n%an"])).toBe("chart: add consent\nchart\n");
    const files = git(sb, ["show", "--name-only", "--format=", "HEAD"]).trim();
    expect(files).toBe(`clients/${cid}/consents/${id}.age`);
    const [listed] = JSON.parse(sb.ok(["consent", "list", cid, "--json"]));
    expect(listed).toMatchObject({
      id,
      client: cid,
      event: "grant",
      status: "active",
      recipient: { name: "Dr Psych", organization: "Riverside Clinic", contact: "fax 555-0100" },
      purposes: ["continuity of care", "medication management"],
      categories: ["demographics", "diagnoses", "medications"],
      from: "2024-01-01",
      until: "2024-12-31",
      expires: "2099-01-01",
      signedBy: "Ada Example",
      discloser: "Dr Test",
    });
    expect(listed.chart).toBeUndefined();
    const shown = JSON.parse(sb.ok(["consent", "show", id.slice(0, 8), "--json"]));
    expect(shown).toMatchObject({ id, status: "active", disclosures: [] });
    const text = sb.ok(["consent", "show", "Ada", id.slice(3, 9)]);
    expect(text).toContain("Riverside Clinic");
    expect(text).toContain("2024-01-01 to 2024-12-31");
  });

  it("computes status: expired, not yet signed, expired at discharge for an end-of-treatment event", () => {
    const base = ["consent", "add", "Ben", "--to", "Dr X", "--purpose", "care", "--share", "notes"];
    const expired = sb.run([...base, "--signed", "2020-01-01", "--expires", "2020-06-30"]);
    expect(expired.code).toBe(0);
    expect(expired.stderr).toContain("already expired");
    const future = sb.ok([...base, "--signed", "2099-01-01", "--expires", "2099-06-30"]);
    const event = sb.ok([...base, "--signed", "2021-01-01", "--expires-on", "end of treatment", "--signed-by", "Dana Guardian", "--authority", "legal guardian"]);
    // After the discharge below, a discharged client is named by id (names match active clients only).
    const ben = (JSON.parse(sb.ok(["client", "show", "Ben", "--json"])) as { id: string }).id;
    const status = () => Object.fromEntries(JSON.parse(sb.ok(["consent", "list", ben, "--json"])).map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(status()).toEqual({ [expired.stdout.trim()]: "expired", [future]: "not-yet-signed", [event]: "active" });
    sb.ok(["client", "discharge", "Ben", "--reason", "treatment completed"]);
    expect(status()[event]).toBe("expired");
    const table = sb.ok(["consent", "list", ben]);
    expect(table).toContain("not yet signed");
    expect(JSON.parse(sb.ok(["consent", "list", ben, "--active", "--json"]))).toEqual([]);
  });

  it("revokes with its own event file; refuses a second revocation, a future date, and another client's authorization", () => {
    const id = sb.ok(["consent", "add", cid, "--to", "Dr Y", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "2024-01-01"]);
    const before = commits(sb);
    const rev = sb.ok(["consent", "revoke", cid, id, "--date", "2024-03-01", "--reason", "changed mind"]);
    expect(rev).toMatch(/^cs_/);
    expect(commits(sb)).toBe(before + 1);
    expect(git(sb, ["log", "-1", "--format=%s"]).trim()).toBe("chart: revoke consent");
    expect(git(sb, ["show", "--name-only", "--format=", "HEAD"]).trim()).toBe(`clients/${cid}/consents/${rev}.age`);
    const listed = JSON.parse(sb.ok(["consent", "list", cid, "--json"])).find((c: { id: string }) => c.id === id);
    expect(listed).toMatchObject({ status: "revoked", revoked: { id: rev, date: "2024-03-01", reason: "changed mind" } });
    expect(JSON.parse(sb.ok(["consent", "show", rev, "--json"]))).toMatchObject({ event: "revoke", revokes: id });
    expect(refused(sb, ["consent", "revoke", cid, id])).toMatchObject({ code: 3, error: { code: "E_CONSENT_REVOKED" } });
    const other = sb.ok(["consent", "add", cid, "--to", "Dr Z", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "2024-01-01"]);
    expect(refused(sb, ["consent", "revoke", cid, other, "--date", "2099-01-01"])).toMatchObject({ code: 3, error: { code: "E_FUTURE_DATE" } });
    expect(refused(sb, ["consent", "revoke", cid, other, "--date", "2023-01-01"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_REVOKE_DATE" } });
    const ben = (JSON.parse(sb.ok(["client", "show", "Ben", "--json"])) as { id: string }).id;
    expect(refused(sb, ["consent", "revoke", ben, other])).toMatchObject({ code: 3, error: { code: "E_CONSENT_OTHER_CLIENT" } });
    expect(refused(sb, ["consent", "revoke", cid, "cs_zzzzzz"])).toMatchObject({ code: 4, error: { code: "E_CONSENT_NOT_FOUND" } });
    expect(commits(sb)).toBe(before + 2);
  });

  it("keeps names out of git: messages, author and paths carry none", () => {
    const log = git(sb, ["log", "--format=%s %an %ae", "--name-only"]);
    for (const s of ["Ada", "Ben", "Psych", "Riverside", "Guardian"]) expect(log).not.toContain(s);
  });
});
