/**
 * A record file's bytes to a verified record: decrypt, UTF-8, envelope and MAC. Runs in the
 * read workers too. The record's shape is checked by the caller that hands it out
 * (src/store/records.ts `checkShape`), whether it came from here or from the read cache.
 */
import { keyError, withCause } from "../domain/errors.js";
import type { AnyRecord } from "../domain/record.js";
import type { Cipher } from "./age.js";
import { parseEnvelope } from "./envelope.js";

export async function decodeRecord(cipher: Cipher, macKey: Uint8Array, path: string, data: Uint8Array): Promise<AnyRecord> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await cipher.decrypt(data));
  } catch (e) {
    throw withCause(keyError("E_DECRYPT", `${path} cannot be decrypted (corrupted, or not encrypted to this identity)`, "restore it from git history (git checkout -- PATH), or run chart fsck"), e);
  }
  return parseEnvelope(text, path, macKey);
}
