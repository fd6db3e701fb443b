/**
 * "Did you mean": how close two words are (optimal string alignment distance: insertions,
 * deletions, substitutions and adjacent transpositions), and which candidates are close enough
 * to suggest. Close means a typo, not a different word: at most one edit for short words, two
 * for words of eight letters or more (`clinet` -> `client`, never `export` -> `import`).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

export const typoBudget = (word: string): number => (word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0);

/** Candidates within the typo budget of `word`, closest first (ties keep their order). */
export function closeMatches(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  const budget = typoBudget(w);
  return candidates
    .map((c, i) => ({ c, i, d: editDistance(w, c.toLowerCase()) }))
    .filter((x) => x.d > 0 && x.d <= budget)
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .map((x) => x.c);
}

/** Lower case, accents removed: how names are compared (`José` matches `jose`). */
export const foldName = (s: string): string => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
