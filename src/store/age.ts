/**
 * age encryption. Files are written as binary age, readable by the stock `age -d -i IDENTITY`;
 * armored files (`age -a`) are read too. The files chart writes and reads every day (binary, X25519
 * stanzas only) go through src/store/age-native.ts: Node's native X25519, HKDF, HMAC and
 * ChaCha20-Poly1305, no web streams, about 0.44 ms a file to open against 1.3 ms through the
 * package with a native X25519 identity (measured side by side, 1.5 KB files, quiet machine).
 * Everything else (armor, passphrases, post-quantum recipients, any file the native reader does
 * not accept) is the age-encryption package's, which also decides how a bad file fails.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  scrypt,
} from "node:crypto";
import type { Decrypter, Encrypter, Identity, Recipient, Stanza } from "age-encryption";
import { keyError } from "../domain/errors.js";
import { agentFileKey, type AgentKey } from "./agent-client.js";
import { nativeDecrypt, nativeEncrypt, nativePayload, x25519PublicKey, x25519Raw, type NativeIdentity, type NativeRecipient } from "./age-native.js";

type AgeModule = typeof import("age-encryption");
let mod: AgeModule | undefined;
const age = async (): Promise<AgeModule> => (mod ??= await import("age-encryption"));

const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** The last identity's key pair: a command asks for its own recipient and then its cipher. */
let lastKeys: { secret: string; keys: Promise<NativeIdentity | undefined> } | undefined;

/** A plain X25519 identity's key pair for the native path; undefined for any other identity. */
function nativeKeys(secret: string): Promise<NativeIdentity | undefined> {
  if (lastKeys?.secret !== secret) lastKeys = { secret, keys: importKeys(secret) };
  return lastKeys.keys;
}

async function importKeys(secret: string): Promise<NativeIdentity | undefined> {
  // Only a plain X25519 identity takes this path; any other kind (a post-quantum hybrid
  // AGE-SECRET-KEY-PQ-1…) is the package's, which reads its own stanzas.
  if (!/^age-secret-key-1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/i.test(secret)) return undefined;
  try {
    const { bech32 } = await import("@scure/base");
    const { prefix, words } = bech32.decode(secret.toLowerCase() as `${string}1${string}`, 1000);
    const raw = Buffer.from(bech32.fromWords(words));
    if (prefix !== "age-secret-key-" || raw.length !== 32) return undefined;
    const priv = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: "der", type: "pkcs8" });
    return { priv, pub: x25519Raw(createPublicKey(priv)) };
  } catch {
    return undefined;
  }
}

/**
 * The recipient (age1…) of a plain X25519 identity, computed natively; undefined for any other
 * identity (the package's identityToRecipient then). Every command learns its own recipient this
 * way, and the package (with its JavaScript curves) stays unloaded.
 */
export async function x25519RecipientOf(secret: string): Promise<string | undefined> {
  const keys = await nativeKeys(secret);
  if (!keys) return undefined;
  const { bech32 } = await import("@scure/base");
  return bech32.encode("age", bech32.toWords(keys.pub), 90);
}

/**
 * The age X25519 identity on Node's native crypto, through the package's Identity interface (for
 * the files the native reader leaves to the package): for each X25519 stanza, X25519(i, share),
 * HKDF-SHA256 with salt share || our recipient, then open the file key with ChaCha20-Poly1305
 * (zero nonce). Returns null when no stanza is for this key, as the Identity interface asks.
 * Falls back to the string form (the package's own code) if the key cannot be imported.
 */
function nativeIdentity(secret: string, keys: NativeIdentity | undefined): Identity | string {
  if (!keys) return secret;
  const { priv, pub: ourPub } = keys;
  return {
    unwrapFileKey(stanzas) {
      for (const st of stanzas) {
        if (st.args[0] !== "X25519") continue;
        // age spec: an X25519 stanza has exactly one argument, the share in canonical unpadded
        // base64 of 32 bytes, and a 32-byte body; anything else is a malformed header.
        const arg = st.args[1] ?? "";
        const share = Buffer.from(arg, "base64");
        if (st.args.length !== 2 || share.length !== 32 || share.toString("base64").replace(/=+$/, "") !== arg || st.body.length !== 32) {
          throw new Error("invalid X25519 stanza");
        }
        let secretBytes: Buffer;
        try {
          secretBytes = diffieHellman({ privateKey: priv, publicKey: x25519PublicKey(share) });
        } catch {
          throw new Error("invalid X25519 share"); // a low-order point: the spec requires rejecting it
        }
        if (secretBytes.every((b) => b === 0)) throw new Error("invalid X25519 share");
        const key = Buffer.from(hkdfSync("sha256", secretBytes, Buffer.concat([share, ourPub]), X25519_LABEL, 32));
        const d = createDecipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
        d.setAuthTag(Buffer.from(st.body.subarray(16)));
        try {
          return new Uint8Array(Buffer.concat([d.update(Buffer.from(st.body.subarray(0, 16))), d.final()]));
        } catch {
          continue; // a stanza for another recipient
        }
      }
      return null;
    },
  };
}

