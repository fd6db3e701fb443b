/** A length of time as typed on the command line: a whole number and a unit (30s, 15m, 8h, 2d). */
import { usageError } from "./errors.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseSpan(value: string, what: string, limits: { minMs: number; maxMs: number }): number {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : NaN;
  if (!m || ms < limits.minMs || ms > limits.maxMs) {
    throw usageError("E_BAD_SPAN", `${what} "${value.slice(0, 20)}" is not a length of time between ${formatSpan(limits.minMs)} and ${formatSpan(limits.maxMs)}`, "write a number and a unit: 30s, 15m, 8h, 2d");
  }
  return ms;
}

/** The largest whole unit that fits: 90 s is "1m 30s", shown to the second. */
export function formatSpan(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, n] of [["d", 86_400], ["h", 3_600], ["m", 60]] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${unit}`);
      s %= n;
    }
  }
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.slice(0, 2).join(" ");
}
