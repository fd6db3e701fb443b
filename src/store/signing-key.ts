/**
 * A device's signing key: an Ed25519 key beside its identity (the identity's path + ".signing",
 * mode 0600, never in the repository). Plain, it is in OpenSSH's private key format so
 * `ssh-keygen -Y sign` can use it too. On a device whose identity is passphrase-protected it is
 * protected with it (docs/agent.md): the same OpenSSH text, age-encrypted (armored) to the
 * device's own identity, after two comment lines naming it and its public key. Unlocking the
 * identity (one scrypt) opens it, and `age -d -i IDENTITY` reads it once the header is cut.
 * Created by `chart init`, or on first use by a device that has none yet.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ChartError, keyError } from "../domain/errors.js";
import { decryptWith, encryptArmoredTo, type IdentityKey } from "./age.js";
import { agentSign } from "./agent-client.js";
import { writeFileAtomic } from "./atomic.js";
import { lockedError, type Identity } from "./identity.js";
import { generateSigningKey, parsePrivateKeyFile, parsePublicKey, privateKeyFile, type LocalSigningKey, type SigningKey } from "./sshsig.js";

export const signingKeyPath = (identityPath: string): string => `${identityPath}.signing`;

const PROTECTED_HEAD = "# chart: this device's signing key, age-encrypted to its identity (docs/agent.md)";
const AGE_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";

export const isProtectedSigningText = (text: string): boolean => text.startsWith(PROTECTED_HEAD);

/** The protected file's text: the header lines, then the armored age file. */
export async function protectedSigningText(key: LocalSigningKey, recipient: string, comment = "chart"): Promise<string> {
  return `${PROTECTED_HEAD}\n# public key: ${key.publicKey}\n${await encryptArmoredTo(privateKeyFile(key, comment), [recipient])}`;
}

/** The public key a protected file names in its header (undefined for a plain one). */
export function protectedPublicKey(text: string): string | undefined {
  const m = /^# public key: (ssh-ed25519 \S+)$/m.exec(text);
  const line = m?.[1];
  return line !== undefined && parsePublicKey(line) ? line : undefined;
}

/** The OpenSSH text inside a protected file, opened with the identity's key (secret or agent). */
export async function openProtectedSigningText(text: string, key: IdentityKey): Promise<LocalSigningKey> {
  const at = text.indexOf(AGE_BEGIN);
  if (at < 0) throw new Error("no age file after the header");
  return parsePrivateKeyFile(new TextDecoder().decode(await decryptWith(key, Buffer.from(text.slice(at)))));
}

/** A signer whose key stays in the unlock agent. */
function agentSigner(identity: Identity, publicKey: string): SigningKey {
  const pub = parsePublicKey(publicKey);
  if (!pub || typeof identity.key === "string") throw new Error("not an agent key");
  const key = identity.key;
  return { publicKey, pub, signDigest: (namespace, hashAlg, digest) => agentSign(key, namespace, hashAlg, digest) };
}

export async function readSigningKeyText(path: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) !== 0) {
    throw keyError("E_IDENTITY_PERMS", `the signing key ${path} can be read by other users (mode ${(mode & 0o777).toString(8)})`, `run: chmod 600 ${path}`);
  }
  return readFile(path, "utf8");
}

/**
 * The signing key at `path`: plain, or protected and opened with the identity (through the
 * agent, which signs; or with the secret unlocked in this process).
 */
export async function loadSigningKey(path: string, identity?: Identity): Promise<SigningKey | undefined> {
  const text = await readSigningKeyText(path);
  if (text === undefined) return undefined;
  try {
    if (!isProtectedSigningText(text)) return parsePrivateKeyFile(text);
    if (!identity) throw lockedError(path);
    if (typeof identity.key !== "string") {
      const publicKey = identity.agent?.signingKey ?? protectedPublicKey(text);
      if (!publicKey) throw new Error("the agent holds no signing key");
      return agentSigner(identity, publicKey);
    }
    return await openProtectedSigningText(text, identity.key);
  } catch (e) {
    if (e instanceof ChartError) throw e;
    throw keyError("E_SIGNING_KEY_INVALID", `${path} is not a usable Ed25519 signing key (${(e as Error).message})`, "restore it from your backup");
  }
}

/** A new signing key at `path`: plain, or protected for this recipient (the device's identity). */
export async function createSigningKey(path: string, opts: { comment?: string; protectFor?: string } = {}): Promise<LocalSigningKey> {
  const key = generateSigningKey();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const text = opts.protectFor ? await protectedSigningText(key, opts.protectFor, opts.comment) : privateKeyFile(key, opts.comment ?? "chart");
  await writeFileAtomic(path, text, 0o600);
  return key;
}

/** The device's signing key, created when it has none yet (`created` says so). */
export async function ensureSigningKey(identityPath: string, identity?: Identity): Promise<{ key: SigningKey; created: boolean }> {
  const path = signingKeyPath(identityPath);
  const have = await loadSigningKey(path, identity);
  if (have) return { key: have, created: false };
  if (identity?.protected && typeof identity.key !== "string") {
    // The agent signs only with the key it loaded when it started: this new one needs a new unlock.
    throw keyError("E_SIGNING_KEY_INVALID", `this device has no signing key (${path}) and the unlock agent started without one`, "run chart lock, then chart unlock: the key is created then");
  }
  return { key: await createSigningKey(path, { protectFor: identity?.protected ? identity.recipient : undefined }), created: true };
}
