/**
 * The PDF worker's bundle replaces tiny-inflate with Node's zlib (scripts/native-inflate.cjs,
 * rolldown.config.mjs). Same function: for the tries fontkit ships and for any raw DEFLATE data,
 * whether the caller's buffer is exact, too long or too short, both give the same bytes.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
type Inflate = (source: Uint8Array, dest: Uint8Array) => Uint8Array;
const ROOT = join(import.meta.dirname, "..", "..");
const native = require(join(ROOT, "scripts", "native-inflate.cjs")) as Inflate;
const tiny = require("tiny-inflate") as Inflate;

describe("native inflate", () => {
  it("opens fontkit's Unicode tries (inflated twice, as unicode-trie does) exactly as tiny-inflate does", () => {
    const shapers = join(ROOT, "node_modules", "fontkit", "src", "opentype", "shapers");
    for (const name of ["data.trie", "indic.trie", "use.trie"]) {
      const file = readFileSync(join(shapers, name));
      const size = file.readUInt32LE(8);
      const open = (f: Inflate) => f(f(file.subarray(12), new Uint8Array(size)), new Uint8Array(size));
      const a = open(native);
      expect(a.length).toBe(size);
      expect(Buffer.from(a).equals(Buffer.from(open(tiny)))).toBe(true);
    }
  });

  it("gives tiny-inflate's bytes for any data, level and buffer size", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: -50, max: 50 }), fc.boolean(), (data, level, slack, repeat) => {
        const plain = repeat ? Buffer.concat([Buffer.from(data), Buffer.from(data), Buffer.from(data)]) : Buffer.from(data);
        const packed = deflateRawSync(plain, { level });
        const size = Math.max(0, plain.length + slack);
        const a = native(packed, new Uint8Array(size));
        const b = tiny(packed, new Uint8Array(size));
        expect(a.length).toBe(b.length);
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("the PDF worker's bundle holds no tiny-inflate", () => {
    const bundle = readFileSync(join(ROOT, "dist", "bundle", "pdf-worker.cjs"), "utf8");
    // tiny-inflate's own error message, which survives minifying; zlib's call in its place
    expect(bundle).not.toMatch(/Data error/);
    expect(bundle).toMatch(/inflateRawSync/);
  });
});
