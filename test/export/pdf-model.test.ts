import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONFIDENTIALITY_NOTICE, PART2_NOTICE, WITHHELD_NOTICE } from "../../src/domain/share-view.js";
import { markdownLines, pdfModel, type PdfBlock } from "../../src/export/pdf-model.js";
import { FIXTURE_NAMES, loadView } from "../fixtures/large-view.js";
import { arbView } from "./arb-view.js";
import { expectGolden } from "./golden.js";
import { runs } from "../support/runs.js";

/** Every string the model would print, in order. */
function strings(blocks: PdfBlock[]): string[] {
  return blocks.flatMap((b): string[] => {
    switch (b.kind) {
      case "running":
        return [b.header, b.footer];
      case "letterhead":
        return [b.name, ...b.lines];
      case "signature":
        return b.lines;
      case "pagebreak":
        return [];
      case "heading":
      case "paragraph":
        return [b.text];
      case "title":
        return [b.text, b.subtitle];
      case "notice":
        return [b.title, b.text];
      case "fields":
        return b.rows.flatMap((r) => [r.label, r.value]);
      case "table":
        return [...b.columns.map((c) => c.title), ...b.rows.flat()];
      case "body":
        return b.lines.map((l) => l.text);
    }
  });
}

describe("pdfModel golden files", () => {
  for (const name of FIXTURE_NAMES) {
    it(`matches test/golden/pdf-model-${name}.json`, () => {
      expectGolden(`pdf-model-${name}`, pdfModel(loadView(name)));
    });
  }
});

