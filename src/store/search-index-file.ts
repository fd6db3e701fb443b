/**
 * The search index's file (docs/decisions.md, "Search"): .git/chart/cache/_search.cache,
 * sealed to this device and chart like the read cache (cache-seal.ts), never in git.
 *
 *   "chart-search-5\n" | u32 BE length of part 1 | part 1 | part 2
 *
 *   part 1, sealed (context: META_CONTEXT): u32 LE length of the header | the header, JSON:
 *     { v: 5, commit?, clients: [client id, run id, word-list bytes, documents, run bytes][] }
 *     | per client, in the header's order: its word lists (packWords, UTF-8), then the end of
 *     each of its documents in its run (u32 LE each)
 *   part 2: per client, in the header's order, its run: its documents' lines end to end, sealed
 *     on their own (context: the run's random id and the client's id)
 *
 * A search reads part 1 (the word lists, about 2.4 MB on the large chart) and then, for each
 * client where a query has candidates, reads that client's run into one buffer used again for
 * every run and opens it. Version 4 read the whole file (16 MB) and opened all texts in one
 * piece: on the machine where this was measured (2 vCPU, AMD EPYC), memory a process touches for
 * the first time cost about 3 µs per KB, and those 29 MB of new buffers cost 200-250 ms of a warm
 * search (docs/decisions.md, "Where the time goes").
 *
 * A run is bound to its client and to its entry in part 1 by its id, so a run from another
 * file, another client or an earlier save does not open; runs of clients that did not change
 * are copied as they are when the index is saved again (their ids with them).
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { packWords, type Segment, type WordLists } from "../domain/search-index.js";
import { writeFileAtomic } from "./atomic.js";
import { cacheDir } from "./cache.js";
import { byteSealer, type ByteSealer } from "./cache-seal.js";
import type { Chart } from "./repo.js";

/** A client's segment as read from the file: its word lists and document ends (part 1), and where its run is. */
export interface DiskEntry {
  client: string;
  words: Buffer;
  /** u32 LE per document: where it ends in the run's plaintext. */
  ends: Buffer;
  run: { id: string; at: number; len: number };
  file: IndexFile;
}

/** A client's segment as just built from its records. */
export type Entry = DiskEntry | Segment;

export const isDisk = (e: Entry): e is DiskEntry => "run" in e;

export interface Index {
  commit?: string | undefined;
  clients: Map<string, Entry>;
  /** Closes the file the entries read their runs from (no-op for an index not read from disk). */
  close(): void;
}

interface IndexFile {
  fd: number;
  /** Where part 2 starts in the file. */
  base: number;
  sealer: ByteSealer;
  /** One buffer for every run read: a run is opened into a buffer of its own. */
  scratch: Buffer;
  closed: boolean;
}

const FILE = "_search.cache";
const MAGIC = Buffer.from("chart-search-5\n");
/** Part 1's authenticated data: it is this index's word lists, not some other sealed bytes. */
const META_CONTEXT = Buffer.from("chart search index v5: words", "utf8");
const runContext = (id: string, client: string): Buffer => Buffer.from(`chart search index v5: texts\0${id}\0${client}`, "utf8");

type HeaderClient = [string, string, number, number, number];
interface Header {
  v: 5;
  commit?: string;
  clients: HeaderClient[];
}

const emptyIndex = (): Index => ({ clients: new Map(), close: () => undefined });
const count = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/** Exactly `len` bytes at `at`, or undefined when the file ends first. */
function readAt(fd: number, into: Buffer, len: number, at: number): Buffer | undefined {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, into, got, len - got, at + got);
    if (n === 0) return undefined;
    got += n;
  }
  return into.subarray(0, len);
}

/**
 * The index in the device's cache, or an empty one when there is none, or it is another
 * version, damaged, cut short, or not sealed by this device for this chart. Read with
 * synchronous calls: the promise API reads in 512 KB pieces through the thread pool, each
 * piece's turn on this thread waiting while git's status competes for the two cores.
 */
export async function loadIndex(chart: Chart): Promise<Index> {
  let fd: number;
  try {
    fd = openSync(join(cacheDir(chart), FILE), "r");
  } catch {
    return emptyIndex();
  }
  let keep = false;
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, Buffer.alloc(MAGIC.length + 4), MAGIC.length + 4, 0);
    if (!head?.subarray(0, MAGIC.length).equals(MAGIC)) return emptyIndex();
    const len = head.readUInt32BE(MAGIC.length);
    const at = MAGIC.length + 4;
    if (at + len > size) return emptyIndex();
    const sealed = readAt(fd, Buffer.allocUnsafe(len), len, at);
    const sealer = await byteSealer(chart);
    const part1 = sealed && sealer.open(sealed, META_CONTEXT);
    if (!part1 || part1.length < 4) return emptyIndex();
    const headerLen = part1.readUInt32LE(0);
    if (4 + headerLen > part1.length) return emptyIndex();
    let header: Header;
    try {
      header = JSON.parse(part1.toString("utf8", 4, 4 + headerLen)) as Header;
    } catch {
      return emptyIndex();
    }
    // A file from disk: another version or a damaged index is not this one.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (header?.v !== 5 || !Array.isArray(header.clients) || (header.commit !== undefined && typeof header.commit !== "string")) return emptyIndex();
    const file: IndexFile = { fd, base: at + len, sealer, scratch: Buffer.alloc(0), closed: false };
    const clients = new Map<string, Entry>();
    let p = 4 + headerLen;
    let runAt = 0;
    let maxRun = 0;
    for (const c of header.clients as unknown[]) {
      if (!Array.isArray(c) || c.length !== 5) return emptyIndex();
      const [client, id, wordsLen, docs, runLen] = c as unknown[];
      if (typeof client !== "string" || typeof id !== "string" || !count(wordsLen) || !count(docs) || !count(runLen)) return emptyIndex();
      if (p + wordsLen + 4 * docs > part1.length) return emptyIndex();
      const words = part1.subarray(p, p + wordsLen);
      const ends = part1.subarray(p + wordsLen, p + wordsLen + 4 * docs);
      p += wordsLen + 4 * docs;
      clients.set(client, { client, words, ends, run: { id, at: runAt, len: runLen }, file });
      runAt += runLen;
      maxRun = Math.max(maxRun, runLen);
    }
    if (p !== part1.length || file.base + runAt !== size) return emptyIndex();
    file.scratch = Buffer.allocUnsafe(maxRun);
    keep = true;
    return {
      commit: header.commit,
      clients,
      close: () => {
        if (file.closed) return;
        file.closed = true;
        closeSync(fd);
      },
    };
  } catch {
    return emptyIndex(); // a read that fails: no index, the search reads the records
  } finally {
    if (!keep) closeSync(fd);
  }
}

