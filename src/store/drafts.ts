/**
 * Drafts kept when a write fails after the editor closed (the lock taken meanwhile, a full disk,
 * a changed key set): the records that were to be written, encrypted to this device's own key
 * only, in .git/chart/drafts/ (local, never committed). Never plaintext. `chart note recover`
 * lists them and writes them.
 */
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { NoteRecord } from "../domain/note.js";
import type { AnyRecord } from "../domain/record.js";
import { isRecordOf } from "../domain/record-shape.js";
import { encryptFor } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import type { Chart } from "./repo.js";

export interface Draft {
  id: string;
  saved: string;
  message: string;
  /** The notes that were to be written (checked for shape when a draft is read back). */
  records: NoteRecord[];
  /** The chart it belongs to (a draft kept in the RAM folder names its chart). */
  root?: string;
}

const dir = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "drafts");

/**
 * Keep a draft, encrypted to this device's key: in the chart's .git/chart/drafts, or, when that
 * cannot be written (a full disk, a read-only file system), in `fallback` (the private RAM folder
 * editor buffers use; lost at reboot, but never plaintext).
 */
export async function saveDraft(chart: Chart, draft: Draft, fallback?: string): Promise<string> {
  const data = await encryptFor(JSON.stringify({ ...draft, root: chart.root }), { recipients: [chart.identity.recipient] });
  const dirs = [dir(chart), ...(fallback ? [fallback] : [])];
  let last: unknown;
  for (const d of dirs) {
    try {
      await mkdir(d, { recursive: true, mode: 0o700 });
      const path = join(d, `${draft.id}.age`);
      await writeFileAtomic(path, data, 0o600);
      return path;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

export async function listDrafts(chart: Chart, fallback?: string): Promise<{ drafts: Draft[]; unreadable: string[] }> {
  const drafts: Draft[] = [];
  const unreadable: string[] = [];
  for (const d of [dir(chart), ...(fallback ? [fallback] : [])]) {
    const names = (await readdir(d).catch(() => [] as string[])).filter((n) => /^dr_[0-9a-f]+\.age$/.test(n)).sort();
    for (const n of names) {
      try {
        const draft = JSON.parse(new TextDecoder().decode(await chart.cipher.decrypt(await readFile(join(d, n))))) as Omit<Draft, "records"> & { records: AnyRecord[] };
        const records = draft.records.filter((r) => isRecordOf(r, "note"));
        if (records.length !== draft.records.length) throw new Error("a draft record of the wrong shape");
        if (d === dir(chart) || draft.root === chart.root) drafts.push({ ...draft, records });
      } catch {
        if (d === dir(chart)) unreadable.push(n); // another device's key, or damaged
      }
    }
  }
  return { drafts, unreadable };
}

export async function removeDraft(chart: Chart, id: string, fallback?: string): Promise<void> {
  for (const d of [dir(chart), ...(fallback ? [fallback] : [])]) await rm(join(d, `${id}.age`), { force: true });
}