describe("pdfModel", () => {
  it("shows client identifiers only when the view carries demographics", () => {
    const full = loadView("full");
    const text = strings(pdfModel(full)).join("\n");
    expect(text).toContain("Zoë Márquez-Łukasiewicz");
    expect(text).toContain("1991-03-07");
    const { patient: _p, ...rest } = full;
    const without = strings(pdfModel(rest)).join("\n");
    expect(without).not.toContain("1991-03-07");
    expect(without).not.toContain("zoe.m@example.org");
    expect(without).not.toContain("she/her");
    expect(without).not.toContain("Zoë"); // the signer of the authorization is the client
    expect(strings(pdfModel(loadView("psychotherapy"))).join("\n")).not.toContain("Samuel Ortiz");
    expect(pdfModel(rest).some((b) => b.kind === "heading" && b.text === "Client")).toBe(false);
  });

  it("carries the confidentiality notice always and the Part 2 notice only for Part 2 views", () => {
    const notices = (name: string): string[] => pdfModel(loadView(name)).flatMap((b) => (b.kind === "notice" && b.title !== "The authorization states" ? [b.text] : []));
    expect(notices("full")).toEqual([CONFIDENTIALITY_NOTICE]);
    expect(notices("part2")).toEqual([CONFIDENTIALITY_NOTICE, PART2_NOTICE]);
  });

  it("prints the statements the authorization carries (164.508(c)(2); 42 CFR 2.31 for Part 2 views)", () => {
    const stated = (name: string): string => pdfModel(loadView(name)).flatMap((b) => (b.kind === "notice" && b.title === "The authorization states" ? [b.text] : [])).join("\n");
    for (const rule of ["164.508(c)(2)(i)", "164.508(c)(2)(ii)", "164.508(c)(2)(iii)"]) expect(stated("full")).toContain(rule);
    expect(stated("full")).not.toContain("2.31");
    for (const rule of ["2.31(a)(6)", "2.31(a)(4)(iii)", "2.31(a)(10)(i)", "2.31(a)(10)(ii)"]) expect(stated("part2")).toContain(rule);
    expect(stated("minimal")).toBe("");
  });

  it("puts current and past diagnoses and medications in separate tables", () => {
    const blocks = pdfModel(loadView("full"));
    const tables = blocks.filter((b): b is Extract<PdfBlock, { kind: "table" }> => b.kind === "table");
    const firstCells = tables.map((t) => t.rows.map((r) => r[0]));
    expect(firstCells).toEqual([["F43.10", "F41.1"], ["F32.0", "F60.3"], ["Sertraline"], ["Hydroxyzine"]]);
  });

  it("keeps notes in view order with their addenda after them", () => {
    const headings = pdfModel(loadView("full")).flatMap((b) => (b.kind === "heading" && b.level > 1 ? [b.text] : []));
    expect(headings.slice(4)).toEqual([
      "2024-01-16 — Intake",
      "2024-03-05 — Progress note",
      "Addendum of 2024-03-07 — signed by Jordan Ellis, LCSW, 2024-03-07 2:00 PM UTC",
      "2024-05-20 — Treatment plan",
    ]);
  });

  it("says only the one fixed sentence about what was withheld, whatever the view withheld", () => {
    for (const name of ["full", "minimal", "psychotherapy", "part2"]) {
      const blocks = pdfModel(loadView(name));
      const i = blocks.findIndex((b) => b.kind === "heading" && b.text === "Withheld from this disclosure");
      expect(blocks.slice(i + 1)).toEqual([{ kind: "paragraph", text: WITHHELD_NOTICE }]);
      const text = JSON.stringify(blocks);
      for (const w of loadView(name).withheld) expect(text).not.toContain(w.reason === "marked private by the clinician" ? "marked private by the clinician" : w.reason);
    }
    // Two views that differ only in what was withheld give the same model.
    const full = loadView("full");
    expect(pdfModel({ ...full, withheld: [] })).toEqual(pdfModel(full));
  });

  it("has no section for a category the view does not carry", () => {
    const h1 = (name: string): string[] => pdfModel(loadView(name)).flatMap((b) => (b.kind === "heading" && b.level === 1 ? [b.text] : []));
    expect(h1("minimal")).toEqual(["Notes", "Withheld from this disclosure"]);
    expect(h1("psychotherapy")).toEqual(["Psychotherapy notes", "Withheld from this disclosure"]);
    expect(h1("full")).toEqual(["Client", "Diagnoses", "Medications", "Notes", "Withheld from this disclosure"]);
  });

  it("never prints undefined, null or an object, whatever the view", () => {
    fc.assert(
      fc.property(arbView, (view) => {
        const all = strings(pdfModel(view));
        for (const s of all) {
          expect(typeof s).toBe("string");
          expect(s).not.toMatch(/\bundefined\b|\bnull\b|\[object /);
        }
      }),
      { numRuns: runs(300) },
    );
  });

  it("prints every note's text, no note id and no client identifier without demographics", () => {
    fc.assert(
      fc.property(arbView, (view) => {
        const text = strings(pdfModel(view)).join("\n");
        for (const n of [...(view.notes ?? []), ...(view.psychotherapyNotes ?? [])]) {
          expect(text).not.toContain(n.id);
          for (const l of markdownLines(n.text)) expect(text).toContain(l.text);
        }
        for (const d of view.diagnoses ?? []) expect(text).toContain(d.code);
        for (const m of view.medications ?? []) expect(text).toContain(m.name);
        if (!view.patient) expect(pdfModel(view).some((b) => b.kind === "heading" && b.text === "Client")).toBe(false);
      }),
      { numRuns: runs(200) },
    );
  });
});

describe("pdfModel: letter, practice, local times", () => {
  const practice = { name: "Ellis Counseling, PLLC", clinician: "Jordan Ellis", credentials: "LCSW", npi: "1234567893", license: "012345", licenseState: "NY", timeZone: "America/Chicago" };
  it("matches the golden file for a referral letter with a practice profile", () => {
    expectGolden("pdf-model-letter", pdfModel({ ...loadView("full"), practice, letter: { question: "Is a dose change indicated?", text: "Dear Dr. Okafor,\n\nThank you." } }));
  });

  it("the letter comes first, on the letterhead, then a page break, then the record", () => {
    const blocks = pdfModel({ ...loadView("full"), practice, letter: { text: "Hello" } });
    const kinds = blocks.map((b) => b.kind);
    expect(kinds.slice(0, 3)).toEqual(["running", "letterhead", "fields"]);
    expect(kinds.indexOf("pagebreak")).toBeLessThan(kinds.indexOf("title"));
    expect(blocks.find((b) => b.kind === "signature")).toEqual({ kind: "signature", lines: ["Sincerely,", "", "Jordan Ellis, LCSW", "Ellis Counseling, PLLC", "NY licence 012345", "NPI 1234567893"] });
    // Without demographics the letter names nobody.
    const { patient: _p, ...anon } = loadView("full");
    const text = strings(pdfModel({ ...anon, practice, letter: { text: "x" } })).join("\n");
    expect(text).not.toContain("Zoë");
    expect(text).toContain("identifying information is not authorized");
  });

  it("drops columns that are empty in every row", () => {
    const v = loadView("full");
    const meds = (v.medications ?? []).map((m) => ({ ...m, prescriber: undefined }));
    const tables = pdfModel({ ...v, medications: JSON.parse(JSON.stringify(meds)) }).filter((b): b is Extract<PdfBlock, { kind: "table" }> => b.kind === "table");
    for (const t of tables) expect(t.columns.map((c) => c.title)).not.toContain("Prescriber");
    for (const t of tables) expect(t.columns.reduce((s, c) => s + c.width, 0)).toBeCloseTo(1, 2);
  });

  it("medication changes are listed with their dates and reasons", () => {
    const v = loadView("full");
    const meds = (v.medications ?? []).map((m, i) => (i === 0 ? { ...m, changes: [{ date: "2024-03-01", dose: "100 mg", reason: "partial response" }] } : m));
    const text = strings(pdfModel({ ...v, medications: meds })).join("\n");
    expect(text).toContain("2024-03-01: 100 mg (partial response)");
  });
});

describe("markdownLines", () => {
  it("drops template headings left empty", () => {
    expect(markdownLines("## Subjective\nfine\n## Objective\n\n## Plan\n### Goals\n- a\n## Risk\n")).toEqual([
      { text: "Subjective", bold: true },
      { text: "fine" },
      { text: "" },
      { text: "Plan", bold: true },
      { text: "Goals", bold: true },
      { text: "- a" },
    ]);
  });

  it("turns ATX headings into bold lines and keeps the rest", () => {
    expect(markdownLines("## Plan ##\n- continue\n**bold** stays\n")).toEqual([
      { text: "Plan", bold: true },
      { text: "- continue" },
      { text: "**bold** stays" },
    ]);
  });

  it("drops HTML comments (template guidance) and collapses blank lines", () => {
    expect(markdownLines("a\n<!-- guidance\nover lines -->\nb <!-- inline --> c\n\n\n\nd\n\n")).toEqual([
      { text: "a" },
      { text: "b  c" },
      { text: "" },
      { text: "d" },
    ]);
    expect(markdownLines("<!-- a --> kept\nx <!-- unclosed\ny")).toEqual([{ text: " kept" }, { text: "x" }]);
  });

  it("never emits two blank lines in a row nor a leading or trailing blank", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("", " ", "x", "## h", "<!-- c -->", "\r\n"), { maxLength: 30 }), (parts) => {
        const out = markdownLines(parts.join("\n"));
        out.forEach((l, i) => {
          if (l.text === "") {
            expect(i).toBeGreaterThan(0);
            expect(i).toBeLessThan(out.length - 1);
            expect(out[i - 1]?.text).not.toBe("");
          }
        });
      }),
    );
  });
});
