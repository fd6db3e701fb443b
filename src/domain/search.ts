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
 * [A-Za-z0-9] and folding is toLowerCase: word boundaries are found by character code and words
 * compared in place, with no token objects or per-word folding (matching a warm search's
 * thousands of candidates was most of its own time). Other text goes the general way.
 */
export function matchText(text: string, q: Query): { start: number; end: number }[] | undefined {
  if (!ASCII.test(text)) return matchTokens(tokens(text), q);
  const lower = text.toLowerCase();
  const starts: number[] = [];
  const ends: number[] = [];
  let from = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (word && from < 0) from = i;
    else if (!word && from >= 0) {
      starts.push(from);
      ends.push(i);
      from = -1;
    }
  }
  const hits: { start: number; end: number }[] = [];
  for (const t of q.terms) {
    const n = t.words.length;
    let found = false;
    for (let i = 0; i + n <= starts.length; i++) {
      let ok = true;
      for (let j = 0; j < n && ok; j++) {
        const w = t.words[j] as string;
        const at = starts[i + j] as number;
        const len = (ends[i + j] as number) - at;
        ok = (t.prefix && j === n - 1 ? len >= w.length : len === w.length) && lower.startsWith(w, at);
      }
      if (ok) {
        hits.push({ start: starts[i] as number, end: ends[i + n - 1] as number });
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

/** JavaScript's \s (ECMAScript WhiteSpace and LineTerminator), by code unit. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
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
  let out = "";
  let space = false; // the output ends with a collapsed space
  const marks: Snippet["marks"] = [];
  const map = new Array<number>(to - from + 1); // original offset - from -> snippet offset
  let piece = from; // start of the run of non-space text not yet copied
  for (let i = from; i < to; i++) {
    map[i - from] = out.length + (i - piece);
    if (isSpace(text.charCodeAt(i))) {
      out += text.slice(piece, i);
      if (!space) out += " ";
      space = true;
      piece = i + 1;
    } else space = false;
  }
  out += text.slice(piece, to);
  map[to - from] = out.length;
  for (const h of hits) if (h.start >= from && h.end <= to) marks.push({ start: map[h.start - from] as number, end: map[h.end - from] as number });
  const lead = from > 0 ? "…" : "";
  const tail = to < text.length ? "…" : "";
  const trimmedStart = out.length - out.trimStart().length;
  const body = out.trim();
  return {
    text: lead + body + tail,
    marks: marks.map((m) => ({ start: m.start - trimmedStart + lead.length, end: m.end - trimmedStart + lead.length })).filter((m) => m.start >= lead.length && m.end <= lead.length + body.length),
  };
}
