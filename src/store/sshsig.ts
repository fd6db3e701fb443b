/**
 * Ed25519 keys and signatures in OpenSSH's formats, natively (node:crypto), so chart signs and
 * verifies commits without a child process and stock `ssh-keygen` / `git verify-commit` read the
 * same bytes. Formats: PROTOCOL.sshsig (armored SSHSIG blob, signed data), RFC 8709 / RFC 4253
 * public key encoding ("ssh-ed25519" string + 32-byte key), PROTOCOL.key (openssh-key-v1 private
 * key, unencrypted). See docs/verifiable-history.md.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

const MAGIC = Buffer.from("SSHSIG");
const KEY_TYPE = "ssh-ed25519";

export interface SigningKey {
  /** "ssh-ed25519 AAAA…" */
  publicKey: string;
  pub: Buffer; // raw 32 bytes
  /**
   * The Ed25519 signature of PROTOCOL.sshsig signed data (namespace, hash algorithm, digest):
   * made in this process, or by the unlock agent that holds the key (docs/agent.md).
   */
  signDigest(namespace: string, hashAlg: "sha512", digest: Buffer): Promise<Buffer>;
}

/** A signing key held in this process. */
export interface LocalSigningKey extends SigningKey {
  /** The private key object (never serialised except to its file). */
  privateKey: KeyObject;
  seed: Buffer;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const str = (s: string | Buffer): Buffer => {
  const b = typeof s === "string" ? Buffer.from(s) : s;
  return Buffer.concat([u32(b.length), b]);
};

/** Reads SSH wire-format fields; throws on truncation. */
function reader(buf: Buffer) {
  let off = 0;
  return {
    bytes(n: number): Buffer {
      if (off + n > buf.length) throw new Error("truncated");
      const out = buf.subarray(off, off + n);
      off += n;
      return out;
    },
    u32(): number {
      const v = this.bytes(4).readUInt32BE(0);
      return v;
    },
    string(): Buffer {
      return this.bytes(this.u32());
    },
    done: () => off === buf.length,
    rest: () => buf.subarray(off),
  };
}

export const publicBlob = (pub: Buffer): Buffer => Buffer.concat([str(KEY_TYPE), str(pub)]);
export const publicKeyLine = (pub: Buffer): string => `${KEY_TYPE} ${publicBlob(pub).toString("base64")}`;

/** "ssh-ed25519 AAAA… [comment]" to the raw 32-byte key; undefined when it is not one. */
export function parsePublicKey(line: string): Buffer | undefined {
  const m = /^ssh-ed25519 ([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/.exec(line.trim());
  if (!m) return undefined;
  try {
    const r = reader(Buffer.from(m[1] as string, "base64"));
    if (r.string().toString() !== KEY_TYPE) return undefined;
    const pub = r.string();
    return pub.length === 32 && r.done() ? Buffer.from(pub) : undefined;
  } catch {
    return undefined;
  }
}

/** OpenSSH's fingerprint: SHA256:base64(sha256(blob)) without padding. */
export const fingerprint = (pub: Buffer): string =>
  `SHA256:${createHash("sha256").update(publicBlob(pub)).digest("base64").replace(/=+$/, "")}`;

const publicObject = (pub: Buffer): KeyObject =>
  createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: pub.toString("base64url") }, format: "jwk" });

function fromSeed(seed: Buffer, pub?: Buffer): LocalSigningKey {
  const privateKey = createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x: (pub ?? Buffer.alloc(32)).toString("base64url") },
    format: "jwk",
  });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" }) as { x: string };
  const realPub = Buffer.from(jwk.x, "base64url");
  if (pub && !realPub.equals(pub)) throw new Error("public key does not match private key");
  return {
    publicKey: publicKeyLine(realPub),
    privateKey,
    seed,
    pub: realPub,
    signDigest: (namespace, hashAlg, digest) => Promise.resolve(sign(null, signedDataOf(namespace, hashAlg, digest), privateKey)),
  };
}

export function generateSigningKey(): LocalSigningKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as { d: string; x: string };
  return fromSeed(Buffer.from(jwk.d, "base64url"), Buffer.from(jwk.x, "base64url"));
}

const wrap = (b64: string, width: number): string => b64.replace(new RegExp(`(.{${width}})`, "g"), "$1\n").replace(/\n$/, "");

