/**
 * How many cases a property test runs: a tenth by default (at least 20), so `npm test` stays
 * quick; `SLOW=1` runs the full count (CI for releases, and before changing redaction or
 * selection rules).
 */
export const runs = (full: number): number => (process.env.SLOW === "1" ? full : Math.min(full, Math.max(20, Math.round(full / 10))));
