/**
 * .chart/allowed_signers: the chart's device signing keys, in the format of ssh-keygen(1)'s
 * ALLOWED SIGNERS section, so stock `git verify-commit` reads it. One line per device:
 *   # label
 *   age1…  namespaces="git" ssh-ed25519 AAAA…
 * The principal is the device's age recipient, which ties its signing key to the key that
 * opens the chart (key remove/rotate replace both together). A key that left carries
 * `valid-before="…Z"` (see SignerEntry.validBefore).
 */
import { sha256Hex } from "./hash.js";
import { fingerprint, parsePublicKey } from "./sshsig.js";

export interface SignerEntry {
  principal: string; // the device's age recipient
  publicKey: string; // "ssh-ed25519 AAAA…"
  pub: Buffer;
  label: string;
  /**
   * A removed or rotated-away key stays listed, retired with valid-before (the moment it left,
   * "YYYYMMDDHHMMSSZ"), so stock git still verifies the commits it signed before; chart trusts
   * only keys that are not retired for any new commit.
   */
  validBefore?: string;
}

export const SIGNERS_FILE = ".chart/allowed_signers";

export function parseSigners(text: string): SignerEntry[] {
  const out: SignerEntry[] = [];
  let label = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      label = line.replace(/^#\s*/, "").replace(/(\s*\(retired\))+$/, "");
      continue;
    }
    const m = /^(\S+)\s+(\S+)\s+(ssh-ed25519\s+\S+)\s*$/.exec(line);
    const opts = m ? (m[2] as string).split(",") : [];
    const pub = m ? parsePublicKey(m[3] as string) : undefined;
    if (m && pub && opts.includes('namespaces="git"')) {
      const vb = opts.map((o) => /^valid-before="(\d{8,14}Z?)"$/.exec(o)?.[1]).find((v) => v !== undefined);
      const known = opts.every((o) => o === 'namespaces="git"' || /^valid-before="\d{8,14}Z?"$/.test(o));
      if (known) out.push({ principal: m[1] as string, publicKey: (m[3] as string).replace(/\s+/, " "), pub, label, ...(vb ? { validBefore: vb } : {}) });
    }
    label = "";
  }
  return out;
}

export function formatSigners(entries: readonly Omit<SignerEntry, "pub">[]): string {
  return entries
    .map((e) => `${e.label ? `# ${e.label}${e.validBefore ? " (retired)" : ""}\n` : ""}${e.principal} namespaces="git"${e.validBefore ? `,valid-before="${e.validBefore}"` : ""} ${e.publicKey}\n`)
    .join("");
}

/** The keys that may sign new commits (not retired). */
export const activeSigners = <T extends Pick<SignerEntry, "validBefore">>(entries: readonly T[]): T[] => entries.filter((e) => e.validBefore === undefined);

/** valid-before for a key leaving now: ssh-keygen's "YYYYMMDDHHMMSSZ" (UTC). */
export const retiredAt = (now: Date): string => `${now.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/** What the signers pin compares: the set of keys and whom they belong to, whatever the labels. */
export const signersHash = (text: string): string =>
  sha256Hex(parseSigners(text).map((e) => `${e.principal} ${e.publicKey} ${e.validBefore ?? ""}`).sort().join("\n"));

export const describeSigner = (e: SignerEntry): string => `${fingerprint(e.pub)}  ${e.label || e.principal}`;
