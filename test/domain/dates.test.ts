import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, addYears, isIsoDate, localDate, parseDate, relativeDate, stamp } from "../../src/domain/dates.js";
import { ChartError } from "../../src/domain/errors.js";

const iso = (d: Date) => d.toISOString().slice(0, 10);
const dayArb = fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("2199-12-31T00:00:00Z"), noInvalidDate: true }).map(iso);

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ChartError) return `${e.code}/${e.exit}`;
    throw e;
  }
  return undefined;
}

describe("dates", () => {
  it("isIsoDate agrees with the calendar", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const s = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const t = new Date(Date.UTC(2000, m - 1, d));
        t.setUTCFullYear(y);
        const valid = m >= 1 && m <= 12 && d >= 1 && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
        return isIsoDate(s) === valid;
      }),
    );
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("1900-02-29")).toBe(false);
    expect(isIsoDate("2000-02-29")).toBe(true);
    expect(isIsoDate("0000-02-29")).toBe(true); // years 0-99 are not 1900-1999
    expect(isIsoDate("0100-02-29")).toBe(false);
    for (const bad of ["2024-1-01", "20240101", "2024-01-01T00:00", " 2024-01-01", "2024/01/01", ""]) expect(isIsoDate(bad)).toBe(false);
  });

  it("parseDate accepts ISO dates, today and yesterday, trims and ignores case", () => {
    expect(parseDate("2024-03-01", "date", "2024-03-10")).toBe("2024-03-01");
    expect(parseDate(" Today ", "date", "2024-03-01")).toBe("2024-03-01");
    expect(parseDate("yesterday", "date", "2024-03-01")).toBe("2024-02-29");
    expect(parseDate("2024-03-01", "date", "2024-03-01")).toBe("2024-03-01");
  });

  it("parseDate refuses bad and future dates with exit 3 and a hint", () => {
    expect(code(() => parseDate("2024-13-01", "date", "2024-03-01"))).toBe("E_BAD_DATE/3");
    expect(code(() => parseDate("tomorrow", "date", "2024-03-01"))).toBe("E_FUTURE_DATE/3");
    expect(code(() => parseDate("someday", "date", "2024-03-01"))).toBe("E_BAD_DATE/3");
    expect(code(() => parseDate("01/02/2024", "dob", "2024-03-01"))).toBe("E_BAD_DATE/3");
    expect(code(() => parseDate("2024-03-02", "date", "2024-03-01"))).toBe("E_FUTURE_DATE/3");
    expect(parseDate("2024-03-02", "date", "2024-03-01", { allowFuture: true })).toBe("2024-03-02");
    // The hint names --allow-future only for a command that offers it (allowFuture: false).
    const hint = (opts?: { allowFuture?: boolean }) => {
      try {
        parseDate("2024-03-02", "date", "2024-03-01", opts);
      } catch (e) {
        return (e as ChartError).hint;
      }
      return undefined;
    };
    expect(hint({ allowFuture: false })).toBe("check the date, or pass --allow-future if it is intended");
    expect(hint()).toBe("check the date: it cannot be later than today (2024-03-01)");
    expect(hint({})).not.toContain("allow-future");
    try {
      parseDate("nope", "date of service", "2024-03-01");
    } catch (e) {
      expect((e as ChartError).hint).toBe("for example --date-of-service 2024-03-01");
    }
  });

  it("parseDate never accepts what isIsoDate refuses", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const t = s.trim().toLowerCase();
        fc.pre(isIsoDate(t) || relativeDate(t, "2100-01-01") === undefined);
        const r = code(() => parseDate(s, "date", "2100-01-01"));
        return isIsoDate(t) ? r === undefined : r === "E_BAD_DATE/3";
      }),
    );
  });

  it("addDays is the calendar's, and inverts", () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: -4000, max: 4000 }), (d, n) => {
        fc.pre(d >= "0012");
        const out = addDays(d, n);
        expect(isIsoDate(out)).toBe(true);
        expect(Date.parse(out) - Date.parse(d)).toBe(n * 86_400_000);
        expect(addDays(out, -n)).toBe(d);
      }),
    );
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(addDays("0050-01-01", 1)).toBe("0050-01-02");
  });

  it("addYears keeps month and day, Feb 29 moving to Mar 1 in a common year", () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: 0, max: 50 }), (d, n) => {
        const out = addYears(d, n);
        expect(isIsoDate(out)).toBe(true);
        expect(Number(out.slice(0, 4))).toBe(Number(d.slice(0, 4)) + n);
        if (d.slice(5) !== "02-29") expect(out.slice(5)).toBe(d.slice(5));
        expect(out >= d).toBe(true);
      }),
    );
    expect(addYears("2024-02-29", 1)).toBe("2025-03-01");
    expect(addYears("2024-02-29", 4)).toBe("2028-02-29");
  });

  it("localDate uses the local calendar day; stamp is UTC to the second", () => {
    const d = new Date(2024, 0, 5, 23, 59, 30);
    expect(localDate(d)).toBe("2024-01-05");
    expect(stamp(new Date("2024-01-05T10:11:12.345Z"))).toBe("2024-01-05T10:11:12Z");
  });
});

describe("relative dates", () => {
  // 2026-12-02 is a Wednesday.
  const today = "2026-12-02";
  it("named days, offsets and weekdays", () => {
    expect(relativeDate("today", today)).toBe("2026-12-02");
    expect(relativeDate(" Yesterday ", today)).toBe("2026-12-01");
    expect(relativeDate("tomorrow", today)).toBe("2026-12-03");
    expect(relativeDate("-3d", today)).toBe("2026-11-29");
    expect(relativeDate("-2w", today)).toBe("2026-11-18");
    expect(relativeDate("+1d", today)).toBe("2026-12-03");
    expect(relativeDate("monday", today)).toBe("2026-11-30");
    expect(relativeDate("wed", today)).toBe("2026-12-02");
    expect(relativeDate("thursday", today)).toBe("2026-11-26");
    expect(relativeDate("2026-02-29", today)).toBeUndefined();
    expect(relativeDate("mo", today)).toBeUndefined();
    expect(relativeDate("3d", today)).toBeUndefined();
  });
  it("a weekday is never in the future and at most six days back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.constantFrom("sun", "mon", "tue", "wed", "thu", "fri", "sat"), (n, w) => {
        const t = addDays("2020-01-01", n);
        const d = relativeDate(w, t) as string;
        expect(d <= t).toBe(true);
        expect(d >= addDays(t, -6)).toBe(true);
      }),
    );
  });
  it("future forms are refused unless allowed", () => {
    expect(() => parseDate("tomorrow", "date", today)).toThrow(/future/);
    expect(parseDate("+1w", "expires", today, { allowFuture: true })).toBe("2026-12-09");
  });
});
