/**
 * The practitioner's age identity: where it lives, creating it, loading it safely. A protected
 * identity (docs/agent.md) is an age file encrypted with a passphrase, as `age -p -a` writes it;
 * it is used through the unlock agent, or unlocked in this process after a prompt.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ChartError, keyError, withCause } from "../domain/errors.js";
import { decryptWithPassphrase, encryptArmoredWithPassphrase, x25519RecipientOf, type IdentityKey } from "./age.js";
import { agentHello, type AgentInfo } from "./agent-client.js";
import { agentPaths, ensurePrivateDir } from "./agent-paths.js";
import { writeFileAtomic } from "./atomic.js";
import type { Env } from "./env.js";

export interface Identity {
  path: string;
  /** The age secret (AGE-SECRET-KEY-…) in this process, or the unlock agent holding it. */
  key: IdentityKey;
  recipient: string; // age1...
  /** The identity file is passphrase-protected (docs/agent.md). */
  protected: boolean;
  /** The unlock agent's state, when it holds the key. */
  agent?: AgentInfo;
}

/** How a protected identity is reached: the agent (found from env), else a passphrase prompt. */
export interface UnlockOptions {
  env?: Env;
  /** Ask for the identity's passphrase (a terminal); without it a locked identity is an error. */
  ask?: (message: string) => Promise<string>;
}

/** A passphrase-encrypted age file, binary or armored (what stock age accepts as `-i FILE`). */
export const isProtectedText = (text: string): boolean =>
  text.startsWith("age-encryption.org/v1") || text.startsWith("-----BEGIN AGE ENCRYPTED FILE-----");

export const identityHash = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** --identity, then $CHART_IDENTITY, then $XDG_CONFIG_HOME/chart/identity (~/.config). */
export function identityPath(env: Env, cwd: string, flag?: string): string {
  if (flag) return resolve(cwd, flag);
  if (env.CHART_IDENTITY) return resolve(cwd, env.CHART_IDENTITY);
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(config, "chart", "identity");
}

/** An X25519 age identity: the bech32 prefix AGE-SECRET-KEY-, its separator 1, 58 characters. */
const SECRET_RE = /^AGE-SECRET-KEY-[1][QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;
/** A post-quantum hybrid identity (ML-KEM-768 + X25519, age 1.3+): AGE-SECRET-KEY-PQ-1… */
const HYBRID_SECRET_RE = /^AGE-SECRET-KEY-PQ-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{50,120}$/;

export const isHybridSecret = (secret: string): boolean => HYBRID_SECRET_RE.test(secret);

export function parseIdentityFile(text: string, path: string): string {
  if (isProtectedText(text)) throw lockedError(path);
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const key = keys.find((k) => SECRET_RE.test(k) || HYBRID_SECRET_RE.test(k));
  if (!key) {
    throw keyError(
      "E_IDENTITY_INVALID",
      `${path} holds no age identity (a line AGE-SECRET-KEY-… or AGE-SECRET-KEY-PQ-…)`,
      "point --identity or CHART_IDENTITY at the file `chart init` or `age-keygen` made",
    );
  }
  return key;
}

export const lockedError = (path: string): ChartError =>
  keyError(
    "E_IDENTITY_LOCKED",
    `the identity ${path} is passphrase-protected and locked`,
    "run chart unlock (it asks for the passphrase once and keeps the key for this session)",
  );

/** The identity file's bytes, checked: a file, not readable by others. */
export async function readIdentityFile(path: string): Promise<Buffer> {
  let mode: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw keyError("E_IDENTITY_NOT_FILE", `the identity ${path} is a folder, not an identity file`, "name the identity file itself with --identity FILE (or CHART_IDENTITY)");
    }
    mode = st.mode;
  } catch (e) {
    if (e instanceof ChartError) throw e;
    throw keyError(
      "E_NO_IDENTITY",
      `no identity at ${path}`,
      "run `chart init` to create one, or set --identity / CHART_IDENTITY",
    );
  }
  if ((mode & 0o077) !== 0) {
    throw keyError(
      "E_IDENTITY_PERMS",
      `the identity ${path} can be read by other users (mode ${(mode & 0o777).toString(8)})`,
      `run: chmod 600 ${path}`,
    );
  }
  try {
    return await readFile(path);
  } catch (e) {
    throw withCause(keyError("E_IDENTITY_UNREADABLE", `the identity ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`, "check the file and its permissions"), e);
  }
}

