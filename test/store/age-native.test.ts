/**
 * The native age path (src/store/age-native.ts) against two implementations no one here wrote:
 * the age-encryption package and the stock `age` binary. Whatever the native reader accepts, the
 * package accepts with the same plaintext; whatever it leaves (undefined), the package decides.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { makeCipher } from "../../src/store/age.js";
import { nativeDecrypt, nativeEncrypt, x25519PublicKey, type NativeIdentity, type NativeRecipient } from "../../src/store/age-native.js";
import { AGE } from "../support/verify.js";
import { createPrivateKey, createPublicKey } from "node:crypto";

interface Key {
  file: string;
  secret: string;
  recipient: string;
  native: NativeIdentity;
  to: NativeRecipient;
}

let keys: Key[];
let dir: string;

async function keyOf(file: string): Promise<Key> {
  const secret = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1")) as string;
  const recipient = execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim();
  const { bech32 } = await import("@scure/base");
  const raw = (s: string, limit: number) => Buffer.from(bech32.fromWords(bech32.decode(s as `${string}1${string}`, limit).words));
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), raw(secret.toLowerCase(), 1000)]), format: "der", type: "pkcs8" });
  const pub = raw(recipient, 90);
  expect(Buffer.compare(createPublicKey(priv).export({ format: "der", type: "spki" }).subarray(12), pub)).toBe(0);
  return { file, secret, recipient, native: { priv, pub }, to: { raw: pub, key: x25519PublicKey(pub) } };
}

async function pkgDecrypt(secret: string, data: Uint8Array): Promise<Buffer> {
  const { Decrypter } = await import("age-encryption");
  const d = new Decrypter();
  d.addIdentity(secret);
  return Buffer.from(await d.decrypt(data));
}

async function pkgEncrypt(recipients: string[], plain: Uint8Array): Promise<Uint8Array> {
  const { Encrypter } = await import("age-encryption");
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return e.encrypt(plain);
}

beforeAll(async () => {
  dir = tempDir("chart-age-native-");
  keys = await Promise.all(
    [0, 1, 2].map((i) => {
      const file = join(dir, `id${i}`);
      execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
      return keyOf(file);
    }),
  );
});

const SIZES = [0, 1, 15, 16, 17, 1000, 65535, 65536, 65537, 131072, 131073, 200_000];

describe("native age", () => {
  it("what it writes opens with the stock age binary and the package, at every chunk boundary, for each recipient", async () => {
    for (const size of SIZES) {
      const plain = Buffer.alloc(size);
      for (let i = 0; i < size; i += 1) plain[i] = (i * 7 + size) & 0xff;
      const data = nativeEncrypt(plain, keys.map((k) => k.to));
      const file = join(dir, `n${size}.age`);
      writeFileSync(file, data);
      for (const k of keys) {
        const r = spawnSync(AGE, ["-d", "-i", k.file, file], { maxBuffer: 1 << 24 });
        expect(r.status, r.stderr.toString()).toBe(0);
        expect(Buffer.compare(r.stdout, plain)).toBe(0);
        expect(Buffer.compare(await pkgDecrypt(k.secret, data), plain)).toBe(0);
        expect(Buffer.compare(Buffer.from(nativeDecrypt(data, [k.native]) ?? []), plain)).toBe(0);
      }
    }
  });

  it("opens what the stock age binary and the package write, at every chunk boundary", async () => {
    for (const size of SIZES) {
      const plain = Buffer.alloc(size, size & 0xff);
      const file = join(dir, `s${size}`);
      writeFileSync(file, plain);
      const stock = execFileSync(AGE, ["-e", ...keys.flatMap((k) => ["-r", k.recipient]), file]);
      const pkg = await pkgEncrypt(keys.map((k) => k.recipient), plain);
      for (const data of [stock, pkg]) {
        for (const k of keys) expect(Buffer.compare(Buffer.from(nativeDecrypt(data, [k.native]) ?? [0]), plain)).toBe(0);
      }
    }
  });

  it("a file for another key or an armored file is left to the package", () => {
    const [a, b] = keys as [Key, Key];
    expect(nativeDecrypt(nativeEncrypt(Buffer.from("x"), [b.to]), [a.native])).toBeUndefined();
    const file = join(dir, "plain");
    writeFileSync(file, "hello");
    expect(nativeDecrypt(execFileSync(AGE, ["-a", "-e", "-r", a.recipient, file]), [a.native])).toBeUndefined();
  });

  it("never opens what the package refuses, and opens to the package's plaintext otherwise (mutated files)", async () => {
    const k = keys[0] as Key;
    const base = nativeEncrypt(Buffer.from("Session focused on sleep; plan to review in two weeks.\n".repeat(20)), keys.map((x) => x.to));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom("set", "insert", "delete", "truncate") }), { minLength: 1, maxLength: 3 }),
        async (edits) => {
          let data = Buffer.from(base);
          for (const e of edits) {
            const at = e.at % (data.length + 1);
            if (e.op === "set" && at < data.length) data[at] = e.byte;
            else if (e.op === "insert") data = Buffer.concat([data.subarray(0, at), Buffer.from([e.byte]), data.subarray(at)]);
            else if (e.op === "delete" && at < data.length) data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1)]);
            else if (e.op === "truncate") data = data.subarray(0, at);
          }
          const mine = nativeDecrypt(data, [k.native]);
          const theirs = await pkgDecrypt(k.secret, data).catch(() => undefined);
          if (mine !== undefined) expect(theirs && Buffer.compare(Buffer.from(mine), theirs)).toBe(0);
          if (Buffer.compare(data, Buffer.from(base)) === 0) expect(mine).toBeDefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the chart's cipher round-trips through the native path and the package path alike", async () => {
    const [a, b] = keys as [Key, Key];
    const cipher = await makeCipher(a.secret, [a.recipient, b.recipient]);
    const plain = "a note\n";
    const data = await cipher.encrypt(plain);
    expect(new TextDecoder().decode(await cipher.decrypt(data))).toBe(plain);
    expect((await pkgDecrypt(b.secret, data)).toString()).toBe(plain);
    // armored (stock `age -a`) goes through the package
    const file = join(dir, "arm");
    writeFileSync(file, plain);
    const armored = execFileSync(AGE, ["-a", "-e", "-r", a.recipient, file]);
    expect(new TextDecoder().decode(await cipher.decrypt(armored))).toBe(plain);
    // a file for another key still fails as before
    const other = await (await makeCipher(b.secret, [b.recipient])).encrypt(plain);
    await expect(cipher.decrypt(other)).rejects.toThrow(/no identity matched/);
  });
});

describe("x25519RecipientOf", () => {
  it("gives what age-keygen -y and the package give", async () => {
    const { x25519RecipientOf } = await import("../../src/store/age.js");
    const { identityToRecipient } = await import("age-encryption");
    for (const k of keys) {
      expect(await x25519RecipientOf(k.secret)).toBe(k.recipient);
      expect(await x25519RecipientOf(k.secret.toLowerCase())).toBe(k.recipient);
      expect(await identityToRecipient(k.secret)).toBe(k.recipient);
    }
    expect(await x25519RecipientOf("AGE-SECRET-KEY-1NOTAKEY")).toBeUndefined();
  });
});
