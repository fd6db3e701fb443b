/**
 * The access log: which records each command decrypted or wrote, kept locally in
 * .git/chart/access.log (never committed, never pushed). git records only writes; HIPAA's audit
 * controls ask for reads too. Each line is one entry, age-encrypted to the chart's recipients and
 * base64-encoded, so the log holds no plaintext either. Entries name records by path-derived ids
 * (client and record), never content or command-line arguments.
 *
 * Entries are authenticated and chained (docs/verifiable-history.md): each carries its sequence
 * number, the SHA-256 of the previous line as written (so the chain is checked without
 * decrypting), and an SSH signature (namespace "chart-access-log") by the device's signing key.
 * A forged, deleted, inserted or reordered line is reported; lines from before the chain are
 * counted as unauthenticated. Appends are serialised by their own small lock.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson } from "../domain/canonical.js";
import { parseRecordPath } from "../domain/record.js";
import { sha256Hex } from "./hash.js";
import { withLock } from "./lock.js";
import type { Chart } from "./repo.js";
import { parseSigners, SIGNERS_FILE } from "./signers.js";
import { sshSign, sshVerify } from "./sshsig.js";

export interface AccessEntry {
  at: string; // ISO instant
  command: string; // e.g. "note show" (never its arguments)
  read: string[]; // "cl_…" for a profile, "cl_…/nt_…" for a record
  written: string[];
}

interface Chained extends AccessEntry {
  seq: number;
  prev: string; // sha256 hex of the previous line ("" for the first)
  sig?: string;
}

export interface AccessLogProblem {
  line: number; // 1-based
  message: string;
}

const NAMESPACE = "chart-access-log";

export const accessLogPath = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "access.log");

/** A record path as the log names it: the client, and the record when it is not the profile. */
export function accessName(path: string): string {
  const p = parseRecordPath(path);
  if (!p) return path;
  return p.kind === "client" ? p.client : `${p.client}/${p.id}`;
}

const signedText = (e: Omit<Chained, "sig">): string => canonicalJson(e);

async function lastLine(path: string): Promise<{ line: string | undefined; count: number }> {
  const text = await readFile(path, "utf8").catch(() => "");
  const lines = text.split("\n").filter((l) => l !== "");
  return { line: lines.at(-1), count: lines.length };
}

export async function appendAccess(chart: Chart, entry: AccessEntry): Promise<void> {
  await mkdir(join(chart.gitDir, "chart"), { recursive: true, mode: 0o700 });
  const path = accessLogPath(chart);
  await withLock(
    chart.gitDir,
    5_000,
    async () => {
      const { line, count } = await lastLine(path);
      const body: Omit<Chained, "sig"> = { ...entry, seq: count + 1, prev: line === undefined ? "" : sha256Hex(line) };
      const full: Chained = chart.signingKey ? { ...body, sig: await sshSign(chart.signingKey, NAMESPACE, signedText(body)) } : body;
      const data = await chart.cipher.encrypt(JSON.stringify(full));
      await appendFile(path, `${Buffer.from(data).toString("base64")}\n`, { mode: 0o600 });
    },
    "chart-access.lock",
  );
}

export async function readAccessLog(chart: Chart): Promise<{ entries: AccessEntry[]; unreadable: number; unauthenticated: number; problems: AccessLogProblem[] }> {
  const text = await readFile(accessLogPath(chart), "utf8").catch(() => "");
  const lines = text.split("\n").filter((l) => l !== "");
  // Every key that was ever a device of the chart since it was signed (retired ones stay listed).
  const keys = parseSigners(await readFile(join(chart.root, SIGNERS_FILE), "utf8").catch(() => ""));
  const entries: AccessEntry[] = [];
  const problems: AccessLogProblem[] = [];
  let unreadable = 0;
  let unauthenticated = 0;
  let chained = false;
  for (const [i, line] of lines.entries()) {
    let e: Partial<Chained>;
    try {
      e = JSON.parse(new TextDecoder().decode(await chart.cipher.decrypt(Buffer.from(line, "base64")))) as Partial<Chained>;
    } catch {
      unreadable += 1;
      continue;
    }
    const { seq, prev, sig, ...plain } = e;
    if (seq === undefined) {
      if (chained) problems.push({ line: i + 1, message: "an entry without a signature after the chained entries began (inserted?)" });
      else unauthenticated += 1; // written before entries were chained
      entries.push(plain as AccessEntry);
      continue;
    }
    chained = true;
    const expectPrev = i === 0 ? "" : sha256Hex(lines[i - 1] as string);
    if (seq !== i + 1 || prev !== expectPrev) {
      problems.push({ line: i + 1, message: "out of sequence: a line before it was deleted, inserted or moved" });
    }
    const check = sig ? sshVerify(sig, NAMESPACE, signedText({ ...(plain as AccessEntry), seq, prev: prev ?? "" })) : undefined;
    if (!check?.ok || !keys.some((k) => k.pub.equals(check.pub))) {
      problems.push({ line: i + 1, message: sig ? "its signature does not verify with a device key of this chart (forged or altered)" : "not signed (forged?)" });
    }
    entries.push(plain as AccessEntry);
  }
  return { entries, unreadable, unauthenticated, problems };
}
