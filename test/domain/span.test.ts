import { describe, expect, it } from "vitest";
import { formatSpan, parseSpan } from "../../src/domain/span.js";

describe("lengths of time (chart unlock --idle, --lifetime)", () => {
  const limits = { minMs: 1_000, maxMs: 7 * 86_400_000 };
  it("a number and a unit", () => {
    expect(parseSpan("30s", "--idle", limits)).toBe(30_000);
    expect(parseSpan("15m", "--idle", limits)).toBe(900_000);
    expect(parseSpan("8h", "--idle", limits)).toBe(28_800_000);
    expect(parseSpan("2d", "--idle", limits)).toBe(172_800_000);
  });
  it("no unit, a fraction, out of bounds: usage errors naming the option", () => {
    for (const v of ["15", "1.5h", "-1m", "8d", "500ms", "", "m"]) {
      expect(() => parseSpan(v, "--idle", limits)).toThrow(/--idle/);
    }
  });
  it("shown in its two largest units", () => {
    expect(formatSpan(900_000)).toBe("15m");
    expect(formatSpan(90_000)).toBe("1m 30s");
    expect(formatSpan(28_799_000)).toBe("7h 59m");
    expect(formatSpan(0)).toBe("0s");
    expect(formatSpan(-5)).toBe("0s");
  });
});
