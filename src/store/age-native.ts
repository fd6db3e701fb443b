/**
 * The age v1 format for the chart's own files, on Node's native crypto, with no web streams:
 * the common case only (binary age, every stanza X25519), which is every record chart writes.
 * Anything else, and any file this code does not accept, is left to the age-encryption package
 * (src/store/age.ts falls back to it), so what is read and how a bad file fails do not change.
 *
 * The format, as the age specification (age-encryption.org/v1) gives it and docs/encryption.md
 * quotes:
 * - header: "age-encryption.org/v1\n", then stanzas ("-> " args, then the body in canonical
 *   unpadded base64 lines of 64 columns, the last one shorter, possibly empty), then
 *   "--- " + the MAC in unpadded base64 + "\n". The MAC is HMAC-SHA256 over the header up to and
 *   including "---", keyed with HKDF-SHA256(ikm = file key, salt = empty, info = "header").
 * - X25519 stanza: "-> X25519 " + the ephemeral share (32 bytes); the body is the 16-byte file key
 *   sealed with ChaCha20-Poly1305 under HKDF-SHA256(ikm = X25519(e, R), salt = share || R,
 *   info = "age-encryption.org/v1/X25519") and a zero nonce. An all-zero shared secret is refused.
 * - payload: a 16-byte nonce, then STREAM: 64 KiB chunks sealed with ChaCha20-Poly1305 under
 *   HKDF-SHA256(ikm = file key, salt = nonce, info = "payload"), nonce = 11-byte big-endian chunk
 *   counter || 0x01 for the last chunk, else 0x00. The last chunk is empty only if it is the first.
 */
import { createCipheriv, createDecipheriv, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";

const VERSION = "age-encryption.org/v1\n";
const X25519_LABEL = "age-encryption.org/v1/X25519";
const CHUNK = 64 * 1024;
const TAG = 16;
const B64 = /^[A-Za-z0-9+/]*$/;

/** An X25519 identity ready for the native path: the private key and its public key's 32 bytes. */
export interface NativeIdentity {
  priv: KeyObject;
  pub: Buffer;
}

/** An X25519 recipient ready for the native path: its 32 bytes and the key object. */
export interface NativeRecipient {
  raw: Buffer;
  key: KeyObject;
}

/**
 * A raw 32-byte X25519 public key as a key object, through JWK (RFC 8037: `x` is the key's
 * bytes, base64url): the same key as its SPKI DER form, at a quarter of the cost (OpenSSL's DER
 * decoders dominated opening a record: ~0.26 ms against ~0.04 ms here).
 */
export const x25519PublicKey = (raw: Uint8Array): KeyObject => createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64url") }, format: "jwk" });
/** A public key object's raw 32 bytes, through JWK too (OpenSSL's DER encoder is the slow path). */
export const x25519Raw = (key: KeyObject): Buffer => Buffer.from(key.export({ format: "jwk" }).x ?? "", "base64url");

/** Canonical unpadded base64 of exactly `len` bytes, or undefined. */
function b64(s: string, len: number): Buffer | undefined {
  if (s.length !== Math.ceil((len * 4) / 3) || !B64.test(s)) return undefined;
  const b = Buffer.from(s, "base64");
  return b.length === len && b.toString("base64").replace(/=+$/, "") === s ? b : undefined;
}

const unb64 = (b: Uint8Array): string => Buffer.from(b).toString("base64").replace(/=+$/, "");

interface Parsed {
  shares: { share: Buffer; body: Buffer }[];
  /** The header up to and including "---": what the MAC covers. */
  macked: Buffer;
  mac: Buffer;
  /** Where the payload (its nonce) starts. */
  payload: number;
}

/**
 * A header in the strict, canonical form chart writes, with X25519 stanzas only; undefined for
 * anything else (the package then decides).
 */
function parseHeader(data: Uint8Array): Parsed | undefined {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < VERSION.length || buf.toString("latin1", 0, VERSION.length) !== VERSION) return undefined;
  let at = VERSION.length;
  const line = (): string | undefined => {
    const end = buf.indexOf(0x0a, at);
    if (end < 0 || end - at > 200) return undefined;
    const s = buf.toString("latin1", at, end);
    at = end + 1;
    return s;
  };
  const shares: Parsed["shares"] = [];
  for (;;) {
    const start = at;
    const l = line();
    if (l === undefined) return undefined;
    if (l.startsWith("--- ")) {
      const mac = b64(l.slice(4), 32);
      if (!mac || shares.length === 0) return undefined;
      return { shares, macked: buf.subarray(0, start + 3), mac, payload: at };
    }
    const args = l.split(" ");
    if (args.length !== 3 || args[0] !== "->" || args[1] !== "X25519") return undefined;
    const share = b64(args[2] ?? "", 32);
    // The body of an X25519 stanza is 32 bytes: one line of 43 characters.
    const body = b64(line() ?? "", 32);
    if (!share || !body) return undefined;
    shares.push({ share, body });
  }
}

/**
 * HKDF-SHA-256 for 32 bytes (RFC 5869): PRK = HMAC(salt, IKM), OKM = HMAC(PRK, info || 0x01),
 * an empty salt being 32 zero bytes. Two HMACs: Node's hkdfSync costs several times more per
 * call (it builds key objects), and a record takes three.
 */
const ZERO_SALT = Buffer.alloc(32);
const ONE = Buffer.from([1]);
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string): Buffer => {
  const prk = createHmac("sha256", salt.length === 0 ? ZERO_SALT : salt).update(ikm).digest();
  return createHmac("sha256", prk).update(info, "latin1").update(ONE).digest();
};

