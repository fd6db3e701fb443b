/** Where an output goes, compared with the chart: symlinks resolved even for paths not made yet. */
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

/** The real path of `p`, resolving the part that exists (the rest is not made yet). */
export async function realish(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = resolve(p);
  for (;;) {
    try {
      return join(await realpath(cur), ...rest.reverse());
    } catch {
      const up = dirname(cur);
      if (up === cur) return join(cur, ...rest.reverse());
      rest.push(basename(cur));
      cur = up;
    }
  }
}

/** Whether `child` is `parent` or inside it. */
export const inside = (child: string, parent: string): boolean => {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
};
