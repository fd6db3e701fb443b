/**
 * The C2SP age test vectors (the `cctv-age` package, which typage itself tests with), run through
 * chart's own age path: every vector with identities goes through makeCipher's decrypt (chart's
 * native X25519 identity, the package for hybrid identities; armor detected as for records);
 * passphrase vectors through the package's Decrypter, which chart relies on for scrypt (chart
 * itself only encrypts with a passphrase). The verdict must be the reference one: success with
 * the payload's SHA-256, or failure.
 */
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { makeCipher } from "../../src/store/age.js";

interface Vector {
  name: string;
  expect: string;
  payload?: string;
  identities: string[];
  passphrases: string[];
  armored: boolean;
  body: Uint8Array;
}

const all = (await import("cctv-age")) as unknown as Record<string, Uint8Array>;

function parse(name: string, file: Uint8Array): Vector {
  const buf = Buffer.from(file);
  const split = buf.indexOf("\n\n");
  const v: Vector = { name, expect: "", identities: [], passphrases: [], armored: false, body: new Uint8Array() };
  let compressed = false;
  for (const line of buf.subarray(0, split).toString("utf8").split("\n")) {
    const i = line.indexOf(": ");
    const [k, val] = [line.slice(0, i), line.slice(i + 2)];
    if (k === "expect") v.expect = val;
    else if (k === "payload") v.payload = val;
    else if (k === "identity") v.identities.push(val);
    else if (k === "passphrase") v.passphrases.push(val);
    else if (k === "armored") v.armored = val === "yes";
    else if (k === "compressed") compressed = val === "zlib";
  }
  const body = buf.subarray(split + 2);
  v.body = new Uint8Array(compressed ? inflateSync(body) : body);
  return v;
}

const vectors = Object.entries(all)
  .filter(([k, b]) => k !== "default" && b instanceof Uint8Array)
  .map(([k, b]) => parse(k, b));

async function verdict(v: Vector): Promise<{ ok: boolean; sha?: string; error?: string }> {
  try {
    let plain: Uint8Array;
    if (v.identities.length) {
      // chart opens a file with one identity; the vector names which ones may unwrap it
      let last: unknown;
      let got: Uint8Array | undefined;
      for (const id of v.identities) {
        try {
          got = await (await makeCipher(id, [])).decrypt(v.body);
          break;
        } catch (e) {
          last = e;
        }
      }
      if (!got) throw last;
      plain = got;
    } else {
      const age = await import("age-encryption");
      const d = new age.Decrypter();
      for (const p of v.passphrases) d.addPassphrase(p);
      const bytes = v.armored ? age.armor.decode(new TextDecoder().decode(v.body)) : v.body;
      plain = await d.decrypt(bytes, "uint8array");
    }
    return { ok: true, sha: createHash("sha256").update(plain).digest("hex") };
  } catch (e) {
    return { ok: false, error: String((e as Partial<Error> | null | undefined)?.message ?? e) };
  }
}

describe("C2SP age test vectors through chart's age path", () => {
  it("there are vectors of every kind", () => {
    expect(vectors.length).toBeGreaterThan(100);
    for (const p of ["x25519", "hybrid", "scrypt", "armor_", "hmac_", "stanza_", "stream_"]) expect(vectors.some((v) => v.name.startsWith(p)), p).toBe(true);
  });

  it("gives the reference verdict on every vector", async () => {
    const wrong: string[] = [];
    for (const v of vectors) {
      const r = await verdict(v);
      const good = v.expect === "success" ? r.ok && r.sha === v.payload : !r.ok;
      if (!good) wrong.push(`${v.name}: expected ${v.expect}, got ${r.ok ? `success${v.expect === "success" ? " with another payload" : ""}` : `failure (${r.error?.slice(0, 80)})`}`);
    }
    console.info(`age vectors: ${vectors.length} run, ${wrong.length} wrong`);
    expect(wrong).toEqual([]);
  }, 300_000);
});
