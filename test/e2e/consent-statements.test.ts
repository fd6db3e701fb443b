/** chart consent add: required statements, the signed form's hash, minors and representatives, observable expiry events, nameless SUD. */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

function refused(sb: Sandbox, args: string[]): { code: number; error: { code: string; message: string; hint?: string } } {
  const r = sb.run([...args, "--json"]);
  return { code: r.code, error: JSON.parse(r.stderr).error };
}

describe("chart consent add: statements, form, signer, expiry", () => {
  let sb: Sandbox;
  let adult: string;
  let minor: string;
  const base = (c: string) => ["consent", "add", c, "--to", "Dr X", "--purpose", "care", "--share", "demographics,notes", "--signed", "today"];
  beforeAll(() => {
    sb = sandbox();
    adult = addClient(sb, "Ada Example", ["--dob", "1980-01-01"]);
    const year = new Date().getUTCFullYear();
    minor = addClient(sb, "Milo Young", ["--dob", `${year - 12}-01-01`]);
  });

  it("only expiry events chart can observe: discharge, end-of-treatment", () => {
    for (const ev of ["whenever", "death of the client", "when the referral closes"]) {
      expect(refused(sb, [...base(adult), "--expires-on", ev])).toMatchObject({ code: 3, error: { code: "E_CONSENT_EXPIRY_EVENT" } });
    }
    const id = sb.ok([...base(adult), "--expires-on", "End of treatment"]);
    expect(JSON.parse(sb.ok(["consent", "show", id, "--json"])).expiresOn).toBe("end-of-treatment");
    sb.ok([...base(adult), "--expires-on", "discharge"]);
  });

  it("records the 164.508(c)(2) statements by default, Part 2's too for substance use, or the form's own wording", () => {
    const id = sb.ok([...base(adult), "--expires", "2099-01-01"]);
    const st = JSON.parse(sb.ok(["consent", "show", id, "--json"])).statements as string[];
    expect(st.join(" ")).toContain("164.508(c)(2)(i)");
    expect(st.join(" ")).toContain("164.508(c)(2)(iii)");
    expect(st.join(" ")).not.toContain("42 CFR 2.31");
    const sud = sb.ok([...base(adult), "--share", "substance-use", "--expires", "2099-01-01"]);
    expect((JSON.parse(sb.ok(["consent", "show", sud, "--json"])).statements as string[]).join(" ")).toContain("42 CFR 2.31");
    const f = join(sb.tmp, "statements.txt");
    writeFileSync(f, "You may revoke this in writing.\n\nWe will not condition care on it.\n");
    const own = sb.ok([...base(adult), "--expires", "2099-01-01", "--statements", f]);
    expect(JSON.parse(sb.ok(["consent", "show", own, "--json"])).statements).toEqual(["You may revoke this in writing.", "We will not condition care on it."]);
  });

  it("--form records the signed form's SHA-256, not its name", () => {
    const f = join(sb.tmp, "Ada Example consent.pdf");
    writeFileSync(f, "%PDF-1.4 signed form");
    const id = sb.ok([...base(adult), "--expires", "2099-01-01", "--form", f]);
    const rec = JSON.parse(sb.ok(["consent", "show", id, "--json"]));
    expect(rec.form).toEqual({ sha256: createHash("sha256").update("%PDF-1.4 signed form").digest("hex"), bytes: 20, type: "pdf" });
    expect(JSON.stringify(rec)).not.toContain("Ada Example consent");
    expect(sb.run([...base(adult), "--expires", "2099-01-01", "--form", join(sb.tmp, "missing.pdf")]).code).toBe(2);
  });

  it("a minor's authorization needs a representative's authority (the client's age is known)", () => {
    const r = refused(sb, [...base(minor), "--expires", "2099-01-01"]);
    expect(r).toMatchObject({ code: 3, error: { code: "E_CONSENT_MINOR" } });
    expect(r.error.message).toContain("was 1");
    const id = sb.ok([...base(minor), "--expires", "2099-01-01", "--signed-by", "Pat Young", "--authority", "parent"]);
    expect(JSON.parse(sb.ok(["consent", "show", id, "--json"]))).toMatchObject({ signedBy: "Pat Young", authority: "parent" });
    expect(refused(sb, [...base(adult), "--expires", "2099-01-01", "--signed-by", "Someone Else"])).toMatchObject({ code: 3, error: { code: "E_CONSENT_AUTHORITY" } });
  });

  it("substance use without demographics is refused unless acknowledged (--nameless)", () => {
    const args = ["consent", "add", adult, "--to", "Dr X", "--purpose", "care", "--share", "notes,substance-use", "--signed", "today", "--expires", "2099-01-01"];
    expect(refused(sb, args)).toMatchObject({ code: 3, error: { code: "E_CONSENT_NAMELESS" } });
    const id = sb.ok([...args, "--nameless"]);
    expect(JSON.parse(sb.ok(["consent", "show", id, "--json"])).nameless).toBe(true);
  });

  it("records the practice's default text (chart practice set --statements/--part2-statements), shown in the PDF and the FHIR Consent", () => {
    const hipaa = join(sb.tmp, "hipaa.txt");
    writeFileSync(hipaa, "PRACTICE-TEXT: revoke in writing to {practice}.\n\nPRACTICE-TEXT: we do not condition care on signing.\n\nPRACTICE-TEXT: the recipient may redisclose it.\n");
    const part2 = join(sb.tmp, "part2.txt");
    writeFileSync(part2, "PART2-TEXT: revoke in writing to {practice}.\n");
    const set = sb.run(["practice", "set", "--name", "Ellis Counseling", "--address", "12 Elm St", "--statements", hipaa, "--part2-statements", part2]);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain("2.31(a)(10)(ii)"); // the Part 2 text leaves the refusal statement out: a warning, not a refusal
    const id = sb.ok([...base(adult), "--expires", "2099-01-01"]);
    const rec = JSON.parse(sb.ok(["consent", "show", id, "--json"]));
    expect(rec.statements).toEqual(["PRACTICE-TEXT: revoke in writing to Ellis Counseling, 12 Elm St.", "PRACTICE-TEXT: we do not condition care on signing.", "PRACTICE-TEXT: the recipient may redisclose it."]);
    expect(rec.statementsFrom).toBe("practice");
    const sud = sb.ok([...base(adult), "--share", "substance-use", "--expires", "2099-01-01"]);
    expect(JSON.parse(sb.ok(["consent", "show", sud, "--json"])).statements.at(-1)).toBe("PART2-TEXT: revoke in writing to Ellis Counseling, 12 Elm St.");
    const out = join(sb.tmp, "bundle-statements");
    sb.ok(["share", adult, "--consent", id, "--out", out, "--format", "pdf,fhir", "--plaintext", "--yes"]);
    const fhir = JSON.parse(readFileSync(join(out, "record.fhir.json"), "utf8")) as { entry: { resource: { resourceType: string; sourceAttachment?: { data: string } } }[] };
    const consent = fhir.entry.map((e) => e.resource).find((r) => r.resourceType === "Consent");
    expect(Buffer.from(consent?.sourceAttachment?.data ?? "", "base64").toString("utf8")).toContain("PRACTICE-TEXT: the recipient may redisclose it.");
    if (spawnSync("pdftotext", ["-v"]).status === 0) {
      const pdf = execFileSync("pdftotext", [join(out, "record.pdf"), "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
      expect(pdf).toContain("PRACTICE-TEXT: we do not condition care on signing.");
    }
    // Without a practice text (unset), chart's wording again; what was recorded stays as signed.
    sb.ok(["practice", "set", "--unset", "statements", "--unset", "part2-statements"]);
    const again = sb.ok([...base(adult), "--expires", "2099-01-01"]);
    expect(JSON.parse(sb.ok(["consent", "show", again, "--json"]))).toMatchObject({ statementsFrom: "chart" });
    expect(JSON.parse(sb.ok(["consent", "show", id, "--json"])).statements[0]).toContain("PRACTICE-TEXT");
  });
});
