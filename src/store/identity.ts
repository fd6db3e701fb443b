/** The practitioner's age identity: where it lives, creating it, loading it safely. */
import { mkdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ChartError, keyError, withCause } from "../domain/errors.js";
import { writeFileAtomic } from "./atomic.js";
import type { Env } from "./env.js";

export interface Identity {
  path: string;
  secret: string; // an age X25519 secret key: AGE-SECRET-KEY-, then bech32 data
  recipient: string; // age1...
}

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
  if (text.startsWith("age-encryption.org/v1")) {
    throw keyError(
      "E_IDENTITY_ENCRYPTED",
      `the identity ${path} is passphrase-protected, which this version cannot unlock yet`,
      "decrypt it to a 0600 file with `age -d` and point --identity or CHART_IDENTITY at it",
    );
  }
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

export async function loadIdentity(path: string): Promise<Identity> {
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
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw withCause(keyError("E_IDENTITY_UNREADABLE", `the identity ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`, "check the file and its permissions"), e);
  }
  const secret = parseIdentityFile(text, path);
  const { identityToRecipient } = await import("age-encryption");
  let recipient: string;
  try {
    recipient = await identityToRecipient(secret);
  } catch {
    throw keyError("E_IDENTITY_INVALID", `${path} holds a malformed age identity`, "check the file");
  }
  return { path, secret, recipient };
}

/**
 * Create an identity in the age-keygen file format, mode 0600: X25519, or with postQuantum the
 * hybrid ML-KEM-768 + X25519 kind (`age-keygen -pq`, read by stock age 1.3 and later).
 */
export async function createIdentity(path: string, now: Date, opts: { postQuantum?: boolean } = {}): Promise<Identity> {
  const { generateHybridIdentity, generateX25519Identity, identityToRecipient } = await import("age-encryption");
  const secret = opts.postQuantum ? await generateHybridIdentity() : await generateX25519Identity();
  const recipient = await identityToRecipient(secret);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const text = `# created: ${now.toISOString()}\n# public key: ${recipient}\n${secret}\n`;
  await writeFileAtomic(path, text, 0o600);
  return { path, secret, recipient };
}

export async function identityExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