export interface Cipher {
  encrypt(plain: Uint8Array | string): Promise<Uint8Array>;
  decrypt(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * What opens the chart's files: an age secret held in this process (a plain identity file, or a
 * protected one unlocked here), or the unlock agent that holds it (docs/agent.md).
 */
export type IdentityKey = string | AgentKey;

/** A decrypter for these secrets (the first tried first): X25519 natively, others by the package. */
export async function decrypterFor(secrets: readonly string[]): Promise<Decrypter> {
  const a = await age();
  const dec = new a.Decrypter();
  for (const s of secrets) dec.addIdentity(nativeIdentity(s, await nativeKeys(s)));
  return dec;
}

/**
 * The header of a binary age file: its bytes up to and including the MAC line ("--- MAC\n"),
 * which is what the agent needs to find the file key (the package's decryptHeader).
 */
export function ageHeader(data: Uint8Array): Uint8Array {
  const limit = Math.min(data.length, 1 << 20);
  for (let i = 0; i + 4 < limit; i += 1) {
    if (data[i] === 0x0a && data[i + 1] === 0x2d && data[i + 2] === 0x2d && data[i + 3] === 0x2d && data[i + 4] === 0x20) {
      const end = data.indexOf(0x0a, i + 5);
      if (end < 0) break;
      return data.subarray(0, end + 1);
    }
  }
  throw new Error("not an age file (no header MAC line)");
}

export async function makeCipher(key: IdentityKey, recipients: readonly string[]): Promise<Cipher> {
  const agent = typeof key === "string" ? undefined : key;
  const keys = typeof key === "string" ? await nativeKeys(key) : undefined;
  const ids = keys ? [keys] : [];
  // The package is loaded only for a file the native path leaves to it (src/store/age-native.ts).
  let dec: Promise<Decrypter> | undefined;
  const decrypter = async (): Promise<Decrypter> => {
    const d = new (await age()).Decrypter();
    if (typeof key === "string") d.addIdentity(nativeIdentity(key, keys));
    return d;
  };
  // Built once, fully, before any caller uses it (encrypt is called concurrently).
  let enc: Promise<(plain: Uint8Array) => Promise<Uint8Array>> | undefined;
  const encrypter = async (): Promise<(plain: Uint8Array) => Promise<Uint8Array>> => {
    if (recipients.length === 0) {
      throw keyError("E_NO_RECIPIENTS", "the chart has no recipients", "check .chart/recipients");
    }
    const native = await x25519Recipients(recipients);
    if (native) return (plain) => Promise.resolve(nativeEncrypt(plain, native));
    const a = await age();
    const e = new a.Encrypter();
    for (const r of recipients) e.addRecipient((await nativeX25519Recipient(r, a.Stanza)) ?? r);
    return (plain) => encryptWith(e, plain);
  };
  return {
    async encrypt(plain) {
      return (await (enc ??= encrypter()))(typeof plain === "string" ? new TextEncoder().encode(plain) : plain);
    },
    decrypt: async (data) => {
      const bytes = isArmored(data) ? (await age()).armor.decode(new TextDecoder().decode(data)) : data;
      if (!agent) return nativeDecrypt(bytes, ids) ?? readAll(await (await (dec ??= decrypter())).decrypt(streamOf(bytes)));
      // The agent finds the file key from the header; the payload is decrypted here.
      const header = ageHeader(bytes);
      const fileKey = await agentFileKey(agent, header);
      const plain = nativePayload(bytes, fileKey, header.length);
      if (plain) return plain;
      const one = new (await age()).Decrypter();
      one.addIdentity({ unwrapFileKey: () => fileKey });
      return readAll(await one.decrypt(streamOf(bytes)));
    },
  };
}

const X25519_LABEL = "age-encryption.org/v1/X25519";

/** A plain age1 X25519 recipient's key for the native path; undefined for any other kind. */
async function x25519Recipient(recipient: string): Promise<NativeRecipient | undefined> {
  if (!/^age1[02-9ac-hj-np-z]{58}$/.test(recipient)) return undefined;
  try {
    const { bech32 } = await import("@scure/base");
    const { prefix, words } = bech32.decode(recipient as `${string}1${string}`, 90);
    const raw = Buffer.from(bech32.fromWords(words));
    if (prefix !== "age" || raw.length !== 32) return undefined;
    return { raw, key: x25519PublicKey(raw) };
  } catch {
    return undefined;
  }
}

/** Every recipient as a native X25519 key, or undefined if any is of another kind. */
async function x25519Recipients(recipients: readonly string[]): Promise<NativeRecipient[] | undefined> {
  const out: NativeRecipient[] = [];
  for (const r of recipients) {
    const k = await x25519Recipient(r);
    if (!k) return undefined;
    out.push(k);
  }
  return out;
}

/**
 * The age X25519 recipient (age spec: an ephemeral share, wrap key = HKDF-SHA256(X25519(e, R),
 * salt share || R, label), file key sealed with ChaCha20-Poly1305 under a zero nonce) on Node's
 * native crypto, through the package's Recipient interface (files for a mix of recipient kinds).
 * Undefined for anything that is not a plain age1 X25519 recipient, which the package then
 * handles itself.
 */
export async function nativeX25519Recipient(recipient: string, StanzaClass: typeof Stanza): Promise<Recipient | undefined> {
  const r = await x25519Recipient(recipient);
  if (!r) return undefined;
  return {
    wrapFileKey(fileKey: Uint8Array) {
      const { privateKey, publicKey } = generateKeyPairSync("x25519");
      const share = x25519Raw(publicKey);
      const secret = diffieHellman({ privateKey, publicKey: r.key });
      if (secret.every((b) => b === 0)) throw new Error("x25519: low-order recipient");
      const wrapKey = Buffer.from(hkdfSync("sha256", secret, Buffer.concat([share, r.raw]), X25519_LABEL, 32));
      const c = createCipheriv("chacha20-poly1305", wrapKey, Buffer.alloc(12), { authTagLength: 16 });
      const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
      return [new StanzaClass(["X25519", share.toString("base64").replace(/=+$/, "")], new Uint8Array(body))];
    },
  };
}

/*
 * Given bytes, the package collects its output through `new Response(...)`, which loads Node's
 * whole fetch implementation (undici: 10 to 30 ms of start-up for every command). Given a
 * stream, it returns a stream, which is read here.
 */
const streamOf = (data: Uint8Array | string): ReadableStream<Uint8Array> => {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return new ReadableStream<Uint8Array>({
    start: (c) => {
      c.enqueue(bytes);
      c.close();
    },
  });
};

async function encryptWith(e: Encrypter, plain: Uint8Array | string): Promise<Uint8Array> {
  return readAll(await e.encrypt(streamOf(plain)));
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";

/** An ASCII-armored age file (`age -a`), possibly after leading whitespace. */
function isArmored(data: Uint8Array): boolean {
  let i = 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)) i += 1;
  return new TextDecoder().decode(data.subarray(i, i + ARMOR_BEGIN.length)) === ARMOR_BEGIN;
}

