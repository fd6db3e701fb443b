/**
 * The search index on disk (docs/decisions.md, "Search"): one file beside the read
 * cache, .git/chart/cache/_search.cache, sealed to this device and chart like the cache
 * (cache-seal.ts), never in git; its format: search-index-file.ts. It holds a segment per client (src/domain/search-index.ts) and
 * the commit it was built at. When HEAD has moved, the clients whose files changed between the
 * two commits (one `git diff-tree`, cache-sync.ts) are indexed again from their records (read
 * through the read cache); the others are kept. A client with files differing from HEAD in the
 * work tree, or with a record that cannot be read, is searched from its records as they are and
 * never indexed, so its failures are named on every search.
 */
import type { DxEventRecord } from "../domain/dx.js";
import type { MedEventRecord } from "../domain/med.js";
import type { NoteRecord } from "../domain/note.js";
import { recordPath } from "../domain/record.js";
import { buildSegment, candidateDocs, candidateNumbers, candidates, viewOf, type IndexedDoc } from "../domain/search-index.js";
import { searchDocs, type SearchDoc, type SearchKind } from "../domain/search-docs.js";
import type { Query } from "../domain/search.js";
import { cacheHead, changedBetween, dirtyPaths, settledAt } from "./cache-sync.js";
import { progressOf, readProgress } from "./read-progress.js";
import { COLD_READ, listRecordPaths, readPaths, type ReadFailure } from "./records.js";
import type { Chart } from "./repo.js";
import { isDisk, loadIndex, openRun, packedWordLists, saveIndex, type Entry, type Index } from "./search-index-file.js";
import { ALL_CLIENT_FOLDERS, assertIntact } from "./worktree.js";
import { eachLimit, mapLimit } from "./pool.js";

/** Clients read together when they are not in the index (a cold rebuild reads all of them). */
const BATCH = 16;

/**
 * An entry's candidates for a query; undefined when its texts do not open (the client is then
 * read from its records and indexed again). A client read from the file has its run opened
 * only when the query has candidates there.
 */
function entryCandidates(e: Entry, query: Query, opts: { psychotherapy: boolean; kinds?: readonly SearchKind[] | undefined }): IndexedDoc[] | undefined {
  const o = { psychotherapy: opts.psychotherapy, ...(opts.kinds ? { kinds: opts.kinds } : {}) };
  if (!isDisk(e)) return candidates(viewOf(e), query, o);
  const numbers = candidateNumbers(packedWordLists(e.words), query);
  if (numbers.length === 0) return [];
  const doc = openRun(e);
  return doc && candidateDocs(numbers, doc, o);
}

const clientOf = (path: string): string | undefined => /^clients\/([^/]+)\//.exec(path)?.[1];

/**
 * The documents of these clients that may match the query (to be matched against their text by
 * the caller), and the records that could not be read. Same documents as reading every record
 * and building them with searchDocs, filtered to the kinds asked for.
 */
