import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mapLimit } from "../../src/store/pool.js";
import { runs } from "../support/runs.js";

describe("mapLimit", () => {
  it("keeps order and never exceeds the limit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(5), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), async (delays, limit) => {
        let live = 0;
        let peak = 0;
        const out = await mapLimit(
          delays,
          async (d, i) => {
            live++;
            peak = Math.max(peak, live);
            await new Promise((r) => setTimeout(r, d));
            live--;
            return i;
          },
          limit,
        );
        expect(out).toEqual(delays.map((_, i) => i));
        expect(peak).toBeLessThanOrEqual(limit);
      }),
      { numRuns: runs(40) },
    );
  });

  it("rejects with the first failure after in-flight calls settle", async () => {
    let settled = 0;
    const p = mapLimit([1, 2, 3, 4, 5, 6], async (n) => {
      await new Promise((r) => setTimeout(r, n));
      settled++;
      if (n === 2) throw new Error("boom");
      return n;
    }, 3);
    await expect(p).rejects.toThrow("boom");
    expect(settled).toBeLessThan(6);
  });
});
