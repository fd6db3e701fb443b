/**
 * Full-text search (pure): a query of words (all must match), "quoted phrases" (consecutive
 * words) and trailing-* prefixes, matched case- and accent-insensitively word by word. Words
 * are runs of letters and digits; "Zoë" matches zoe, ZOE and zoë.
 */

export interface Query {
  /** Each term is a list of words that must follow one another; a single word is a list of one. */
  terms: { words: string[]; prefix: boolean }[];
}

/** Lower case, accents removed (NFKD, combining marks dropped). ASCII is only lower-cased (NFKD leaves it as it is). */
export function fold(s: string): string {
  // eslint-disable-next-line no-control-regex -- the whole ASCII range
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

const WORD = /[\p{L}\p{N}]+/gu;

export interface Token {
  word: string; // folded
  start: number; // offset in the original text
  end: number;
}

export function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) out.push({ word: fold(m[0]), start: m.index, end: m.index + m[0].length });
  return out;
}

/** Parse a query; undefined when it holds no word at all. */
export function parseQuery(q: string): Query | undefined {
  const terms: Query["terms"] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  for (const m of q.matchAll(re)) {
    const raw = m[1] ?? m[2] ?? "";
    const prefix = m[1] === undefined && raw.endsWith("*");
    const words = [...fold(raw).matchAll(WORD)].map((w) => w[0]);
    if (words.length) terms.push({ words, prefix });
  }
  return terms.length ? { terms } : undefined;
}

/** Where each term first matches in the tokens, or undefined when one does not match. */
export function matchTokens(toks: readonly Token[], q: Query): { start: number; end: number }[] | undefined {
  const hits: { start: number; end: number }[] = [];
  for (const t of q.terms) {
    const found = findTerm(toks, t);
    if (found.length === 0) return undefined;
    hits.push(...found);
  }
  return hits.sort((a, b) => a.start - b.start);
}

function findTerm(toks: readonly Token[], t: Query["terms"][number]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const n = t.words.length;
  for (let i = 0; i + n <= toks.length; i++) {
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      const tok = (toks[i + j] as Token).word;
      const w = t.words[j] as string;
      ok = t.prefix && j === n - 1 ? tok.startsWith(w) : tok === w;
    }
    if (ok) out.push({ start: (toks[i] as Token).start, end: (toks[i + n - 1] as Token).end });
  }
  return out;
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range
const ASCII = /^[\x00-\x7f]*$/;

/**
 * matchTokens(tokens(text), q), quicker for ASCII text (most notes), where a word is a run of
 * [A-Za-z0-9] and folding is toLowerCase: each term's first word is found with indexOf and only
 * the words from there on are looked at, with no token objects or per-word folding (matching a
 * warm search's thousands of candidates was most of its own time, in a process too short for
 * loops over every character to get fast). Other text goes the general way.
 */
export function matchText(text: string, q: Query): { start: number; end: number }[] | undefined {
  if (!ASCII.test(text)) return matchTokens(tokens(text), q);
  const lower = text.toLowerCase();
  const len = lower.length;
  const isWord = (i: number): boolean => {
    const c = lower.charCodeAt(i); // NaN outside the text: not a word character
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  };
  const wordEnd = (i: number): number => {
    while (i < len && isWord(i)) i++;
    return i;
  };
  const hits: { start: number; end: number }[] = [];
  for (const t of q.terms) {
    const n = t.words.length;
    let found = false;
    const w0 = t.words[0] as string;
    for (let at = lower.indexOf(w0); at >= 0; at = lower.indexOf(w0, at + 1)) {
      if (isWord(at - 1)) continue; // not where a word begins
      // The word beginning here starts with w0 (w0 holds word characters only, or it is not
      // found in ASCII text at all); it is w0 when it is as long.
      let end = wordEnd(at);
      if (!(t.prefix && n === 1) && end - at !== w0.length) continue;
      let ok = true;
      for (let j = 1; j < n && ok; j++) {
        let s = end;
        while (s < len && !isWord(s)) s++;
        const e = wordEnd(s);
        const w = t.words[j] as string;
        ok = e > s && (t.prefix && j === n - 1 ? e - s >= w.length : e - s === w.length) && lower.startsWith(w, s);
        end = e;
      }
      if (ok) {
        hits.push({ start: at, end });
        found = true;
      }
    }
    if (!found) return undefined;
  }
  // Sorted by start (a stable sort: a list already in order is returned as it is).
  for (let i = 1; i < hits.length; i++) if ((hits[i - 1] as { start: number }).start > (hits[i] as { start: number }).start) return hits.sort((a, b) => a.start - b.start);
  return hits;
}

export interface Snippet {
  text: string;
  /** Matched ranges within `text`. */
  marks: { start: number; end: number }[];
}

/** Runs of whitespace (JavaScript's \s: ECMAScript WhiteSpace and LineTerminator) become one space. */
const collapse = (s: string): string => s.replace(/\s+/g, " ");

/**
 * Where offset `x` of a window lands once its whitespace is collapsed: the length of
 * collapse(window.slice(0, x)), from the window's runs of whitespace (start, end pairs in order).
 */
function collapsedAt(runs: readonly number[], x: number): number {
  let cut = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const s = runs[i] as number;
    if (s >= x) break;
    cut += Math.min(runs[i + 1] as number, x) - s - 1;
  }
  return x - cut;
}

/** About `width` characters of `text` around its first match, whitespace collapsed. */
export function snippet(text: string, hits: readonly { start: number; end: number }[], width = 90): Snippet {
  const first = hits[0] ?? { start: 0, end: 0 };
  let from = Math.max(0, first.start - Math.floor(width / 3));
  let to = Math.min(text.length, from + width);
  if (to - from < width) from = Math.max(0, to - width);
  // Whole words at the edges.
  while (from > 0 && /[\p{L}\p{N}]/u.test(text[from - 1] as string)) from--;
  while (to < text.length && /[\p{L}\p{N}]/u.test(text[to] as string)) to++;
  // By regular expression, not a loop over every character: a search makes thousands of
  // snippets in a short-lived process, where such loops run slowly (test/domain/search.test.ts
  // compares it with the character loop it replaced). An offset in the text maps to the length
  // of the collapsed text before it, counted from the window's runs of whitespace (one pass,
  // instead of collapsing the text before each mark again).
  const win = text.slice(from, to);
  const out = collapse(win);
  const marks: Snippet["marks"] = [];
  // Runs of whitespace in the window, [start, end), found once; none matter when collapsing
  // left the length as it was (every run was one character).
  let runs: number[] | undefined;
  for (const h of hits) {
    if (h.start < from || h.end > to) continue;
    if (!runs) {
      runs = [];
      if (out.length !== win.length) for (const m of win.matchAll(/\s+/g)) runs.push(m.index, m.index + m[0].length);
    }
    marks.push({ start: collapsedAt(runs, h.start - from), end: collapsedAt(runs, h.end - from) });
  }
  const lead = from > 0 ? "…" : "";
  const tail = to < text.length ? "…" : "";
  const trimmedStart = out.length - out.trimStart().length;
  const body = out.trim();
  return {
    text: lead + body + tail,
    marks: marks.map((m) => ({ start: m.start - trimmedStart + lead.length, end: m.end - trimmedStart + lead.length })).filter((m) => m.start >= lead.length && m.end <= lead.length + body.length),
  };
}
