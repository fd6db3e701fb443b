/**
 * The journal of shares in flight, so that a share killed at any point leaves neither plaintext
 * nor a wrong accounting of disclosures. Before a bundle is staged, the share writes here (in
 * .git/chart/shares/, encrypted to this device's key) where it stages, where it publishes, the
 * disclosure it will record and the hashes of the files. The next chart command (and
 * `chart fsck --repair`) finishes what a dead run left: staging and set-aside folders are
 * removed; a bundle that was published in full but whose disclosure was not committed gets its
 * disclosure; an unpublished bundle never does.
 */
import { createHash } from "node:crypto";
import { access, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DisclosureRecord } from "../domain/consent.js";
import { recordPath } from "../domain/record.js";
import { encryptFor } from "./age.js";
import { tempWriter, writeFileAtomic } from "./atomic.js";
import { pidAlive } from "./pid.js";
import { commitRecords } from "./records.js";
import type { Chart } from "./repo.js";

export interface PendingShare {
  tag: string; // "<pid>-<random>"
  pid: number;
  dest: string;
  staging: string;
  aside: string;
  disclosure: DisclosureRecord;
  /** The files as written to dest (name and SHA-256 hex of their bytes). */
  files: { name: string; sha256: string }[];
}

const dir = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "shares");
const exists = (p: string) => access(p).then(() => true, () => false);

export async function writePending(chart: Chart, p: PendingShare): Promise<void> {
  await mkdir(dir(chart), { recursive: true, mode: 0o700 });
  const data = await encryptFor(JSON.stringify(p), { recipients: [chart.identity.recipient] });
  await writeFileAtomic(join(dir(chart), `${p.tag}.age`), data, 0o600);
}

export async function removePending(chart: Chart, tag: string): Promise<void> {
  await rm(join(dir(chart), `${tag}.age`), { force: true });
}

async function publishedInFull(p: PendingShare): Promise<boolean> {
  const names = await readdir(p.dest).catch(() => undefined);
  if (!names || names.length !== p.files.length) return false;
  for (const f of p.files) {
    const data = await readFile(join(p.dest, f.name)).catch(() => undefined);
    if (!data || createHash("sha256").update(data).digest("hex") !== f.sha256) return false;
  }
  return true;
}

/** A run that is gone: not this process, and no live process has its id. */
const gone = (pid: number): boolean => pid !== process.pid && !(Number.isInteger(pid) && pid > 0 && pidAlive(pid));

/**
 * Finish the shares of runs that are gone. Returns what was done, for fsck's report. A run
 * killed while writing its journal entry left only the entry's temp file (encrypted, and written
 * before anything was staged): it is removed, as there is nothing else to finish.
 */
export async function recoverPendingShares(chart: Chart): Promise<{ cleaned: number; recorded: number }> {
  const all = await readdir(dir(chart)).catch(() => [] as string[]);
  let cleaned = 0;
  let recorded = 0;
  for (const name of all) {
    const pid = tempWriter(name);
    if (pid === undefined || !gone(pid)) continue;
    await rm(join(dir(chart), name), { force: true });
    cleaned += 1;
  }
  for (const name of all.filter((n) => n.endsWith(".age"))) {
    if (!gone(Number(name.split("-")[0]))) continue;
    let p: PendingShare;
    try {
      p = JSON.parse(new TextDecoder().decode(await chart.cipher.decrypt(await readFile(join(dir(chart), name))))) as PendingShare;
    } catch {
      continue; // not for this device's key: left for the device that wrote it
    }
    await rm(p.staging, { recursive: true, force: true });
    await rm(p.aside, { recursive: true, force: true });
    const d = p.disclosure;
    if ((await publishedInFull(p)) && !(await exists(join(chart.root, recordPath("disclosure", d.client, d.id))))) {
      await commitRecords(chart, [d], "chart: record disclosure");
      recorded += 1;
    }
    await rm(join(dir(chart), name), { force: true });
    cleaned += 1;
  }
  return { cleaned, recorded };
}
