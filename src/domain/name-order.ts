/**
 * The order names are listed in (clients, medications, templates): case and accents folded as
 * names are matched (`foldName`), so `émile` sorts with `Emile` and before `Frank`; names equal
 * when folded keep a fixed order by their code units.
 *
 * Not `localeCompare`: its first call sets up ICU's collator, 10–30 ms of a command that lists
 * 300 clients in well under that (docs/decisions.md, "Start-up").
 */
import { foldName } from "./similar.js";

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const key = (s: string): string => (PRINTABLE_ASCII.test(s) ? s.toLowerCase().trim() : foldName(s));

export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a < b ? -1 : 1;
}