export async function searchCandidates<T = undefined>(
  chart: Chart,
  clients: readonly string[],
  query: Query,
  opts: {
    psychotherapy: boolean;
    kinds?: readonly SearchKind[];
    /**
     * The caller's own work on the documents found (matching them against the query), returned
     * as `prepared`. It may run before the work-tree check has answered, and again on other
     * documents if what it saw turns out not to stand: it must only compute, never show or log.
     */
    prepare?: (docs: readonly SearchDoc[]) => T;
    /**
     * Which of the documents the caller's work examined (a search with a limit matches only the
     * newest candidates): only they are logged as read. All of them when not given.
     */
    examined?: (prepared: T) => readonly SearchDoc[];
  },
): Promise<{ docs: SearchDoc[]; failures: ReadFailure[]; prepared: T }> {
  // Every client (a search without --client): one pathspec for every client folder (not files
  // beside them, such as a .DS_Store). git matches each path against each pathspec; 300 of them
  // over 70,000 files cost 0.6 s of CPU, one 0.15-0.2 s.
  const specs = clients.length > 1 ? [ALL_CLIENT_FOLDERS] : clients.map((c) => `clients/${c}`);
  const prepare = (docs: readonly SearchDoc[]): T => (opts.prepare ? opts.prepare(docs) : (undefined as T));
  // The work tree is what was verified (src/store/worktree.ts). On the large chart that check is
  // one git status over every file (0.15-0.3 s, git's own process): the index is opened and
  // searched meanwhile, from what HEAD holds, and nothing found leaves this function (returned,
  // logged as read) before the check has passed (docs/decisions.md, "Search").
  const intact = assertIntact(chart, specs);
  intact.catch(() => undefined); // awaited below, whatever happens first
  // Every index read is closed at the end (each holds its file open, for the runs it reads).
  const opened: Index[] = [];
  try {
    const load = async () => {
      const i = await loadIndex(chart);
      opened.push(i);
      return i;
    };
    let early: Awaited<ReturnType<typeof searchAtHead<T>>>;
    try {
      early = await searchAtHead(chart, clients, query, opts, prepare, load);
    } finally {
      await intact; // its refusal (E_WORKTREE_CHANGED) comes first
    }
    const head = await cacheHead(chart);
    const taken = (docs: readonly SearchDoc[], prepared: T): readonly SearchDoc[] => (opts.examined ? opts.examined(prepared) : docs);
    if (early?.found && head === early.head) {
      logRead(chart, taken(early.found.docs, early.found.prepared));
      return { docs: early.found.docs, failures: [], prepared: early.found.prepared };
    }
    const dirtyClients = new Set([...(await dirtyPaths(chart, specs, chart.checkWorkTree === true))].map(clientOf));
    // The index as loaded while the check ran, unless HEAD has moved since (a writer recovered).
    const index = early && head === early.head ? early.index : await load();
    let changed = false;
    if (index.commit !== head) {
      const diff = index.commit && head ? await changedBetween(chart, index.commit, head) : undefined;
      if (!diff) index.clients.clear();
      else for (const p of diff) index.clients.delete(clientOf(p) ?? "");
      index.commit = head;
      changed = true;
    }
    const docs: SearchDoc[] = [];
    const failures: ReadFailure[] = [];
    const want = (k: SearchKind) => !opts.kinds || opts.kinds.includes(k);
    const indexed = (cid: string) => (dirtyClients.has(cid) ? undefined : index.clients.get(cid));
    for (const cid of clients) {
      const entry = indexed(cid);
      if (!entry) continue;
      const found = entryCandidates(entry, query, opts);
      if (found) docs.push(...found);
      else {
        // Texts that do not open: this client is read from its records and indexed again.
        index.clients.delete(cid);
        changed = true;
      }
    }
    // The others are read a batch of clients at a time: one read (one work-tree check, one
    // `git ls-tree`, one pool of workers) per batch instead of three per client, and memory
    // holds one batch's records.
    const missing = clients.filter((cid) => !indexed(cid));
    const kindsRead: SearchKind[] = head ? ["note", "med", "dx"] : (["note", "med", "dx"] as const).filter(want);
    // Listed first (paths only), so a cold rebuild's progress counts over the whole chart. A
    // client's folders are listed together, clients a bounded number at a time (pool.ts): 900
    // folders one after the other took 0.3 s of a cold rebuild with the workers not yet started.
    const listings = new Map<string, { path: string; kind: SearchKind }[]>();
    let total = 0;
    const lists = await mapLimit(missing, async (cid) => {
      const list: { path: string; kind: SearchKind }[] = [];
      for (const k of kindsRead) for (const p of await listRecordPaths(chart, k, cid)) list.push({ path: p, kind: k });
      return list;
    });
    missing.forEach((cid, i) => {
      const list = lists[i] ?? [];
      listings.set(cid, list);
      total += list.length;
    });
    const progress = total >= COLD_READ ? progressOf(readProgress(chart), total) : undefined;
    try {
      // Two batches at a time: one's work-tree check, `git ls-tree` and cache writes run while the
      // other's records are decrypted in the workers. Results keep the batches' order.
      const starts = Array.from({ length: Math.ceil(missing.length / BATCH) }, (_, n) => n * BATCH);
      const parts: { docs: SearchDoc[]; failures: ReadFailure[] }[] = [];
      await eachLimit(starts, async (b, n) => {
        const part: { docs: SearchDoc[]; failures: ReadFailure[] } = { docs: [], failures: [] };
        parts[n] = part;
        const batch = missing.slice(b, b + BATCH);
        const paths: string[] = [];
        const listed = new Map<string, string>(); // path -> "<client> <kind>" it was listed for
        for (const cid of batch) {
          for (const { path: p, kind: k } of listings.get(cid) ?? []) {
            paths.push(p);
            listed.set(p, `${cid} ${k}`);
          }
          listings.delete(cid);
        }
        const read = await readPaths(chart, paths, progress ? { progress } : {});
        // A record's client and kind were checked against its path when it was read.
        const mine = (cid: string, kind: SearchKind) => ({
          records: read.records.filter((r) => r.client === cid && r.kind === kind),
          failures: read.failures.filter((f) => listed.get(f.path) === `${cid} ${kind}`),
        });
        for (const cid of batch) {
          const [n, m, d] = [mine(cid, "note"), mine(cid, "med"), mine(cid, "dx")];
          const notes = { records: n.records as unknown as NoteRecord[], failures: n.failures };
          const meds = { records: m.records as unknown as MedEventRecord[], failures: m.failures };
          const dx = { records: d.records as unknown as DxEventRecord[], failures: d.failures };
          const input = { notes: notes.records, meds: meds.records, dx: dx.records };
          if (head && !dirtyClients.has(cid) && notes.failures.length + meds.failures.length + dx.failures.length === 0) {
            const seg = buildSegment(input);
            index.clients.set(cid, seg);
            changed = true;
            part.docs.push(...candidates(viewOf(seg), query, opts));
            continue;
          }
          // Not indexed: searched as read, and only the kinds asked for are searched or named.
          if (want("note")) part.failures.push(...notes.failures);
          if (want("med")) part.failures.push(...meds.failures);
          if (want("dx")) part.failures.push(...dx.failures);
          part.docs.push(...searchDocs({ notes: want("note") ? input.notes : [], meds: want("med") ? input.meds : [], dx: want("dx") ? input.dx : [] }, opts));
        }
      }, 2);
      for (const part of parts) {
        docs.push(...part.docs);
        failures.push(...part.failures);
      }
    } finally {
      progress?.(0, true);
    }
    // Saved only while HEAD is still the commit it was built at and no writer is at work; an index that cannot be written
    // costs speed only.
    if (changed && (await settledAt(chart, head))) {
      await saveIndex(chart, index).catch(() => undefined);
    }
    const prepared = prepare(docs);
    logRead(chart, taken(docs, prepared));
    return { docs, failures, prepared };
  } finally {
    for (const i of opened) i.close();
  }
}

