import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitWidths, MIN_COLUMN, truncateCell } from "../../src/cli/table-fit.js";
import { inprocSandbox } from "../support/inproc.js";

describe("tables fit the terminal", () => {
  it("widths fit the screen when the floors allow, widest columns giving way first", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 9 }), fc.integer({ min: 20, max: 300 }), (widths, max) => {
        const out = fitWidths(widths, max);
        const total = (w: number[]) => w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1);
        const floors = widths.map((w) => Math.min(w, MIN_COLUMN));
        if (total(floors) <= max) expect(total(out)).toBeLessThanOrEqual(max);
        out.forEach((w, i) => {
          expect(w).toBeLessThanOrEqual(widths[i] as number);
          expect(w).toBeGreaterThanOrEqual(Math.min(widths[i] as number, MIN_COLUMN));
        });
      }),
    );
    expect(fitWidths([5, 100, 10], 40)).toEqual([5, 21, 10]);
  });

  it("cuts a long cell with an ellipsis, by characters", () => {
    expect(truncateCell("Dr. Jordan Lee, Northside Psychiatry", 12)).toBe("Dr. Jordan …");
    expect(truncateCell("short", 12)).toBe("short");
  });

  it("on an 80-column terminal a listing fits; piped, or with --wide, it is whole", async () => {
    const sb = await inprocSandbox();
    const name = "Maximiliana Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh";
    await sb.ok(["client", "add", "--name", name, "--email", "a.very.long.address.for.testing@example.org"]);
    const tty = await sb.run(["client", "list"], { stdoutColumns: 80 });
    expect(tty.code).toBe(0);
    for (const l of tty.stdout.trimEnd().split("\n")) expect(Array.from(l).length).toBeLessThanOrEqual(80);
    expect(tty.stdout).toContain("…");
    const piped = await sb.run(["client", "list"]);
    expect(piped.stdout).toContain(name);
    const wide = await sb.run(["client", "list", "--wide"], { stdoutColumns: 80 });
    expect(wide.stdout).toContain(name);
  });
});