function open(key: Uint8Array, nonce: Buffer, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG) return undefined;
  const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    return undefined;
  }
}

function seal(key: Uint8Array, nonce: Buffer, plain: Uint8Array): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function unwrap(shares: Parsed["shares"], ids: readonly NativeIdentity[]): Buffer | undefined {
  const zero = Buffer.alloc(12);
  for (const id of ids) {
    for (const { share, body } of shares) {
      let secret: Buffer;
      try {
        secret = diffieHellman({ privateKey: id.priv, publicKey: x25519PublicKey(share) });
      } catch {
        return undefined; // a low-order point: the package refuses it, with its own error
      }
      if (secret.every((b) => b === 0)) return undefined;
      const fileKey = open(hkdf(secret, Buffer.concat([share, id.pub]), X25519_LABEL), zero, body);
      if (fileKey) return fileKey;
    }
  }
  return undefined;
}

const chunkNonce = (n: number, last: boolean): Buffer => {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(n, 5, 6); // 11-byte counter; 2^48 chunks is far beyond any file here
  nonce[11] = last ? 1 : 0;
  return nonce;
};

/** The payload (nonce and STREAM) opened with the file key; undefined if it does not verify. */
export function openPayload(fileKey: Uint8Array, data: Uint8Array, from: number): Uint8Array | undefined {
  if (data.length - from < 16 + TAG) return undefined;
  const key = hkdf(fileKey, data.subarray(from, from + 16), "payload");
  const out: Buffer[] = [];
  let at = from + 16;
  for (let n = 0; ; n += 1) {
    const left = data.length - at;
    const last = left <= CHUNK + TAG;
    const size = last ? left : CHUNK + TAG;
    const plain = open(key, chunkNonce(n, last), data.subarray(at, at + size));
    if (!plain) return undefined;
    if (last && plain.length === 0 && n > 0) return undefined; // the final chunk is empty only if it is the first
    out.push(plain);
    at += size;
    if (last) break;
  }
  return out.length === 1 ? new Uint8Array((out[0] as Buffer).buffer, (out[0] as Buffer).byteOffset, (out[0] as Buffer).length) : new Uint8Array(Buffer.concat(out));
}

/** The header's file key, checked against its MAC, or undefined (then the package decides). */
export function nativeFileKey(data: Uint8Array, ids: readonly NativeIdentity[]): { fileKey: Buffer; payload: number } | undefined {
  const h = parseHeader(data);
  if (!h) return undefined;
  const fileKey = unwrap(h.shares, ids);
  if (!fileKey) return undefined;
  const mac = createHmac("sha256", hkdf(fileKey, Buffer.alloc(0), "header")).update(h.macked).digest();
  if (!timingSafeEqual(mac, h.mac)) return undefined;
  return { fileKey, payload: h.payload };
}

/** A binary age file of X25519 stanzas opened natively, or undefined for the package to decide. */
export function nativeDecrypt(data: Uint8Array, ids: readonly NativeIdentity[]): Uint8Array | undefined {
  const k = nativeFileKey(data, ids);
  return k ? openPayload(k.fileKey, data, k.payload) : undefined;
}

/** The payload of a file whose header (ending at `payload`) already gave its file key. */
export function nativePayload(data: Uint8Array, fileKey: Uint8Array, payload: number): Uint8Array | undefined {
  return openPayload(fileKey, data, payload);
}

/** A binary age file for these X25519 recipients, as the stock `age -r` writes it. */
export function nativeEncrypt(plain: Uint8Array, recipients: readonly NativeRecipient[]): Uint8Array {
  const fileKey = randomBytes(16);
  const zero = Buffer.alloc(12);
  let header = VERSION;
  for (const r of recipients) {
    // The ephemeral public key comes back already encoded, as JWK (RFC 8037: `x` is the key's
    // 32 bytes, base64url): no KeyObject made for it. DER was the slow choice: 184 us a pair
    // against 79 us as JWK on this machine (OpenSSL's DER encoder), and key generation was a
    // third of an import's worker time. Node returns the encoded half as it is; its typings only
    // know pairs encoded both ways or neither.
    const pair = generateKeyPairSync("x25519", { publicKeyEncoding: { format: "jwk" } }) as unknown as { privateKey: KeyObject; publicKey: { x: string } };
    const { privateKey } = pair;
    const share = Buffer.from(pair.publicKey.x, "base64url");
    if (share.length !== 32) throw new Error("x25519: unexpected public key");
    const secret = diffieHellman({ privateKey, publicKey: r.key });
    if (secret.every((b) => b === 0)) throw new Error("x25519: low-order recipient");
    const body = seal(hkdf(secret, Buffer.concat([share, r.raw]), X25519_LABEL), zero, fileKey);
    header += `-> X25519 ${unb64(share)}\n${unb64(body)}\n`;
  }
  header += "---";
  const mac = createHmac("sha256", hkdf(fileKey, Buffer.alloc(0), "header")).update(header, "latin1").digest();
  const nonce = randomBytes(16);
  const key = hkdf(fileKey, nonce, "payload");
  const parts: Buffer[] = [Buffer.from(`${header} ${unb64(mac)}\n`, "latin1"), nonce];
  const chunks = Math.max(1, Math.ceil(plain.length / CHUNK));
  for (let n = 0; n < chunks; n += 1) parts.push(seal(key, chunkNonce(n, n === chunks - 1), plain.subarray(n * CHUNK, (n + 1) * CHUNK)));
  const out = Buffer.concat(parts);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
