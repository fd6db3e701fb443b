/** dx add against an installed ICD-10-CM code set (built from an order file in the official format). */
import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, ROOT, sandbox, type Sandbox } from "../support/e2e.js";

describe("dx add with an installed ICD-10-CM code set", () => {
  let sb: Sandbox;
  let cid: string;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example");
    dir = tempDir("chart-icd-e2e-");
    execFileSync(process.execPath, [join(ROOT, "scripts/build-icd10cm.mjs"), join(ROOT, "test/fixtures/icd10cm-order-sample.txt"), "2026"], { env: { ...process.env, ICD10CM_OUT_DIR: dir } });
    env = { CHART_ICD10CM_DIR: dir };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a header code is refused with its billable codes listed", () => {
    const r = sb.run(["dx", "add", cid, "F41", "--json"], { env });
    expect(r.code).toBe(3);
    const e = JSON.parse(r.stderr).error;
    expect(e.code).toBe("E_ICD10_HEADER");
    expect(e.hint).toBe("use one of: F41.0, F41.1, F41.3, F41.8, F41.9");
  });

  it("an unknown code is refused unless --force, which the event records", () => {
    for (const c of ["F41.10", "F4A.1", "X99.9"]) {
      const r = sb.run(["dx", "add", cid, c, "--json"], { env });
      expect(r.code, c).toBe(3);
      expect(JSON.parse(r.stderr).error.code).toBe("E_ICD10_UNKNOWN");
    }
    sb.ok(["dx", "add", cid, "F41.2", "--force", "--description", "Mixed anxiety and depressive disorder"], { env });
    const hist = JSON.parse(sb.ok(["dx", "history", cid, "--json"], { env }));
    const forced = JSON.stringify(hist);
    expect(forced).toContain('"forced":{"codeSet":"2026"}');
  });

  it("a billable code is accepted, its official description filled in; labels still follow the code", () => {
    sb.ok(["dx", "add", cid, "Z71.41"], { env });
    const list = JSON.stringify(JSON.parse(sb.ok(["dx", "list", cid, "--json"], { env })));
    expect(list).toContain("Alcohol abuse counseling and surveillance of alcoholic");
    expect(list).toContain("SUD");
  });
});

describe("dx add with the shipped FY2027 code set (data/icd10cm)", () => {
  let sb: Sandbox;
  let cid: string;
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Bea Example");
  });

  it("F41 is refused as a header, its billable codes listed", () => {
    const r = sb.run(["dx", "add", cid, "F41", "--json"]);
    expect(r.code).toBe(3);
    const e = JSON.parse(r.stderr).error;
    expect(e.code).toBe("E_ICD10_HEADER");
    expect(e.message).toContain("FY2027");
    expect(e.hint).toBe("use one of: F41.0, F41.1, F41.3, F41.8, F41.9");
  });

  it("F41.1 is accepted, described from chart's table of common codes", () => {
    sb.ok(["dx", "add", cid, "f411"]);
    const list = JSON.stringify(JSON.parse(sb.ok(["dx", "list", cid, "--json"])));
    expect(list).toContain('"F41.1"');
    expect(list).toContain("Generalized anxiety disorder");
  });

  it("X99.9 (a header) and F4A.1 (no such code) are refused; --force records an unknown code", () => {
    const x = sb.run(["dx", "add", cid, "X99.9", "--json"]);
    expect(x.code).toBe(3);
    expect(JSON.parse(x.stderr).error.code).toBe("E_ICD10_HEADER");
    for (const c of ["F4A.1", "F99.9"]) {
      const r = sb.run(["dx", "add", cid, c, "--json"]);
      expect(r.code, c).toBe(3);
      expect(JSON.parse(r.stderr).error.code).toBe("E_ICD10_UNKNOWN");
    }
    const forced = sb.run(["dx", "add", cid, "F4A.1", "--force", "--description", "A code newer than the installed set"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("not in the ICD-10-CM code set of FY2027; recorded with --force");
    const hist = JSON.stringify(JSON.parse(sb.ok(["dx", "history", cid, "--json"])));
    expect(hist).toContain('"forced":{"codeSet":"2027"}');
  });

  it("a billable code outside the table of common codes is accepted without a description, and says so", () => {
    const r = sb.run(["dx", "add", cid, "F32.A"]);
    expect(r.code, r.stderr).toBe(0);
    const z = sb.run(["dx", "add", cid, "Z71.41"]);
    expect(z.code, z.stderr).toBe(0);
    expect(z.stderr).toContain("Z71.41 is a billable ICD-10-CM code");
    expect(z.stderr).toContain("add --description");
    expect(z.stderr).toMatch(/labelled SUD/);
    const list = JSON.stringify(JSON.parse(sb.ok(["dx", "list", cid, "--json"])));
    expect(list).toContain("Depression, unspecified");
  });
});