/** The sealed bytes of an entry's run as in the file (in the shared buffer), or undefined. */
function sealedRun(e: DiskEntry): Buffer | undefined {
  if (e.file.closed) return undefined;
  try {
    return readAt(e.file.fd, e.file.scratch, e.run.len, e.file.base + e.run.at);
  } catch {
    return undefined;
  }
}

/**
 * An entry's documents by number, its run opened; undefined when the run does not open
 * (damaged, cut short, another file's or another client's) or does not hold what part 1 says.
 */
export function openRun(e: DiskEntry): ((i: number) => string) | undefined {
  const sealed = sealedRun(e);
  const text = sealed && e.file.sealer.open(sealed, runContext(e.run.id, e.client));
  if (!text) return undefined;
  const n = e.ends.length / 4;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const end = e.ends.readUInt32LE(4 * i);
    if (end < prev || end > text.length) return undefined;
    prev = end;
  }
  if (prev !== text.length) return undefined;
  return (i) => text.toString("utf8", i > 0 ? e.ends.readUInt32LE(4 * (i - 1)) : 0, e.ends.readUInt32LE(4 * i));
}

/** A needle per word: a client's word lists are searched for "\n" + word + "\t" as bytes. */
const needles = new Map<string, Buffer>();
const needleOf = (w: string): Buffer => {
  let n = needles.get(w);
  if (!n) needles.set(w, (n = Buffer.from(`\n${w}\t`, "utf8")));
  return n;
};

/**
 * Word lists packed by packWords, as UTF-8 bytes (an entry's, in part 1), looked up in place: no
 * string is made of them but the lists a query asks for (a word holds letters and digits, never a tab or a newline; a
 * list holds base-36 digits and commas).
 */
export function packedWordLists(packed: Buffer): WordLists {
  return {
    list(w) {
      const needle = needleOf(w);
      const at = packed.indexOf(needle);
      if (at < 0) return undefined;
      const from = at + needle.length;
      const end = packed.indexOf(10, from);
      return packed.toString("latin1", from, end < 0 ? packed.length : end);
    },
    words() {
      const out: string[] = [];
      const text = packed.toString("utf8");
      for (let at = 1; at < text.length; ) {
        const tab = text.indexOf("\t", at);
        const nl = text.indexOf("\n", at);
        if (tab < 0 || nl < 0) break;
        out.push(text.slice(at, tab));
        at = nl + 1;
      }
      return out;
    },
  };
}

/**
 * The index file: part 1 with every client's word lists and ends, then their runs, in one
 * atomic write. A run read from the file is copied as it is; a client whose run cannot be read
 * is left out (indexed again by the next search that needs it).
 */
export async function saveIndex(chart: Chart, index: Index): Promise<void> {
  const sealer = await byteSealer(chart);
  const header: Header = { v: 5, ...(index.commit ? { commit: index.commit } : {}), clients: [] };
  const body: Buffer[] = [];
  const runs: Buffer[] = [];
  for (const [client, e] of index.clients) {
    let words: Buffer;
    let ends: Buffer;
    let id: string;
    let run: Buffer;
    if (isDisk(e)) {
      const sealed = sealedRun(e);
      if (!sealed) continue;
      ({ words, ends } = e);
      id = e.run.id;
      run = Buffer.from(sealed); // the shared buffer is read into again
    } else {
      const lines = e.docs.map((d) => Buffer.from(d, "utf8"));
      ends = Buffer.alloc(4 * lines.length);
      let end = 0;
      lines.forEach((l, i) => ends.writeUInt32LE((end += l.length), 4 * i));
      words = Buffer.from(packWords(e.words), "utf8");
      id = randomBytes(16).toString("hex");
      run = sealer.seal(Buffer.concat(lines), runContext(id, client));
    }
    header.clients.push([client, id, words.length, ends.length / 4, run.length]);
    body.push(words, ends);
    runs.push(run);
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const jsonLen = Buffer.alloc(4);
  jsonLen.writeUInt32LE(json.length);
  const part1 = sealer.seal(Buffer.concat([jsonLen, json, ...body]), META_CONTEXT);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(part1.length);
  await mkdir(cacheDir(chart), { recursive: true, mode: 0o700 }).catch(() => undefined);
  await writeFileAtomic(join(cacheDir(chart), FILE), Buffer.concat([MAGIC, len, part1, ...runs]), 0o600);
}
