import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32, idMatches, isId, isIdOf, makeId, shortId, ID_PREFIX, type IdKind } from "../../src/domain/ids.js";

/** RFC 4648 base32 (lowercase, no padding) by way of BigInt, as an independent reference. */
function refBase32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  if (bytes.length === 0) return "";
  const bits = bytes.length * 8;
  const chars = Math.ceil(bits / 5);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  n <<= BigInt(chars * 5 - bits);
  let out = "";
  for (let i = chars - 1; i >= 0; i--) out += alphabet.charAt(Number((n >> BigInt(i * 5)) & 31n));
  return out;
}

const kinds = Object.keys(ID_PREFIX) as IdKind[];
const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe("ids", () => {
  it("base32 matches RFC 4648 test vectors", () => {
    const enc = (s: string) => base32(new TextEncoder().encode(s));
    expect(enc("")).toBe("");
    expect(enc("f")).toBe("my");
    expect(enc("fo")).toBe("mzxq");
    expect(enc("foo")).toBe("mzxw6");
    expect(enc("foob")).toBe("mzxw6yq");
    expect(enc("fooba")).toBe("mzxw6ytb");
    expect(enc("foobar")).toBe("mzxw6ytboi");
  });

  it("base32 agrees with a BigInt reference for any bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => base32(b) === refBase32(b)));
  });

  it("makeId gives a prefixed 26-character id that isId/isIdOf accept", () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), bytes16, (kind, b) => {
        const id = makeId(kind, b);
        expect(id).toMatch(new RegExp(`^${ID_PREFIX[kind]}_[a-z2-7]{26}$`));
        expect(isId(id)).toBe(true);
        expect(isIdOf(kind, id)).toBe(true);
        for (const other of kinds) if (other !== kind) expect(isIdOf(other, id)).toBe(false);
      }),
    );
  });

  it("makeId is injective on the random bytes", () => {
    fc.assert(
      fc.property(bytes16, bytes16, (a, b) => {
        fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
        return makeId("note", a) !== makeId("note", b);
      }),
    );
  });

  it("makeId refuses anything but 16 bytes", () => {
    expect(() => makeId("client", new Uint8Array(15))).toThrow();
    expect(() => makeId("client", new Uint8Array(17))).toThrow();
  });

  it("isId refuses malformed ids", () => {
    for (const s of ["", "cl_", "xx_aaaaaaaaaaaaaaaaaaaaaaaaaa", "cl_aaaaaaaaaaaaaaaaaaaaaaaaa", "cl_AAAAAAAAAAAAAAAAAAAAAAAAAA", "cl_aaaaaaaaaaaaaaaaaaaaaaaaa1", "cl_aaaaaaaaaaaaaaaaaaaaaaaaaa/"]) {
      expect(isId(s)).toBe(false);
    }
  });

  it("shortId is the prefix and 8 characters", () => {
    expect(shortId("nt_abcdefghijklmnopqrstuvwxyz")).toBe("nt_abcdefgh");
  });

  it("every prefix of at least 3 random characters matches, bare or prefixed, in any case", () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), bytes16, fc.integer({ min: 3, max: 26 }), (kind, b, n) => {
        const id = makeId(kind, b);
        const bare = id.slice(3, 3 + n);
        expect(idMatches(id, bare)).toBe(true);
        expect(idMatches(id, bare.toUpperCase())).toBe(true);
        expect(idMatches(id, ` ${id.slice(0, 3 + n)} `)).toBe(true);
      }),
    );
  });

  it("short or foreign queries never match", () => {
    fc.assert(
      fc.property(bytes16, fc.string({ maxLength: 30 }), (b, q) => {
        const id = makeId("note", b);
        const t = q.trim().toLowerCase();
        const expected = t.includes("_") ? t.length >= 4 && id.startsWith(t) : t.length >= 3 && id.slice(3).startsWith(t);
        return idMatches(id, q) === expected;
      }),
    );
    const id = makeId("note", new Uint8Array(16));
    expect(idMatches(id, "")).toBe(false);
    expect(idMatches(id, "aa")).toBe(false); // too short
    expect(idMatches(id, "nt_")).toBe(false);
    expect(idMatches(id, "cl_aaa")).toBe(false); // another kind's prefix
  });
});
