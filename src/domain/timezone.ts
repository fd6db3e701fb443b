/**
 * The practice's time zone, and "today" in it. Dates a user did not type (a note's date of
 * service, a revocation's date, a share's "as of") are today's date in this zone, and every
 * record also stores the instant (`created`, UTC). The zone is the practice's setting when there
 * is one, else the system's ($TZ, else what Intl reports). Pure: the environment is passed in.
 */
import { invalid } from "./errors.js";
import type { IsoDate } from "./dates.js";

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The configured zone (checked), else $TZ when Intl knows it, else the system's, else UTC. */
export function resolveTimeZone(configured: string | undefined, env: { TZ?: string | undefined }): string {
  if (configured !== undefined && configured !== "") {
    if (!isTimeZone(configured)) throw invalid("E_BAD_TIME_ZONE", `unknown time zone "${configured.slice(0, 40)}"`, "use an IANA zone name, e.g. America/Chicago");
    return configured;
  }
  const tz = env.TZ?.replace(/^:/, "");
  if (tz && isTimeZone(tz)) return tz;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The calendar date of an instant in a time zone. */
export function dateInZone(now: Date, zone: string): IsoDate {
  const parts = formatterFor(dateFormats, zone, { year: "numeric", month: "2-digit", day: "2-digit", era: "short" }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const year = Number(get("year")) * (get("era") === "BC" || get("era") === "B" ? -1 : 1);
  return `${String(year).padStart(4, "0")}-${get("month")}-${get("day")}`;
}

/**
 * An instant (a stamp such as 2026-12-01T18:42:54Z) as the practice reads it: date and time in
 * its time zone, with the zone's short name ("2026-12-01 13:42 EST"). Anything that is not an
 * instant is shown as it is.
 */
export function timeInZone(instant: string, zone: string): string {
  const t = new Date(instant);
  if (Number.isNaN(t.getTime())) return instant;
  const parts = formatterFor(timeFormats, zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" }).formatToParts(t);
  const get = (k: string) => parts.find((p) => p.type === k)?.value ?? "";
  return `${dateInZone(t, zone)} ${get("hour")}:${get("minute")} ${get("timeZoneName")}`.trimEnd();
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** One en-US formatter per zone and use, made once (making one costs far more than using it). */
function formatterFor(cache: Map<string, Intl.DateTimeFormat>, zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = cache.get(zone);
  if (!f) cache.set(zone, (f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: zone })));
  return f;
}
