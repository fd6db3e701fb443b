import { WITHHELD_NOTICE } from "../../src/domain/share-view.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildManifest, MANIFEST_FORMAT, MANIFEST_NAME, manifestText } from "../../src/export/manifest.js";
import { FIXTURE_NAMES, loadView } from "../fixtures/large-view.js";
import { arbView } from "./arb-view.js";
import { expectGolden } from "./golden.js";
import { runs } from "../support/runs.js";

const FILES = [
  { name: "record.pdf", sha256: "A".repeat(64) },
  { name: "bundle.fhir.json", sha256: "b".repeat(64) },
];

describe("buildManifest", () => {
  it("matches the golden file for the full fixture", () => {
    expectGolden("manifest-full", buildManifest(loadView("full"), FILES));
  });

  it("has a fixed key order and the format version", () => {
    const m = buildManifest(loadView("part2"), FILES);
    expect(MANIFEST_NAME).toBe("manifest.json");
    expect(Object.keys(m)).toEqual([
      "format",
      "consent",
      "client",
      "recipient",
      "purposes",
      "categories",
      "date",
      "generatedAt",
      "labels",
      "part2",
      "included",
      "withheld",
      "files",
    ]);
    expect(m.format).toBe(MANIFEST_FORMAT);
    expect(m.part2).toBe(true);
    expect(m.labels).toEqual(["SUD"]);
  });

  it("lists files sorted by name with lowercase hashes, whatever order they came in", () => {
    const a = buildManifest(loadView("minimal"), FILES);
    const b = buildManifest(loadView("minimal"), [...FILES].reverse());
    expect(a.files).toEqual([
      { name: "bundle.fhir.json", sha256: "b".repeat(64) },
      { name: "record.pdf", sha256: "a".repeat(64) },
    ]);
    expect(manifestText(b)).toBe(manifestText(a));
    expect(manifestText(a).endsWith("}\n")).toBe(true);
  });

  it("lists included ids by category, addenda after their note", () => {
    expect(buildManifest(loadView("full"), []).included).toEqual({
      demographics: ["cl_ujzdegxdncf32epf3dhodzdoci"],
      diagnoses: [
        "dx_qh5av2ricphkqdlmttns4lrwbq",
        "dx_cabm6p4g37ztnovmizwdiaeq3k",
        "dx_dfyspsc5lkr4aqxvupctnwlavy",
        "dx_f6rmpafqfjzczbttofjyu7jsjc",
        "dx_3ibofbcixgy4dbp7qa5efe6qeq",
        "dx_pno57ye6scmejvqtia6d7rgn7s",
        "dx_s555hmtf6bs5e4rynnefjqxirh",
      ],
      medications: [
        "md_4lajlj6hdu6gdpmrcg4be4umr4",
        "md_6pqm4i2hz4uep3enthjxjqi5og",
        "md_z7kok3zv2mwufxbv54byvsehog",
        "md_fqrclri3qzj7ufrdl3erbfqfoe",
      ],
      notes: ["nt_v4seh2kvj72ceuvw75efr6edt4", "nt_sywb5wkh7dnsipzz7fk4zri3r2", "nt_wyojfljooa7lqsaj2xuid5zzzz", "nt_g6zdmen4khvdgajgxbenyjqwx6"],
    });
    expect(buildManifest(loadView("psychotherapy"), []).included).toEqual({
      "psychotherapy-notes": ["nt_hh7566tfjgvq6kbnxjbtfqxkwo", "nt_vompzom7wbbr6qmw4wxfogo6mv"],
    });
  });

  it("carries no withheld counts or reasons: only the fixed sentence", () => {
    for (const name of ["full", "minimal", "psychotherapy", "part2"]) {
      const m = buildManifest(loadView(name), []);
      expect(m.withheld).toBe(WITHHELD_NOTICE);
      expect(JSON.stringify(m)).not.toMatch(/not covered|date range|unsigned draft|"count"/);
    }
    expect(buildManifest({ ...loadView("full"), withheld: [] }, [])).toEqual(buildManifest(loadView("full"), []));
  });

  it("names the document when the view carries its id", () => {
    expect(buildManifest(loadView("full"), []).document).toBeUndefined();
    expect(buildManifest({ ...loadView("full"), documentId: "ds_x" }, []).document).toBe("ds_x");
  });

  it("includes exactly the view's items, for the fixtures and any view", () => {
    const check = (view: ReturnType<typeof loadView>): void => {
      const ids = Object.values(buildManifest(view, []).included).flat();
      expect(new Set(ids)).toEqual(new Set(view.items));
    };
    for (const name of FIXTURE_NAMES) check(loadView(name));
    fc.assert(fc.property(arbView, check), { numRuns: runs(200) });
  });

  it("carries no note text, diagnosis or medication name", () => {
    const text = manifestText(buildManifest(loadView("full"), FILES));
    for (const s of ["nightmares", "F43.10", "Sertraline", "Zoë", "1991-03-07"]) expect(text).not.toContain(s);
  });
});
