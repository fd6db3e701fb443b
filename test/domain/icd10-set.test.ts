import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { checkCode, compactFromCodesFile, compactFromOrderFile, parseCompact, parseOrderLine } from "../../src/domain/icd10-set.js";
import { ICD10_COMMON } from "../../src/domain/icd10.js";
import { loadCodeSet } from "../../src/store/icd10cm.js";

const ROOT = resolve(import.meta.dirname, "../..");
const ORDER = readFileSync(join(ROOT, "test/fixtures/icd10cm-order-sample.txt"), "utf8");
const CODES_FILE = join(ROOT, "test/fixtures/icd10cm-codes-sample.txt");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("ICD-10-CM code set", () => {
  it("parses the official order file's fixed-width lines", () => {
    expect(parseOrderLine(ORDER.split("\n")[8] as string)).toEqual({
      code: "F43.10",
      billable: true,
      short: "Post-traumatic stress disorder, unspecified",
      long: "Post-traumatic stress disorder, unspecified",
    });
    expect(parseOrderLine("garbage")).toBeUndefined();
  });

  it("billable codes pass; headers list their billable codes; anything else is unknown", () => {
    const set = parseCompact(compactFromOrderFile(ORDER), "2026");
    expect(checkCode(set, "F41.1")).toEqual({ kind: "billable", short: "Generalized anxiety disorder" });
    expect(checkCode(set, "F41")).toEqual({ kind: "header", short: "Other anxiety disorders", children: ["F41.0", "F41.1", "F41.3", "F41.8", "F41.9"] });
    expect(checkCode(set, "F43.1")).toMatchObject({ kind: "header", children: ["F43.10", "F43.11", "F43.12"] });
    for (const c of ["F41.10", "F4A.1", "X99.9", "F41.2"]) expect(checkCode(set, c)).toEqual({ kind: "unknown" });
  });

  it("scripts/build-icd10cm.mjs builds the gzipped compact file the loader reads", () => {
    const out = tempDir("chart-icd-");
    dirs.push(out);
    const msg = execFileSync(process.execPath, [join(ROOT, "scripts/build-icd10cm.mjs"), join(ROOT, "test/fixtures/icd10cm-order-sample.txt"), "2026"], {
      env: { ...process.env, ICD10CM_OUT_DIR: out },
      encoding: "utf8",
    });
    expect(msg).toContain("14 codes (10 billable, 4 headers), FY2026");
    const text = gunzipSync(readFileSync(join(out, "icd10cm-2026.tsv.gz"))).toString("utf8");
    expect(text).toBe(compactFromOrderFile(ORDER));
    const set = loadCodeSet(out);
    expect(set?.year).toBe("2026");
    expect(set?.codes.size).toBe(14);
  });

  it("from the billable-codes file, headers are derived: strict prefixes, not the 7th-character padding X", () => {
    const set = parseCompact(compactFromCodesFile(readFileSync(CODES_FILE, "utf8")), "2026");
    const headers = [...set.codes].filter(([, e]) => !e.billable).map(([c]) => c);
    expect(headers).toEqual(["F41", "F43", "F43.1", "J09", "J09.X", "T74", "T74.1", "T74.11", "Z71", "Z71.4"]);
    expect(set.codes.size).toBe(25);
    expect(checkCode(set, "F41.1")).toEqual({ kind: "billable", short: "Generalized anxiety disorder" });
    expect(checkCode(set, "F41")).toEqual({ kind: "header", short: "", children: ["F41.0", "F41.1", "F41.3", "F41.8", "F41.9"] });
    expect(checkCode(set, "T74.11")).toMatchObject({ kind: "header", children: ["T74.11XA", "T74.11XD", "T74.11XS"] });
    expect(checkCode(set, "J09.X")).toMatchObject({ kind: "header", children: ["J09.X1", "J09.X2"] });
    for (const c of ["T74.11X", "F41.10", "F4A.1"]) expect(checkCode(set, c)).toEqual({ kind: "unknown" });
    // A bare list of codes (no descriptions) gives the same codes with empty descriptions.
    const bare = compactFromCodesFile("F411\nF419\n");
    expect(bare).toBe("F41\t0\t\nF41.1\t1\t\nF41.9\t1\t\n");
  });

  it("scripts/build-icd10cm.mjs --codes agrees with compactFromCodesFile", () => {
    const out = tempDir("chart-icd-");
    dirs.push(out);
    const msg = execFileSync(process.execPath, [join(ROOT, "scripts/build-icd10cm.mjs"), "--codes", CODES_FILE, "2026"], {
      env: { ...process.env, ICD10CM_OUT_DIR: out },
      encoding: "utf8",
    });
    expect(msg).toContain("25 codes (15 billable, 10 headers), FY2026");
    const text = gunzipSync(readFileSync(join(out, "icd10cm-2026.tsv.gz"))).toString("utf8");
    expect(text).toBe(compactFromCodesFile(readFileSync(CODES_FILE, "utf8")));
  });
});

