/**
 * Drafts kept when a write fails after the editor closed (the lock taken meanwhile, a full disk,
 * a changed key set): the records that were to be written, encrypted to this device's own key
 * only, in .git/chart/drafts/ (local, never committed). Never plaintext. `chart note recover`
 * lists them and writes them.
 */
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { BaseRecord } from "../domain/record.js";
import { encryptFor } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import type { Chart } from "./repo.js";

export interface Draft {
  id: string;
  saved: string;
  message: string;
  records: BaseRecord[];
}

const dir = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "drafts");

export async function saveDraft(chart: Chart, draft: Draft): Promise<string> {
  await mkdir(dir(chart), { recursive: true, mode: 0o700 });
  const data = await encryptFor(JSON.stringify(draft), { recipients: [chart.identity.recipient] });
  const path = join(dir(chart), `${draft.id}.age`);
  await writeFileAtomic(path, data, 0o600);
  return path;
}

export async function listDrafts(chart: Chart): Promise<{ drafts: Draft[]; unreadable: string[] }> {
  const names = (await readdir(dir(chart)).catch(() => [] as string[])).filter((n) => n.endsWith(".age")).sort();
  const drafts: Draft[] = [];
  const unreadable: string[] = [];
  for (const n of names) {
    try {
      const data = await readFile(join(dir(chart), n));
      drafts.push(JSON.parse(new TextDecoder().decode(await chart.cipher.decrypt(data))) as Draft);
    } catch {
      unreadable.push(n);
    }
  }
  return { drafts, unreadable };
}

export async function removeDraft(chart: Chart, id: string): Promise<void> {
  await rm(join(dir(chart), `${id}.age`), { force: true });
}