/** Encrypt for other recipients or a passphrase (share bundles). */
export async function encryptFor(
  plain: Uint8Array | string,
  to: { recipients?: readonly string[]; passphrase?: string },
): Promise<Uint8Array> {
  if (to.passphrase === undefined && to.recipients?.length) {
    const native = await x25519Recipients(to.recipients);
    if (native) return nativeEncrypt(typeof plain === "string" ? new TextEncoder().encode(plain) : plain, native);
  }
  const a = await age();
  const e = new a.Encrypter();
  // The package's scrypt is JavaScript (seconds at age's work factor); Node's is native.
  if (to.passphrase !== undefined) e.addRecipient(scryptRecipient(to.passphrase, a.Stanza));
  else for (const r of to.recipients ?? []) e.addRecipient((await nativeX25519Recipient(r, a.Stanza)) ?? r);
  return encryptWith(e, plain);
}

/** age's scrypt work factor (log2 N), as the stock tool uses by default. */
export const SCRYPT_LOG_N = 18;
const SCRYPT_LABEL = "age-encryption.org/v1/scrypt";

/**
 * The age scrypt recipient (age spec: "scrypt" stanza, salt 16 bytes, wrap key =
 * scrypt(passphrase, label || salt, N, r=8, p=1), file key sealed with ChaCha20-Poly1305 under a
 * zero nonce), on Node's native scrypt. Files made with it open with `age -d` and a passphrase.
 */