describe("scripts/build-icd10cm.mjs --changes", () => {
  it("builds a year from the previous year's file and the year's change lists (quoted CSV titles kept)", () => {
    const out = tempDir("chart-icd-");
    dirs.push(out);
    execFileSync(process.execPath, [join(ROOT, "scripts/build-icd10cm.mjs"), join(ROOT, "test/fixtures/icd10cm-order-sample.txt"), "2026"], { env: { ...process.env, ICD10CM_OUT_DIR: out } });
    writeFileSync(join(out, "added.csv"), 'code,codeDotted,billable,category,shortTitle,longTitle\nF4310X,F43.10X,true,F43,"Made up, for the test",x\n');
    writeFileSync(join(out, "deleted.csv"), "code,codeDotted,wasBillable\nF419,F41.9,true\n");
    writeFileSync(join(out, "billable-status-changes.csv"), "code,codeDotted,previousBillable,newBillable,direction\nF4310,F43.10,true,false,billable-to-header\n");
    const msg = execFileSync(process.execPath, [join(ROOT, "scripts/build-icd10cm.mjs"), "--changes", join(out, "icd10cm-2026.tsv.gz"), out, "2027"], { env: { ...process.env, ICD10CM_OUT_DIR: out }, encoding: "utf8" });
    expect(msg).toContain("14 codes (9 billable, 5 headers), FY2027");
    const set = loadCodeSet(out);
    if (!set) throw new Error("no set built");
    expect(set.year).toBe("2027");
    expect(checkCode(set, "F43.10X")).toEqual({ kind: "billable", short: "Made up, for the test" });
    expect(checkCode(set, "F43.10").kind).toBe("header");
    expect(checkCode(set, "F41.9").kind).toBe("unknown");
  });
});

describe("the shipped ICD-10-CM code set (data/icd10cm)", () => {
  const set = loadCodeSet(join(ROOT, "data/icd10cm"));
  it("is FY2027 in full: 74,879 billable codes and 23,524 headers, as in the official order file", () => {
    expect(set?.year).toBe("2027");
    const all = [...(set?.codes.values() ?? [])];
    expect(all.length).toBe(98403);
    expect(all.filter((e) => e.billable).length).toBe(74879);
  });

  it("has FY2027's changes: new codes, codes turned headers, deleted codes", () => {
    if (!set) throw new Error("no code set shipped");
    for (const c of ["F64.A", "Z87.8901", "Z87.893", "I42.00", "QA1.71", "T52.811A", "K6A.01"]) expect(checkCode(set, c).kind, c).toBe("billable");
    expect(checkCode(set, "Z87.890")).toEqual({ kind: "header", short: "", children: ["Z87.8901", "Z87.8902", "Z87.8903", "Z87.8904", "Z87.8909"] });
    for (const c of ["I42.0", "D69.1", "Z68.1", "M86.8X1"]) expect(checkCode(set, c).kind, c).toBe("header");
    for (const c of ["T52.8X1A", "S23.420A", "T52.8X"]) expect(checkCode(set, c).kind, c).toBe("unknown");
  });

  it("knows billable codes, headers and unknown codes", () => {
    if (!set) throw new Error("no code set shipped");
    for (const c of ["F41.1", "F32.A", "F10.20", "Z71.41", "F43.10", "T74.11XA", "F99", "QA0.0101"]) expect(checkCode(set, c).kind, c).toBe("billable");
    expect(checkCode(set, "F41")).toEqual({ kind: "header", short: "", children: ["F41.0", "F41.1", "F41.3", "F41.8", "F41.9"] });
    for (const c of ["F43.1", "F10.2", "J09.X", "T74.11"]) expect(checkCode(set, c).kind, c).toBe("header");
    // X99.9 looks invented but is a header (assault by unspecified sharp object, 7th character needed).
    expect(checkCode(set, "X99.9")).toEqual({ kind: "header", short: "", children: ["X99.9XXA", "X99.9XXD", "X99.9XXS"] });
    for (const c of ["F4A.1", "F99.9", "F41.10", "T74.11X", "F32.10"]) expect(checkCode(set, c).kind, c).toBe("unknown");
  });

  it("every code in chart's table of common codes is billable in it", () => {
    if (!set) throw new Error("no code set shipped");
    const notBillable = Object.keys(ICD10_COMMON).filter((c) => checkCode(set, c).kind !== "billable");
    expect(notBillable).toEqual([]);
  });
});
