import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { ShareView } from "../../src/domain/share-view.js";
import { CONFIDENTIALITY_NOTICE, PART2_NOTICE, WITHHELD_NOTICE } from "../../src/domain/share-view.js";
import { pdfText, renderPdf } from "../../src/export/pdf.js";
import { largeView, loadView } from "../fixtures/large-view.js";
import { arbView } from "./arb-view.js";

const PDFTOTEXT = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"].find((p) => existsSync(p));
if (!PDFTOTEXT) console.warn("pdf.test.ts: pdftotext not found (apt-get install poppler-utils); the text checks are skipped");

/** The PDF's text as pdftotext reads it (layout mode), with runs of whitespace made one space. */
function textOf(pdf: Uint8Array): { flat: string; pages: string[] } {
  const r = spawnSync(PDFTOTEXT ?? "pdftotext", ["-layout", "-enc", "UTF-8", "-", "-"], { input: pdf, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
  const pages = r.stdout.split("\f").filter((p) => p.trim() !== "");
  return { flat: r.stdout.replace(/\s+/g, " "), pages };
}
const flat = (s: string): string => s.replace(/\s+/g, " ");

const rendered = new Map<string, Uint8Array>();
beforeAll(async () => {
  for (const name of ["full", "psychotherapy", "minimal", "part2"]) rendered.set(name, await renderPdf(loadView(name)));
});
const pdf = (name: string): Uint8Array => rendered.get(name) ?? new Uint8Array();

describe.skipIf(!PDFTOTEXT)("renderPdf: what a reader sees (pdftotext)", () => {
  it("the header names recipient, purpose, authorization, expiry and date", () => {
    const t = textOf(pdf("full")).flat;
    for (const s of [
      "Disclosure of health information",
      "Recipient Dr. Amara Okafor",
      "Organization Riverside Psychiatry Associates",
      "Purposes continuity of care; medication evaluation",
      "Authorization cs_s2jhtlgmxgedn73u55xtplpft7",
      "Expires 2025-06-14",
      "Information dated from 2024-01-01 until 2024-06-30",
      "Date 2024-06-14",
    ]) {
      expect(t).toContain(s);
    }
    expect(flat(textOf(pdf("psychotherapy")).flat)).toContain("Expires on: end of the consultation");
  });

  it("client identifiers appear only with demographics", async () => {
    const t = textOf(pdf("full")).flat;
    expect(t).toContain("Name Zoë Márquez-Lukasiewicz"); // Ł is not in the standard fonts: transliterated
    expect(t).toContain("Date of birth 1991-03-07");
    const { patient: _p, ...withoutPatient } = loadView("full");
    const u = textOf(await renderPdf(withoutPatient)).flat;
    for (const s of ["Márquez", "1991-03-07", "zoe.m@example.org", "555-0199", "she/her"]) expect(u).not.toContain(s);
    expect(textOf(pdf("psychotherapy")).flat).not.toContain("Samuel Ortiz");
  });

  it("diagnoses and medications come as current and past tables", () => {
    const t = textOf(pdf("full")).flat;
    expect(t).toMatch(/Diagnoses Current Code Description Status Primary Onset Since Labels F43\.10 Post-traumatic stress disorder, unspecified active yes 2023-09-15 2024-02-20 SDV/);
    expect(t).toMatch(/Past Code Description Status Added Ended Labels F32\.0 .* resolved 2024-01-16 2024-05-02 F60\.3 Borderline personality disorder ruled out/);
    expect(t).toMatch(/Medications Current Medication Dose Route Frequency Prescriber Started Labels Sertraline 100 mg oral once daily Dr\. Priya Raman 2024-02-01/);
    expect(t).toMatch(/Past Medication Dose Started Stopped Reason stopped Labels Hydroxyzine 25 mg 2024-01-20 2024-04-11 daytime drowsiness/);
  });

  it("notes come in date order with metadata, text, withheld markers and addenda", () => {
    const t = textOf(pdf("full")).flat;
    const order = ["2024-01-16 — Intake", "2024-03-05 — Progress note", "Addendum of 2024-03-07", "2024-05-20 — Treatment plan"].map((s) => t.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(t).toContain("since an assault in September 2023. [withheld]");
    expect(t).toContain("Correction: PCL-5 baseline was 57, not 55.");
    expect(t).toContain("template soap · 53 min · CPT 90837 · signed by Jordan Ellis, LCSW");
    expect(t).toContain("draft (not signed)");
    expect(t).not.toContain("template guidance"); // HTML comments are not printed
    expect(t).not.toContain("## ");
  });

  it("non-Latin-1 text degrades gracefully", () => {
    const t = textOf(pdf("full")).flat;
    expect(t).toContain("Raised in Lódz;");
    expect(t).toContain("sertraline -> 6 h/night. “Less on edge.”");
    expect(t).toContain("prescriber >= 4 weeks");
    expect(t).toContain("in-vivo exposure ?.");
  });

  it("the withheld summary, the notices and a footer on every page", () => {
    const full = textOf(pdf("full"));
    expect(full.flat).toContain(flat(WITHHELD_NOTICE));
    expect(full.flat).not.toContain("outside the authorization");
    expect(full.flat).not.toContain("not covered");
    expect(full.flat).toContain(flat(CONFIDENTIALITY_NOTICE));
    expect(full.flat).not.toContain(PART2_NOTICE);
    expect(textOf(pdf("part2")).flat).toContain(PART2_NOTICE);
    expect(textOf(pdf("minimal")).flat).toContain(flat(WITHHELD_NOTICE));
    expect(full.pages.length).toBeGreaterThan(1);
    full.pages.forEach((page, i) => {
      expect(flat(page)).toContain("Confidential — disclosed under authorization cs_s2jhtlgmxgedn73u55xtplpft7");
      expect(flat(page)).toContain(`Page ${i + 1} of ${full.pages.length}`);
    });
  });

  it("has no section for what the view does not carry", () => {
    const t = textOf(pdf("minimal")).flat;
    expect(t).toContain("Phone call: client asked for a referral letter");
    for (const s of ["Diagnoses", "Medications", "Psychotherapy notes", "Date of birth", "Name "]) expect(t).not.toContain(s);
    expect(t).toContain("Client record cl_sqxezyex3rdrgdsjpr3umx3bzn"); // the chart's random record id is always shown
  });

  it("any view renders, and its notes' ids reach the page", async () => {
    await fc.assert(
      fc.asyncProperty(arbView, async (view: ShareView) => {
        const t = textOf(await renderPdf(view)).flat;
        for (const n of [...(view.notes ?? []), ...(view.psychotherapyNotes ?? [])]) expect(t.replace(/ /g, "")).toContain(n.id);
      }),
      { numRuns: 15 },
    );
  });
});

describe("renderPdf: determinism and metadata", () => {
  it("the same view gives the same bytes", async () => {
    const a = await renderPdf(loadView("full"));
    const b = await renderPdf(loadView("full"));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(pdf("full")))).toBe(true);
  });

  it("dates come from generatedAt and the file /ID from the view", async () => {
    const raw = Buffer.from(pdf("full")).toString("latin1");
    expect(raw).toContain("(D:20240614153000Z)");
    const id = (s: string): string => /\/ID \[<([0-9a-f]+)>/.exec(s)?.[1] ?? "";
    const other = Buffer.from(await renderPdf({ ...loadView("full"), notes: [] })).toString("latin1");
    expect(id(raw)).toMatch(/^[0-9a-f]{32}$/);
    expect(id(other)).not.toBe(id(raw)); // same dates and title, different content
  });

  it("refuses a view without a valid generation time", async () => {
    await expect(renderPdf({ ...loadView("minimal"), generatedAt: "yesterday" })).rejects.toMatchObject({ code: "E_BAD_VIEW" });
  });
});

describe("renderPdf: speed", () => {
  it("renders a 200-note view in under 2 s (median of 5)", async () => {
    const view = largeView(200);
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      size = (await renderPdf(view)).length;
      times.push(performance.now() - t0);
    }
    const median = [...times].sort((a, b) => a - b)[2] ?? Infinity;
    console.log(`renderPdf, 200 notes: median ${median.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(", ")} ms), ${(size / 1024).toFixed(0)} KiB`);
    expect(median).toBeLessThan(2000);
  });
});

/** The characters above Latin-1 that WinAnsi (the standard fonts' encoding) carries. */
const WIN_ANSI_EXTRA = "ŒœŠšŸŽžƒˆ˜–—‘’‚“”„†‡•…‰‹›€™";

describe("pdfText", () => {
  it("keeps WinAnsi text and replaces or transliterates the rest", () => {
    expect(pdfText("café — “ok” €5 • ß")).toBe("café — “ok” €5 • ß");
    expect(pdfText("Łódź Ærø ő")).toBe("Lódz Ærø o");
    expect(pdfText("a\tb\u0007c")).toBe("a    bc");
    expect(pdfText("≥ 3 → − 2")).toBe(">= 3 -> - 2");
    expect(pdfText("日本 🙂")).toBe("?? ?");
    expect(pdfText("line\nbreak")).toBe("line\nbreak");
  });

  it("only ever yields characters the standard fonts encode", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        for (const ch of pdfText(s)) {
          const cp = ch.codePointAt(0) ?? 0;
          expect(ch === "\n" || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.includes(ch)).toBe(true);
        }
      }),
    );
  });
});