export function scryptRecipient(passphrase: string, StanzaClass: typeof Stanza, logN = SCRYPT_LOG_N): Recipient {
  return {
    async wrapFileKey(fileKey: Uint8Array) {
      const salt = randomBytes(16);
      const key = await new Promise<Buffer>((res, rej) =>
        scrypt(Buffer.from(passphrase, "utf8"), Buffer.concat([Buffer.from(SCRYPT_LABEL, "utf8"), salt]), 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 2 ** (logN + 11) }, (err, k) => (err ? rej(err) : res(k))),
      );
      const c = createCipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
      const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
      return [new StanzaClass(["scrypt", salt.toString("base64").replace(/=+$/, ""), String(logN)], new Uint8Array(body))];
    },
  };
}

/** The largest scrypt work factor accepted when decrypting (age's own limit). */
const SCRYPT_MAX_LOG_N = 22;

/**
 * The age scrypt identity (age spec: the scrypt stanza must be the file's only stanza; salt 16
 * bytes; a work factor above the limit is refused), on Node's native scrypt. Null when the file
 * is not passphrase-encrypted; throws when the passphrase is wrong.
 */
export function scryptIdentity(passphrase: string): Identity {
  return {
    async unwrapFileKey(stanzas) {
      const st = stanzas.find((s) => s.args[0] === "scrypt");
      if (!st) return null;
      if (stanzas.length !== 1) throw new Error("an scrypt stanza must be alone");
      const salt = Buffer.from(st.args[1] ?? "", "base64");
      const logN = Number(st.args[2]);
      if (st.args.length !== 3 || salt.length !== 16 || !/^[1-9][0-9]?$/.test(st.args[2] ?? "") || logN > SCRYPT_MAX_LOG_N || st.body.length !== 32) {
        throw new Error("invalid scrypt stanza");
      }
      const key = await new Promise<Buffer>((res, rej) =>
        scrypt(Buffer.from(passphrase, "utf8"), Buffer.concat([Buffer.from(SCRYPT_LABEL, "utf8"), salt]), 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 2 ** (logN + 11) }, (err, k) => (err ? rej(err) : res(k))),
      );
      const d = createDecipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
      d.setAuthTag(Buffer.from(st.body.subarray(16)));
      try {
        return new Uint8Array(Buffer.concat([d.update(Buffer.from(st.body.subarray(0, 16))), d.final()]));
      } catch {
        throw keyError("E_PASSPHRASE_WRONG", "wrong passphrase", "try again (the passphrase you chose with --passphrase or chart key protect)");
      }
    },
  };
}

/** Open a passphrase-encrypted age file (binary or armored) with native scrypt. */
export async function decryptWithPassphrase(data: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const a = await age();
  const bytes = isArmored(data) ? a.armor.decode(new TextDecoder().decode(data)) : data;
  const dec = new a.Decrypter();
  dec.addIdentity(scryptIdentity(passphrase));
  return readAll(await dec.decrypt(streamOf(bytes)));
}

/** Encrypt with a passphrase (age scrypt, the stock work factor), ASCII-armored as `age -p -a` writes. */
export async function encryptArmoredWithPassphrase(plain: string, passphrase: string): Promise<string> {
  const a = await age();
  return a.armor.encode(await encryptFor(plain, { passphrase }));
}

/** Encrypt to recipients, ASCII-armored as `age -a -r` writes. */
export async function encryptArmoredTo(plain: string, recipients: readonly string[]): Promise<string> {
  const a = await age();
  return a.armor.encode(await encryptFor(plain, { recipients }));
}

/** An ASCII-armored or binary age file's text, opened with this key. */
export async function decryptWith(key: IdentityKey, data: Uint8Array): Promise<Uint8Array> {
  return (await makeCipher(key, [])).decrypt(data);
}

/** A post-quantum hybrid recipient (age1pq1…, ML-KEM-768 + X25519; stock age 1.3 and later). */
export const isHybridRecipient = (s: string): boolean => /^age1pq1[02-9ac-hj-np-z]{100,}$/.test(s);

export async function checkRecipient(s: string): Promise<string> {
  const a = await age();
  try {
    new a.Encrypter().addRecipient(s);
    if (!s.startsWith("age1")) throw new Error("not age1");
    return s;
  } catch {
    throw keyError("E_BAD_RECIPIENT", `"${s.slice(0, 80)}" is not an age recipient`, "recipients look like age1... or age1pq1... (see `age-keygen -y`)");
  }
}