/** The openssh-key-v1 private key file (unencrypted), as `ssh-keygen -t ed25519 -N ""` writes it. */
export function privateKeyFile(key: LocalSigningKey, comment: string): string {
  const check = Buffer.from(createHash("sha256").update(key.seed).digest().subarray(0, 4));
  let priv = Buffer.concat([check, check, str(KEY_TYPE), str(key.pub), str(Buffer.concat([key.seed, key.pub])), str(comment)]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i += 1) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const blob = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    str("none"),
    str("none"),
    str(""),
    u32(1),
    str(publicBlob(key.pub)),
    str(priv),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(blob.toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export function parsePrivateKeyFile(text: string): LocalSigningKey {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) throw new Error("not an OpenSSH private key");
  const r = reader(Buffer.from((m[1] as string).replace(/\s+/g, ""), "base64"));
  if (r.bytes(15).toString("latin1") !== "openssh-key-v1\0") throw new Error("not openssh-key-v1");
  const cipher = r.string().toString();
  r.string(); // kdf
  r.string(); // kdf options
  if (cipher !== "none") throw new Error("passphrase-protected signing keys are not supported yet");
  if (r.u32() !== 1) throw new Error("expected one key");
  r.string(); // public blob
  const p = reader(r.string());
  if (!p.bytes(4).equals(p.bytes(4))) throw new Error("bad check bytes");
  if (p.string().toString() !== KEY_TYPE) throw new Error("not an Ed25519 key");
  const pub = Buffer.from(p.string());
  const both = p.string();
  if (both.length !== 64) throw new Error("bad Ed25519 private key");
  return fromSeed(Buffer.from(both.subarray(0, 32)), pub);
}

/** PROTOCOL.sshsig's signed data for a message digest: MAGIC, namespace, reserved, hash, digest. */
export const signedDataOf = (namespace: string, hashAlg: string, digest: Buffer): Buffer =>
  Buffer.concat([MAGIC, str(namespace), str(""), str(hashAlg), str(digest)]);

const signedData = (namespace: string, hashAlg: string, message: Buffer | string): Buffer =>
  signedDataOf(namespace, hashAlg, createHash(hashAlg).update(message).digest());

/** An armored SSH signature of `message` (PROTOCOL.sshsig), sha512, as `ssh-keygen -Y sign` makes. */
export async function sshSign(key: SigningKey, namespace: string, message: Buffer | string): Promise<string> {
  const sig = await key.signDigest(namespace, "sha512", createHash("sha512").update(message).digest());
  const blob = Buffer.concat([MAGIC, u32(1), str(publicBlob(key.pub)), str(namespace), str(""), str("sha512"), str(Buffer.concat([str(KEY_TYPE), str(sig)]))]);
  return `-----BEGIN SSH SIGNATURE-----\n${wrap(blob.toString("base64"), 70)}\n-----END SSH SIGNATURE-----\n`;
}

export type SigCheck = { ok: true; pub: Buffer } | { ok: false; reason: string; pub?: Buffer };

/**
 * Check an armored SSH signature over `message` in `namespace`. Says which key made it (the
 * caller decides whether that key is trusted). Only Ed25519 keys are accepted.
 */
export function sshVerify(armored: string, namespace: string, message: Buffer | string): SigCheck {
  const m = /^-----BEGIN SSH SIGNATURE-----\n([\s\S]*?)\n?-----END SSH SIGNATURE-----\n?$/.exec(armored.trim() + "\n");
  if (!m) return { ok: false, reason: "not an SSH signature" };
  try {
    const r = reader(Buffer.from((m[1] as string).replace(/\s+/g, ""), "base64"));
    if (!r.bytes(6).equals(MAGIC)) return { ok: false, reason: "not an SSHSIG blob" };
    if (r.u32() !== 1) return { ok: false, reason: "unsupported SSHSIG version" };
    const k = reader(r.string());
    if (k.string().toString() !== KEY_TYPE) return { ok: false, reason: "not an Ed25519 key" };
    const pub = Buffer.from(k.string());
    if (pub.length !== 32 || !k.done()) return { ok: false, reason: "malformed public key" };
    const ns = r.string().toString();
    r.string(); // reserved: ignored, as the spec says
    const hashAlg = r.string().toString();
    const s = reader(r.string());
    if (!r.done()) return { ok: false, reason: "trailing data", pub };
    if (ns !== namespace) return { ok: false, reason: `namespace "${ns.slice(0, 20)}", expected "${namespace}"`, pub };
    if (hashAlg !== "sha512" && hashAlg !== "sha256") return { ok: false, reason: "unsupported hash", pub };
    if (s.string().toString() !== KEY_TYPE) return { ok: false, reason: "not an Ed25519 signature", pub };
    const sig = s.string();
    if (sig.length !== 64 || !s.done()) return { ok: false, reason: "malformed signature", pub };
    const good = verify(null, signedData(namespace, hashAlg, message), publicObject(pub), sig);
    return good ? { ok: true, pub } : { ok: false, reason: "bad signature", pub };
  } catch {
    return { ok: false, reason: "malformed signature" };
  }
}
