/** Calendar dates (YYYY-MM-DD) and timestamps; the clock is always passed in. */
import { invalid } from "./errors.js";

export type IsoDate = string; // YYYY-MM-DD

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A UTC instant for a calendar day; unlike Date.UTC, years 0-99 are not taken as 1900-1999. */
function utcDay(y: number, monthIndex: number, d: number): Date {
  const t = new Date(0);
  t.setUTCFullYear(y, monthIndex, d);
  return t;
}

const isoDay = (t: Date): IsoDate =>
  `${String(t.getUTCFullYear()).padStart(4, "0")}-${String(t.getUTCMonth() + 1).padStart(2, "0")}-${String(t.getUTCDate()).padStart(2, "0")}`;

export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dim = utcDay(y, mo, 0).getUTCDate();
  return d <= dim;
}

/** Today's date in the local time zone of the given clock instant. */
export function localDate(now: Date): IsoDate {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, "0");
  const d = String(now.getDate()).padStart(2, "0");
  return `${String(y).padStart(4, "0")}-${m}-${d}`;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/**
 * A date a user typed, relative to `today` (docs/dates.md): YYYY-MM-DD; `today`, `yesterday`,
 * `tomorrow`; `-3d`, `-2w`, `+1d` (days or weeks from today); a weekday name (`monday`, or its
 * first three letters) for the most recent such day, today included. Undefined when it is none
 * of these.
 */
export function relativeDate(input: string, today: IsoDate): IsoDate | undefined {
  const s = input.trim().toLowerCase();
  if (s === "today") return today;
  if (s === "yesterday") return addDays(today, -1);
  if (s === "tomorrow") return addDays(today, 1);
  const rel = /^([+-])(\d{1,4})([dw])$/.exec(s);
  if (rel) return addDays(today, (rel[1] === "-" ? -1 : 1) * Number(rel[2]) * (rel[3] === "w" ? 7 : 1));
  const day = s.length >= 3 ? WEEKDAYS.findIndex((w) => w.startsWith(s)) : -1;
  if (day >= 0) {
    const [y, m, d] = today.split("-").map(Number) as [number, number, number];
    const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    return addDays(today, -((dow - day + 7) % 7));
  }
  return isIsoDate(s) ? s : undefined;
}

/**
 * Parse a user-supplied date (see relativeDate for the forms). Future dates are refused unless
 * allowFuture. `allowFuture: false` means the command offers `--allow-future` and it was not
 * given, so the refusal's hint names the flag; left out, the command has no such flag (a date of
 * birth, a request received, a revocation), and the hint does not send the user to one.
 */
export function parseDate(
  input: string,
  what: string,
  today: IsoDate,
  opts: { allowFuture?: boolean } = {},
): IsoDate {
  const date = relativeDate(input, today);
  if (date === undefined) {
    throw invalid(
      "E_BAD_DATE",
      `${what} is not a valid date: use YYYY-MM-DD, today, yesterday, -3d, -2w or a weekday`,
      `for example --${what.replace(/\s+/g, "-")} ${today}`,
    );
  }
  if (!opts.allowFuture && date > today) {
    throw invalid(
      "E_FUTURE_DATE",
      `${what} ${date} is in the future`,
      opts.allowFuture === false ? "check the date, or pass --allow-future if it is intended" : `check the date: it cannot be later than today (${today})`,
    );
  }
  return date;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return isoDay(utcDay(y, m - 1, d + days));
}

export function addYears(date: IsoDate, years: number): IsoDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  // Feb 29 + n years lands on Mar 1 in a non-leap year, which is the later, safer date.
  return isoDay(utcDay(y + years, m - 1, d));
}

/** An instant as an ISO string with seconds precision (UTC). */
export const stamp = (now: Date): string => now.toISOString().replace(/\.\d{3}Z$/, "Z");
