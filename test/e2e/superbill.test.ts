/** chart superbill: a one-page PDF for a client's month, checked with pdftotext, pdfinfo and pdffonts. */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

const HAS_POPPLER = spawnSync("pdftotext", ["-v"]).status === 0 && spawnSync("pdfinfo", ["-v"]).status === 0;

describe.skipIf(!HAS_POPPLER)("chart superbill", () => {
  let sb: Sandbox;
  let cid: string;
  let out: string;
  beforeAll(() => {
    sb = sandbox();
    out = tempDir("chart-superbill-");
    cid = addClient(sb, "Ada Example", ["--dob", "1990-02-03"]);
    sb.ok(["practice", "set", "--name", "Ellis Counseling", "--clinician", "Jordan Ellis", "--credentials", "LCSW", "--npi", "1234567893", "--license", "012345", "--license-state", "NY"]);
    sb.ok(["dx", "add", cid, "F41.1", "--date", "2024-04-01"]);
    sb.ok(["note", "add", cid, "-m", "session one", "--date", "2024-05-02", "--cpt", "90837", "--duration", "53", "--sign"]);
    sb.ok(["note", "add", cid, "-m", "session two", "--date", "2024-05-16", "--cpt", "90834", "--duration", "45", "--sign"]);
    sb.ok(["note", "add", cid, "-m", "draft", "--date", "2024-05-23", "--cpt", "90834"]);
    sb.ok(["note", "add", cid, "-m", "june", "--date", "2024-06-02", "--cpt", "90837", "--sign"]);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("one page: provider NPI and licence, client, dates of service, CPT, minutes, diagnosis codes; no clinical text", () => {
    const r = sb.run(["superbill", cid, "--month", "2024-05", "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("1 unsigned note");
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ month: "2024-05", services: 2, diagnoses: ["F41.1"] });
    const file = join(out, "superbill-2024-05.pdf");
    const t = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    for (const s of ["Superbill — May 2024", "Ellis Counseling", "NPI 1234567893", "NY 012345", "Ada Example", "1990-02-03", "2024-05-02 90837 53", "2024-05-16 90834 45", "F41.1"]) expect(t).toContain(s);
    for (const s of ["session one", "draft", "2024-05-23", "2024-06-02"]) expect(t).not.toContain(s);
    const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
    expect(info).toMatch(/^Pages:\s+1$/m);
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    const fonts = execFileSync("pdffonts", [file], { encoding: "utf8" }).split("\n").slice(2).filter((l) => l.trim());
    for (const f of fonts) expect(f).toMatch(/yes\s+yes\s+yes/);
  });

  it("refuses a bad month and an output inside the chart", () => {
    expect(sb.run(["superbill", cid, "--month", "2024-13", "--out", out]).code).toBe(3);
    expect(sb.run(["superbill", cid, "--month", "2024-05", "--out", join(sb.repo, "x")]).code).toBe(3);
    expect(sb.run(["superbill", cid, "--month", "2024-05", "--out", out]).code).toBe(2); // exists: needs --yes without a terminal
  });
});
