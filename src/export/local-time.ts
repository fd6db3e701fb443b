/**
 * Instants as a reader expects them: in the practice's time zone (chart practice set
 * --time-zone), e.g. "2024-03-05 3:15 PM CST", never a bare UTC "…Z". Without a time zone the
 * instant is shown in UTC and says so.
 */
export function localTime(instant: string, timeZone: string | undefined): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  const tz = timeZone ?? "UTC";
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "numeric",
    minute: "2-digit",
    hour12: true,
    timeZoneName: "short",
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")} ${get("dayPeriod")} ${get("timeZoneName")}`;
}

/** The calendar date of an instant in the time zone (YYYY-MM-DD). */
export function localDate(instant: string, timeZone: string | undefined): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant.slice(0, 10);
  return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone ?? "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}
