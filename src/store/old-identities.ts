/**
 * Identities this device kept after `chart key rotate` (IDENTITY.old-YYYYMMDDTHHMMSSZ, next to
 * the identity): git's diff driver tries them on history written before the rotation.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { makeCipher, type IdentityKey } from "./age.js";
import { parseIdentityFile } from "./identity.js";
import { mapLimit } from "./pool.js";

export async function oldIdentityPaths(identityPath: string): Promise<string[]> {
  const dir = dirname(identityPath);
  const prefix = `${basename(identityPath)}.old-`;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort().reverse();
  return names.map((n) => join(dir, n));
}

/**
 * The plaintext, or undefined when no kept identity opens it. Files others can read are skipped.
 * With the unlock agent (`current` is its key), the agent tries the kept identities it unlocked.
 */
export async function decryptWithOldIdentities(identityPath: string, data: Uint8Array, current?: IdentityKey): Promise<Uint8Array | undefined> {
  if (current !== undefined && typeof current !== "string") {
    return (await makeCipher({ ...current, old: true }, [])).decrypt(data).catch(() => undefined);
  }
  const paths = await oldIdentityPaths(identityPath);
  const results = await mapLimit(paths, async (p) => {
    try {
      if (((await stat(p)).mode & 0o077) !== 0) return undefined;
      const secret = parseIdentityFile(await readFile(p, "utf8"), p);
      const cipher = await makeCipher(secret, []);
      return await cipher.decrypt(data);
    } catch {
      return undefined;
    }
  }, 4);
  return results.find((r) => r !== undefined);
}