async function recipientOf(secret: string, path: string): Promise<string> {
  try {
    const native = await x25519RecipientOf(secret);
    if (native) return native;
    const { identityToRecipient } = await import("age-encryption");
    return await identityToRecipient(secret);
  } catch {
    throw keyError("E_IDENTITY_INVALID", `${path} holds a malformed age identity`, "check the file");
  }
}

/** The secret in a protected identity file's bytes, with its passphrase (one scrypt). */
export async function unlockIdentityText(bytes: Uint8Array, passphrase: string, path: string): Promise<string> {
  let plain: Uint8Array;
  try {
    plain = await decryptWithPassphrase(bytes, passphrase);
  } catch (e) {
    if (e instanceof ChartError) throw e;
    throw withCause(keyError("E_IDENTITY_INVALID", `${path} looks passphrase-protected but cannot be opened as an age file`, "check the file"), e);
  }
  return parseIdentityFile(new TextDecoder().decode(plain), path);
}

/**
 * Load the identity. A protected one is reached through the unlock agent when it runs (and holds
 * this very file), else unlocked here after asking for the passphrase (opts.ask), else refused
 * with a hint to run chart unlock.
 */
export async function loadIdentity(path: string, opts: UnlockOptions = {}): Promise<Identity> {
  const bytes = await readIdentityFile(path);
  const text = bytes.toString("utf8");
  if (!isProtectedText(text)) {
    const secret = parseIdentityFile(text, path);
    return { path, key: secret, recipient: await recipientOf(secret, path), protected: false };
  }
  const hash = identityHash(bytes);
  // The agent's folder must be this user's own, closed to others, before anything is sent there.
  const paths = opts.env ? agentPaths(opts.env, path) : undefined;
  if (paths && (await ensurePrivateDir(paths.dir, false))) {
    const key = { socket: paths.socket, identityHash: hash };
    try {
      const info = await agentHello(key);
      return { path, key, recipient: info.recipient, protected: true, agent: info };
    } catch (e) {
      // No agent (or one holding another identity): a prompt if there is a terminal.
      if (!opts.ask) throw e instanceof ChartError && e.code === "E_AGENT_OTHER_IDENTITY" ? e : lockedError(path);
    }
  }
  if (!opts.ask) throw lockedError(path);
  const secret = await unlockIdentityText(bytes, await opts.ask(`Passphrase for ${path}`), path);
  return { path, key: secret, recipient: await recipientOf(secret, path), protected: true };
}

/** The identity file's text for this secret, age-keygen's format. */
const identityText = (secret: string, recipient: string, now: Date): string => `# created: ${now.toISOString()}\n# public key: ${recipient}\n${secret}\n`;

/** Write an identity file: plain (mode 0600), or protected with a passphrase (age scrypt, armored). */
export async function writeIdentityFile(path: string, text: string, passphrase?: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, passphrase === undefined ? text : await encryptArmoredWithPassphrase(text, passphrase), 0o600);
}

/**
 * Create an identity in the age-keygen file format, mode 0600: X25519, or with postQuantum the
 * hybrid ML-KEM-768 + X25519 kind (`age-keygen -pq`, read by stock age 1.3 and later).
 */
export async function createIdentity(path: string, now: Date, opts: { postQuantum?: boolean; passphrase?: string } = {}): Promise<Identity> {
  const { generateHybridIdentity, generateX25519Identity, identityToRecipient } = await import("age-encryption");
  const secret = opts.postQuantum ? await generateHybridIdentity() : await generateX25519Identity();
  const recipient = await identityToRecipient(secret);
  await writeIdentityFile(path, identityText(secret, recipient, now), opts.passphrase);
  return { path, key: secret, recipient, protected: opts.passphrase !== undefined };
}

export async function identityExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
