/**
 * Tables that fit the terminal: when the columns are wider than the screen, the widest columns
 * give way first (never below a floor), and cells longer than their column end in "…". The
 * full text is always there with `--wide`, or `--json` for scripts. Pure.
 */
export const MIN_COLUMN = 8;
const GAP = 2;

/** Column widths that fit `max` characters (or the floors, if even those do not fit). */
export function fitWidths(widths: readonly number[], max: number): number[] {
  const out = [...widths];
  const total = () => out.reduce((a, b) => a + b, 0) + GAP * Math.max(0, out.length - 1);
  while (total() > max) {
    let widest = -1;
    for (let i = 0; i < out.length; i++) if ((out[i] as number) > MIN_COLUMN && (widest < 0 || (out[i] as number) > (out[widest] as number))) widest = i;
    if (widest < 0) break;
    out[widest] = Math.max(MIN_COLUMN, (out[widest] as number) - Math.max(1, total() - max));
  }
  return out;
}

/** A cell cut to `width` visible characters, "…" marking the cut. */
export function truncateCell(text: string, width: number): string {
  const chars = Array.from(text); // by code point, as the widths are counted
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}
