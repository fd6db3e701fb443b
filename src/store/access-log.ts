/**
 * The access log: which records each command decrypted or wrote, kept locally in
 * .git/chart/access.log (never committed, never pushed). git records only writes; HIPAA's audit
 * controls ask for reads too. Each line is one entry, age-encrypted to the chart's recipients and
 * base64-encoded, so the log holds no plaintext either. Entries name records by path-derived ids
 * (client and record), never content or command-line arguments.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRecordPath } from "../domain/record.js";
import type { Chart } from "./repo.js";

export interface AccessEntry {
  at: string; // ISO instant
  command: string; // e.g. "note show" (never its arguments)
  read: string[]; // "cl_…" for a profile, "cl_…/nt_…" for a record
  written: string[];
}

export const accessLogPath = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "access.log");

/** A record path as the log names it: the client, and the record when it is not the profile. */
export function accessName(path: string): string {
  const p = parseRecordPath(path);
  if (!p) return path;
  return p.kind === "client" ? p.client : `${p.client}/${p.id}`;
}

export async function appendAccess(chart: Chart, entry: AccessEntry): Promise<void> {
  const data = await chart.cipher.encrypt(JSON.stringify(entry));
  await mkdir(join(chart.gitDir, "chart"), { recursive: true, mode: 0o700 });
  // One write with O_APPEND: concurrent commands' lines do not interleave.
  await appendFile(accessLogPath(chart), `${Buffer.from(data).toString("base64")}\n`, { mode: 0o600 });
}

export async function readAccessLog(chart: Chart): Promise<{ entries: AccessEntry[]; unreadable: number }> {
  const text = await readFile(accessLogPath(chart), "utf8").catch(() => "");
  const lines = text.split("\n").filter((l) => l !== "");
  const entries: AccessEntry[] = [];
  let unreadable = 0;
  for (const line of lines) {
    try {
      const plain = new TextDecoder().decode(await chart.cipher.decrypt(Buffer.from(line, "base64")));
      entries.push(JSON.parse(plain) as AccessEntry);
    } catch {
      unreadable += 1;
    }
  }
  return { entries, unreadable };
}
