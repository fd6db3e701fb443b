import { tempDir } from "../support/tmp.js";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { checkCode, compactFromOrderFile, parseCompact, parseOrderLine } from "../../src/domain/icd10-set.js";
import { loadCodeSet } from "../../src/store/icd10cm.js";

const ROOT = resolve(import.meta.dirname, "../..");
const ORDER = readFileSync(join(ROOT, "test/fixtures/icd10cm-order-sample.txt"), "utf8");
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
});
