/** chart disclosures: the accounting apart from shares under an authorization; add; report (PDF + JSON) recorded as provided. */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

const HAS_PDFTOTEXT = spawnSync("pdftotext", ["-v"]).status === 0;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("chart disclosures", () => {
  let sb: Sandbox;
  let cid: string;
  const outs: string[] = [];
  const outside = () => {
    const d = tempDir("chart-acct-");
    outs.push(d);
    return join(d, "out");
  };
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example", ["--dob", "1990-02-03"]);
    sb.ok(["note", "add", cid, "-m", "note", "--sign"]);
    const consent = sb.ok(["consent", "add", cid, "--to", "Dr Psych", "--purpose", "treatment", "--share", "notes", "--expires", "2099-01-01", "--signed", "today"]);
    sb.ok(["share", cid, "--consent", consent, "--out", outside(), "--format", "json"]);
  });
  afterAll(() => {
    for (const d of outs) rmSync(d, { recursive: true, force: true });
  });

  it("add: a disclosure without an authorization, with its 164.512 basis; refuses a bad basis", () => {
    const bad = sb.run(["disclosures", "add", cid, "--to", "CPS", "--purpose", "report", "--description", "x", "--basis", "because"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("public-health");
    const auth = sb.run(["disclosures", "add", cid, "--to", "CPS", "--purpose", "report", "--description", "x", "--basis", "authorization"]);
    expect(auth.code).toBe(3);
    const id = sb.ok([
      "disclosures", "add", cid,
      "--to", "County Child Protective Services", "--address", "1 Court St, Springfield",
      "--purpose", "mandated child abuse report", "--description", "verbal report of suspected abuse and session date",
      "--basis", "public-health", "--date", "2024-05-02",
    ]);
    expect(id).toMatch(/^ds_/);
    sb.ok(["disclosures", "add", cid, "--to", "Detective Smith", "--purpose", "duty to warn", "--description", "threat statement", "--basis", "serious-threat"]);
  });

  it("lists the accounting and the authorized disclosures apart, each labelled with its legal basis and address", () => {
    const out = sb.ok(["disclosures", cid]);
    const acct = out.indexOf("Accounting of disclosures (45 CFR 164.528)");
    const auth = out.indexOf("Disclosures under an authorization (exempt");
    expect(acct).toBeGreaterThanOrEqual(0);
    expect(auth).toBeGreaterThan(acct);
    const accounting = out.slice(acct, auth);
    expect(accounting).toContain("County Child Protective Services, 1 Court St, Springfield");
    expect(accounting).toContain("45 CFR 164.512(b)");
    expect(accounting).toContain("45 CFR 164.512(j)");
    expect(accounting).not.toContain("Dr Psych");
    expect(out.slice(auth)).toContain("Dr Psych");
    const json = JSON.parse(sb.ok(["disclosures", cid, "--json"]));
    expect(json.map((d: { class: string }) => d.class).sort()).toEqual(["accountable", "accountable", "authorized"]);
  });

  it("report: PDF and JSON of the accountable disclosures only, recorded as provided (164.528(d))", () => {
    const dir = outside();
    const r = sb.run(["disclosures", "report", cid, "--out", dir, "--requested", "2024-06-01", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.entries).toBe(2);
    const acc = JSON.parse(readFileSync(join(dir, "accounting.json"), "utf8"));
    expect(acc.format).toBe("chart-accounting 1");
    expect(acc.client).toEqual({ name: "Ada Example", dob: "1990-02-03" });
    expect(acc.entries.map((e: { recipient: { name: string } }) => e.recipient.name)).toEqual(["County Child Protective Services", "Detective Smith"]);
    expect(acc.entries[0]).toMatchObject({ date: "2024-05-02", address: "1 Court St, Springfield", basis: "public-health" });
    expect(JSON.stringify(acc)).not.toContain("Dr Psych");
    if (HAS_PDFTOTEXT) {
      const t = execFileSync("pdftotext", [join(dir, "accounting.pdf"), "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
      expect(t).toContain("Accounting of disclosures");
      expect(t).toContain("County Child Protective Services");
      expect(t).toContain("164.512(b)");
      expect(t).not.toContain("Dr Psych");
    }
    const log = JSON.parse(sb.ok(["disclosures", cid, "--json"]));
    const provided = log.find((d: { id: string }) => d.id === out.provided);
    expect(provided).toMatchObject({ class: "provided", requested: "2024-06-01", basis: "individual" });
    expect(provided.files.find((f: { name: string }) => f.name === "accounting.json").sha256).toBe(sha256(readFileSync(join(dir, "accounting.json"))));
    expect(sb.ok(["disclosures", cid])).toContain("Accountings provided to the client");
  });

  it("report refuses a period longer than six years and needs --out or --dry-run", () => {
    expect(sb.run(["disclosures", "report", cid, "--from", "2001-01-01", "--dry-run"]).code).toBe(3);
    expect(sb.run(["disclosures", "report", cid]).code).toBe(2);
    expect(sb.ok(["disclosures", "report", cid, "--dry-run"])).toContain("2 entries");
  });
});
