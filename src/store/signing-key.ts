/**
 * A device's signing key: an Ed25519 key beside its identity (the identity's path + ".signing",
 * mode 0600, never in the repository), in OpenSSH's private key format so `ssh-keygen -Y sign`
 * can use it too. Created by `chart init`, or on first use by a device that has none yet.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { keyError } from "../domain/errors.js";
import { writeFileAtomic } from "./atomic.js";
import { generateSigningKey, parsePrivateKeyFile, privateKeyFile, type SigningKey } from "./sshsig.js";

export const signingKeyPath = (identityPath: string): string => `${identityPath}.signing`;

export async function loadSigningKey(path: string): Promise<SigningKey | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) !== 0) {
    throw keyError("E_IDENTITY_PERMS", `the signing key ${path} can be read by other users (mode ${(mode & 0o777).toString(8)})`, `run: chmod 600 ${path}`);
  }
  try {
    return parsePrivateKeyFile(await readFile(path, "utf8"));
  } catch (e) {
    throw keyError("E_SIGNING_KEY_INVALID", `${path} is not a usable Ed25519 signing key (${(e as Error).message})`, "restore it from your backup");
  }
}

export async function createSigningKey(path: string, comment = "chart"): Promise<SigningKey> {
  const key = generateSigningKey();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, privateKeyFile(key, comment), 0o600);
  return key;
}

/** The device's signing key, created when it has none yet (`created` says so). */
export async function ensureSigningKey(identityPath: string): Promise<{ key: SigningKey; created: boolean }> {
  const path = signingKeyPath(identityPath);
  const have = await loadSigningKey(path);
  if (have) return { key: have, created: false };
  return { key: await createSigningKey(path), created: true };
}
