/**
 * .chart/allowed_signers: the chart's device signing keys, in the format of ssh-keygen(1)'s
 * ALLOWED SIGNERS section, so stock `git verify-commit` reads it. One line per device:
 *   # label
 *   age1…  namespaces="git" ssh-ed25519 AAAA…
 * The principal is the device's age recipient, which ties its signing key to the key that
 * opens the chart (key remove/rotate replace both together).
 */
import { sha256Hex } from "./hash.js";
import { fingerprint, parsePublicKey } from "./sshsig.js";

export interface SignerEntry {
  principal: string; // the device's age recipient
  publicKey: string; // "ssh-ed25519 AAAA…"
  pub: Buffer;
  label: string;
}

export const SIGNERS_FILE = ".chart/allowed_signers";

export function parseSigners(text: string): SignerEntry[] {
  const out: SignerEntry[] = [];
  let label = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      label = line.replace(/^#\s*/, "");
      continue;
    }
    const m = /^(\S+)\s+namespaces="git"\s+(ssh-ed25519\s+\S+)\s*$/.exec(line);
    const pub = m ? parsePublicKey(m[2] as string) : undefined;
    if (m && pub) out.push({ principal: m[1] as string, publicKey: (m[2] as string).replace(/\s+/, " "), pub, label });
    label = "";
  }
  return out;
}

export function formatSigners(entries: readonly Omit<SignerEntry, "pub">[]): string {
  return entries.map((e) => `${e.label ? `# ${e.label}\n` : ""}${e.principal} namespaces="git" ${e.publicKey}\n`).join("");
}

/** What the signers pin compares: the set of keys and whom they belong to, whatever the labels. */
export const signersHash = (text: string): string =>
  sha256Hex(parseSigners(text).map((e) => `${e.principal} ${e.publicKey}`).sort().join("\n"));

export const describeSigner = (e: SignerEntry): string => `${fingerprint(e.pub)}  ${e.label || e.principal}`;
