/** chart access: the right of access (164.524) end to end: due dates, one extension, the client's copy, a documented denial. */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

const AGE = "/usr/bin/age";
const AGE_KEYGEN = "/usr/bin/age-keygen";
const HAS_AGE = existsSync(AGE) && existsSync(AGE_KEYGEN);
const HAS_PDFTOTEXT = spawnSync("pdftotext", ["-v"]).status === 0;

describe("chart access", () => {
  let sb: Sandbox;
  let cid: string;
  const temps: string[] = [];
  const outside = () => {
    const d = tempDir("chart-access-");
    temps.push(d);
    return join(d, "copy");
  };
  const err = (r: { stderr: string }) => JSON.parse(r.stderr).error as { code: string };
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example");
    sb.ok(["note", "add", cid, "-m", "Progress ZQPROGQZ <private>ZQPRIVQZ</private> end", "-d", "2024-03-01", "--sign"]);
    sb.ok(["note", "add", cid, "-m", "Process ZQPSYQZ", "-k", "psychotherapy", "-d", "2024-03-01", "--sign"]);
    sb.ok(["note", "add", cid, "-m", "Draft ZQDRAFTQZ", "-d", "2024-03-02"]);
    const wrong = sb.ok(["note", "add", cid, "-m", "Wrong ZQWRONGQZ", "-d", "2024-03-03", "--sign"]);
    sb.ok(["void", wrong, "--yes", "--reason", "written on the wrong client"]);
    sb.ok(["dx", "add", cid, "F41.1", "-d", "2024-03-01"]);
  });
  afterAll(() => {
    for (const t of [sb.home, ...temps]) rmSync(t, { recursive: true, force: true });
  });

  it("records a request due in 30 days, one extension with a reason, and lists open requests", () => {
    const r = JSON.parse(sb.ok(["access", "request", cid, "--received", "2024-05-01", "--format", "pdf,json", "--json"]));
    expect(r).toMatchObject({ received: "2024-05-01", due: "2024-05-31", formats: ["pdf", "json"], open: true, overdue: true });
    expect(sb.run(["access", "extend", cid, r.id, "--json"]).code).toBe(3);
    const late = sb.run(["access", "extend", cid, r.id, "--reason", "records off site", "--json"]);
    expect(late.code).toBe(3); // today is long after the first 30 days
    expect(err(late).code).toBe("E_ACCESS_LATE");
    const today = new Date().toISOString().slice(0, 10);
    const fresh = JSON.parse(sb.ok(["access", "request", cid, "--json"]));
    expect(fresh.received).toBe(today);
    const ext = JSON.parse(sb.ok(["access", "extend", cid, fresh.id.slice(0, 8), "--reason", "records off site", "--json"]));
    expect(ext.extended.reason).toBe("records off site");
    expect(ext.due > fresh.due).toBe(true);
    const again = sb.run(["access", "extend", cid, fresh.id, "--reason", "more", "--json"]);
    expect(again.code).toBe(3);
    expect(err(again).code).toBe("E_ACCESS_EXTENDED");
    const open = JSON.parse(sb.ok(["access", "list", "--json"]));
    expect(open.map((x: { id: string }) => x.id).sort()).toEqual([r.id, fresh.id].sort());
    expect(sb.ok(["access", "list"])).toMatch(/OVERDUE/);
  });

  it("fulfils with the designated record set: psychotherapy notes and drafts out, private passages in, voided shown as voided; access, not a disclosure", () => {
    const r = JSON.parse(sb.ok(["access", "request", cid, "--json"]));
    expect(sb.run(["access", "fulfil", cid, r.id, "--out", outside()]).code).toBe(2);
    const inside = sb.run(["access", "fulfil", cid, r.id, "--plaintext", "--out", join(sb.repo, "copy"), "--json"]);
    expect(inside.code).toBe(3);
    expect(err(inside).code).toBe("E_EXPORT_INSIDE_REPO");
    const before = sb.ok(["disclosures", cid, "--json"]);
    const dir = outside();
    const out = sb.run(["access", "fulfil", cid, r.id, "--plaintext", "--out", dir]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/plaintext/);
    expect(readdirSync(dir).sort()).toEqual(["record.fhir.json", "record.json", "record.pdf"]);
    const json = readFileSync(join(dir, "record.json"), "utf8");
    expect(json).toContain("ZQPROGQZ");
    expect(json).toContain("ZQPRIVQZ");
    expect(json).not.toContain("<private>");
    expect(json).not.toContain("ZQPSYQZ");
    expect(json).not.toContain("ZQDRAFTQZ");
    expect(JSON.parse(json).voided[0].reason).toBe("written on the wrong client");
    const fhir = readFileSync(join(dir, "record.fhir.json"), "utf8");
    expect(fhir).not.toContain("ZQPSYQZ");
    expect(fhir).not.toContain("ZQWRONGQZ");
    if (HAS_PDFTOTEXT) {
      const pdf = execFileSync("pdftotext", [join(dir, "record.pdf"), "-"], { encoding: "utf8" });
      expect(pdf).toContain("ZQPRIVQZ");
      expect(pdf).not.toContain("ZQPSYQZ");
      expect(pdf).toMatch(/VOIDED/);
    }
    expect(sb.ok(["disclosures", cid, "--json"])).toBe(before);
    const all = JSON.parse(sb.ok(["access", "list", cid, "--all", "--json"]));
    expect(all.find((x: { id: string }) => x.id === r.id).fulfilled.files).toEqual(["record.pdf", "record.json", "record.fhir.json"]);
    expect(sb.run(["access", "fulfil", cid, r.id, "--plaintext", "--out", outside()]).code).toBe(5);
  });

  it("a documented denial withholds the private passages and gives the basis, the review right and how to complain", () => {
    const r = JSON.parse(sb.ok(["access", "request", cid, "--format", "json,pdf", "--json"]));
    expect(sb.run(["access", "deny", cid, r.id, "--private"]).code).toBe(3);
    sb.ok(["access", "deny", cid, r.id, "--private", "--reason", "a licensed professional judged access reasonably likely to endanger the client's physical safety"]);
    const dir = outside();
    sb.ok(["access", "fulfil", cid, r.id, "--plaintext", "--out", dir]);
    const doc = JSON.parse(readFileSync(join(dir, "record.json"), "utf8"));
    expect(JSON.stringify(doc)).not.toContain("ZQPRIVQZ");
    expect(JSON.stringify(doc)).toContain("[withheld]");
    const denial = doc.denial.join("\n");
    expect(denial).toMatch(/endanger/);
    expect(denial).toMatch(/review/);
    expect(denial).toMatch(/Secretary/);
    if (HAS_PDFTOTEXT) {
      const pdf = execFileSync("pdftotext", [join(dir, "record.pdf"), "-"], { encoding: "utf8" });
      expect(pdf).not.toContain("ZQPRIVQZ");
      expect(pdf).toMatch(/review/);
    }
  });

  it.skipIf(!HAS_AGE)("encrypted to the client's key: stock age opens it", () => {
    const r = JSON.parse(sb.ok(["access", "request", cid, "--format", "json", "--json"]));
    const dir = outside();
    const key = join(dir, "..", "client.txt");
    execFileSync(AGE_KEYGEN, ["-o", key], { stdio: "ignore" });
    const recipient = execFileSync(AGE_KEYGEN, ["-y", key], { encoding: "utf8" }).trim();
    sb.ok(["access", "fulfil", cid, r.id, "--encrypt-to", recipient, "--out", dir]);
    expect(readdirSync(dir)).toEqual(["record.json.age"]);
    expect(execFileSync(AGE, ["-d", "-i", key, join(dir, "record.json.age")], { encoding: "utf8" })).toContain("ZQPROGQZ");
  });
});
