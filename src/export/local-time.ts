/**
 * Instants as a reader expects them: in the practice's time zone (chart practice set
 * --time-zone), e.g. "2024-03-05 3:15 PM CST", never a bare UTC "…Z". Without a time zone the
 * instant is shown in UTC and says so.
 */
export function localTime(instant: string, timeZone: string | undefined): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  const parts = formatter(timeFormats, timeZone ?? "UTC", "en-US", TIME).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("dayPeriod")} ${get("timeZoneName")}`;
}

/** The calendar date of an instant in the time zone (YYYY-MM-DD). */
export function localDate(instant: string, timeZone: string | undefined): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant.slice(0, 10);
  return formatter(dateFormats, timeZone ?? "UTC", "en-CA", DATE).format(d);
}

const TIME: Intl.DateTimeFormatOptions = { year: "numeric", month: "2-digit", day: "2-digit", hour: "numeric", minute: "2-digit", hour12: true, timeZoneName: "short" };
const DATE: Intl.DateTimeFormatOptions = { year: "numeric", month: "2-digit", day: "2-digit" };
const timeFormats = new Map<string, Intl.DateTimeFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * One formatter per time zone, made once: making an Intl.DateTimeFormat costs far more than
 * formatting with it (a 200-note share formats every note's signature time; docs/sharing.md, "Speed").
 */
function formatter(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = cache.get(timeZone);
  if (!f) cache.set(timeZone, (f = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  return f;
}
