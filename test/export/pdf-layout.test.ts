/** The PDF's own text layout (src/export/pdf.ts): kerning pairs read from DejaVu's legacy kern table. */
import { describe, expect, it } from "vitest";
import { kernPairs, newDocument } from "../../src/export/pdf.js";

describe("kernPairs", () => {
  it("reads DejaVu Sans's kerning pairs from the table's bytes, as fontkit decodes them", async () => {
    const { doc } = await newDocument(new Date("2026-12-01T12:00:00Z"), { title: "t", subject: "s" });
    const font = (doc as unknown as { _font: { font: unknown } })._font.font as Parameters<typeof kernPairs>[0] & {
      glyphsForString(s: string): { id: number }[];
      kern: { tables: { subtable: { pairs: { left: number; right: number; value: number }[] } }[] };
    };
    const pairs = kernPairs(font);
    const decoded = font.kern.tables[0]?.subtable.pairs ?? [];
    expect(pairs.size).toBe(decoded.length);
    expect(pairs.size).toBeGreaterThan(1000);
    for (const p of decoded.slice(0, 200)) expect(pairs.get(p.left * 65536 + p.right)).toBe(p.value);
    const [a, v] = font.glyphsForString("AV");
    expect(pairs.get((a?.id ?? 0) * 65536 + (v?.id ?? 0))).toBeLessThan(0);
  });
});