/**
 * The warm case, while the work-tree check runs: the index was built at HEAD and holds every
 * client asked for, so nothing is read from the records. Undefined when it does not (then the
 * search goes the long way, after the check). Only computes: nothing is logged or kept.
 */
async function searchAtHead<T>(
  chart: Chart,
  clients: readonly string[],
  query: Query,
  opts: { psychotherapy: boolean; kinds?: readonly SearchKind[] },
  prepare: (docs: readonly SearchDoc[]) => T,
  load: () => Promise<Index>,
): Promise<{ head: string; index: Index; found?: { docs: SearchDoc[]; prepared: T } } | undefined> {
  // Not verified by the work-tree check (chart.checkWorkTree unset): files differing from HEAD
  // are searched as they are, which the long way finds with git status.
  if (chart.checkWorkTree !== true) return undefined;
  const head = await cacheHead(chart);
  if (!head) return undefined;
  const index = await load();
  if (index.commit !== head || !clients.every((c) => index.clients.has(c))) return { head, index };
  const docs: SearchDoc[] = [];
  for (const cid of clients) {
    const found = entryCandidates(index.clients.get(cid) as Entry, query, opts);
    if (!found) return { head, index }; // texts that do not open: the long way reads and indexes again
    docs.push(...found);
  }
  return { head, index, found: { docs, prepared: prepare(docs) } };
}

/**
 * What was taken from the index is logged as read, like records read from their files: every
 * candidate matched against (with a limit, only the newest ones the search looked at), with a
 * note's addenda.
 */
function logRead(chart: Chart, docs: readonly SearchDoc[]): void {
  for (const d of docs) {
    chart.touched.read.add(recordPath(d.kind, d.client, d.id));
    for (const a of d.addenda ?? []) chart.touched.read.add(recordPath("note", d.client, a));
  }
}
