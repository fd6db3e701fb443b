/**
 * Record ids: a type prefix and 16 random bytes in lowercase RFC 4648 base32 (26 chars).
 * Never derived from names, never time-ordered. The random bytes are passed in.
 */

export const ID_PREFIX = {
  client: "cl",
  note: "nt",
  med: "md",
  dx: "dx",
  consent: "cs",
  disclosure: "ds",
  void: "vd",
  access: "ac",
  amendment: "am",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET.charAt((value << (5 - bits)) & 31);
  return out;
}

export function makeId(kind: IdKind, random16: Uint8Array): string {
  if (random16.length !== 16) throw new Error("an id needs 16 random bytes");
  return `${ID_PREFIX[kind]}_${base32(random16)}`;
}

const ID_RE = /^(cl|nt|md|dx|cs|ds|vd|ac|am)_[a-z2-7]{26}$/;

export const isId = (s: string): boolean => ID_RE.test(s);

export function isIdOf(kind: IdKind, s: string): boolean {
  return isId(s) && s.startsWith(`${ID_PREFIX[kind]}_`);
}

/** Short display form: prefix plus the first 8 characters. */
export const shortId = (id: string): string => id.slice(0, 11);

/**
 * Does `query` name `id` by prefix? Accepts the full prefixed form ("nt_ab3")
 * or the bare random part ("ab3"). Needs at least 3 characters of the random part.
 */
export function idMatches(id: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q.length === 0) return false;
  if (q.includes("_")) return q.length >= 4 && id.startsWith(q);
  return q.length >= 3 && id.slice(id.indexOf("_") + 1).startsWith(q);
}
