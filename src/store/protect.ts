/**
 * Protecting this device's keys with a passphrase, and taking the protection off (chart key
 * protect [--remove], docs/agent.md). The identity becomes an age file encrypted with the
 * passphrase (armored, as `age -p -a` writes it; stock `age -d -i IDENTITY` asks for the
 * passphrase and opens it); the signing key is age-encrypted to the identity itself, so one
 * scrypt unlocks both. The identities kept from before a rotation (and their signing keys) get
 * the same treatment. Order: the signing key first, the identity last; a run killed between them
 * leaves a state every command still reads (a protected signing key opens with a plain identity,
 * a plain one is read as it is), and running the command again finishes it.
 */
import { keyError } from "../domain/errors.js";
import { decryptWithPassphrase } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import { isProtectedText, parseIdentityFile, readIdentityFile, writeIdentityFile } from "./identity.js";
import { oldIdentityPaths } from "./old-identities.js";
import { createSigningKey, isProtectedSigningText, openProtectedSigningText, protectedSigningText, readSigningKeyText, signingKeyPath } from "./signing-key.js";
import { parsePrivateKeyFile, privateKeyFile } from "./sshsig.js";

const keptIdentities = async (identityPath: string): Promise<string[]> => (await oldIdentityPaths(identityPath)).filter((p) => !p.endsWith(".signing"));

async function protectOne(path: string, passphrase: string, opts: { createSigning: boolean }): Promise<boolean> {
  const text = (await readIdentityFile(path)).toString("utf8");
  if (isProtectedText(text)) return false;
  const secret = parseIdentityFile(text, path);
  const { identityToRecipient } = await import("age-encryption");
  const recipient = await identityToRecipient(secret);
  const sPath = signingKeyPath(path);
  const signing = await readSigningKeyText(sPath);
  if (signing === undefined) {
    if (opts.createSigning) await createSigningKey(sPath, { protectFor: recipient });
  } else if (!isProtectedSigningText(signing)) {
    await writeFileAtomic(sPath, await protectedSigningText(parsePrivateKeyFile(signing), recipient), 0o600);
  }
  await writeIdentityFile(path, text, passphrase);
  return true;
}

/** Protect the identity and signing key (and kept identities); how many old identities too. */
export async function protectDevice(identityPath: string, passphrase: string): Promise<{ old: number }> {
  if (isProtectedText((await readIdentityFile(identityPath)).toString("utf8"))) {
    throw keyError("E_IDENTITY_PROTECTED", `the identity ${identityPath} is already passphrase-protected`, "to change the passphrase: chart key protect --remove, then chart key protect");
  }
  let old = 0;
  for (const p of await keptIdentities(identityPath)) {
    if (await protectOne(p, passphrase, { createSigning: false }).catch(() => false)) old += 1;
  }
  await protectOne(identityPath, passphrase, { createSigning: true });
  return { old };
}

async function unprotectOne(path: string, passphrase: string): Promise<boolean> {
  const bytes = await readIdentityFile(path);
  const wasProtected = isProtectedText(bytes.toString("utf8"));
  const text = wasProtected ? new TextDecoder().decode(await decryptWithPassphrase(bytes, passphrase)) : bytes.toString("utf8");
  const secret = parseIdentityFile(text, path);
  const sPath = signingKeyPath(path);
  const signing = await readSigningKeyText(sPath);
  // The identity first: a protected signing key still opens with the plain identity.
  if (wasProtected) await writeIdentityFile(path, text);
  if (signing !== undefined && isProtectedSigningText(signing)) {
    await writeFileAtomic(sPath, privateKeyFile(await openProtectedSigningText(signing, secret), "chart"), 0o600);
  }
  return wasProtected;
}

/** Take the protection off (the passphrase proves it is yours); how many old identities too. */
export async function unprotectDevice(identityPath: string, passphrase: string): Promise<{ old: number }> {
  const bytes = await readIdentityFile(identityPath);
  if (!isProtectedText(bytes.toString("utf8"))) {
    throw keyError("E_IDENTITY_NOT_PROTECTED", `the identity ${identityPath} is not passphrase-protected`, "nothing to remove; chart key protect adds a passphrase");
  }
  await decryptWithPassphrase(bytes, passphrase); // a wrong passphrase changes nothing
  await unprotectOne(identityPath, passphrase);
  let old = 0;
  for (const p of await keptIdentities(identityPath)) {
    if (await unprotectOne(p, passphrase).catch(() => false)) old += 1;
  }
  return { old };
}
