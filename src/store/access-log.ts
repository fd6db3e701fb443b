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
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, open, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { canonicalJson } from "../domain/canonical.js";
import { parseRecordPath } from "../domain/record.js";
import { writeFileAtomic } from "./atomic.js";
import { blobOid } from "./git-objects.js";
import { sha256Hex } from "./hash.js";
import { withLock } from "./lock.js";
import type { Chart } from "./repo.js";
import { parseSigners, SIGNERS_FILE } from "./signers.js";
import { fingerprint, sshSign, sshVerify } from "./sshsig.js";

export interface AccessEntry {
  at: string; // ISO instant
  command: string; // e.g. "note show" (never its arguments)
  read: string[]; // "cl_…" for a profile, "cl_…/nt_…" for a record
  written: string[];
  /**
   * Read back only: the entry was written with a key that is not a device of the chart (a
   * recovery key), authenticated by the chart's MAC key; its signing key's fingerprint.
   */
  otherKey?: string;
}

interface Chained extends AccessEntry {
  seq: number;
  prev: string; // sha256 hex of the previous line ("" for the first)
  /** This log's id (random, from its first chained line): what the head and commits name. */
  log?: string;
  /**
   * Set when this line was written after the log had been cut: what the head recorded and what
   * the log held then (the evidence is kept, never overwritten by the append).
   */
  gap?: string;
  sig?: string;
  /** By a key that is not a device of the chart (a recovery key): HMAC under the chart's MAC key. */
  mac?: string;
  /** The .chart/macs.age blob whose key made `mac`. */
  mk?: string;
}

/** .git/chart/access.head: the log's last entry, signed; the log must still hold it. */
interface Head {
  log: string;
  seq: number;
  hash: string; // sha256 hex of line `seq` as written
  sig?: string;
  mac?: string;
  mk?: string;
}

export interface AccessLogProblem {
  line: number; // 1-based; 0: the log as a whole (its head, its end)
  message: string;
}

const NAMESPACE = "chart-access-log";

export const accessLogPath = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "access.log");
const headPath = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "access.head");

/** A record path as the log names it: the client, and the record when it is not the profile. */
export function accessName(path: string): string {
  const p = parseRecordPath(path);
  if (!p) return path;
  return p.kind === "client" ? p.client : `${p.client}/${p.id}`;
}

const signedText = (e: object): string => canonicalJson(e);
const macKeyFrom = (chartMac: Uint8Array): Buffer => createHmac("sha256", chartMac).update("chart access log v1").digest();
const hmac = (key: Uint8Array, text: string): string => createHmac("sha256", key).update(text).digest("hex");

/** Is this device's signing key a device key of the chart (not a recovery key, not retired)? */
const isDevice = (chart: Chart): boolean => !!chart.signingKey && !!chart.signers?.some((s) => s.validBefore === undefined && chart.signingKey?.pub.equals(s.pub));

/**
 * Sign a line or the head. A device signs with its signing key. A key that is not a device of the
 * chart (a recovery identity used with chart) also signs, for attribution, and authenticates the
 * text with the chart's MAC key, which only a holder of a chart key has: the verifier knows it.
 */
async function authenticate(chart: Chart, text: string): Promise<{ sig?: string; mac?: string; mk?: string }> {
  const sig = chart.signingKey ? await sshSign(chart.signingKey, NAMESPACE, text) : undefined;
  if (isDevice(chart)) return { sig };
  const macs = await readFile(join(chart.root, ".chart", "macs.age"));
  return { sig, mac: hmac(macKeyFrom(chart.macKey), text), mk: blobOid(macs) };
}

/**
 * Where the chain stands, without reading the log: .git/chart/access.tail holds the log's size,
 * its number of lines and the SHA-256 of its last line after this device's last append. It is
 * used only while the log still has exactly that size and the signed head names that same last
 * line; otherwise the log is read whole. (A log altered to the same size makes the next entry's
 * link wrong, which the chain check reports like any alteration.) The log grows with every
 * command, and reading it whole cost more than the rest of a warm listing after a few hundred
 * commands.
 */
const tailPath = (chart: Pick<Chart, "gitDir">): string => join(chart.gitDir, "chart", "access.tail");

async function readTail(chart: Chart, path: string): Promise<{ count: number; hash: string } | undefined> {
  const size = await stat(path).then((st) => st.size, () => 0);
  const m = /^(\d+) (\d+) ([0-9a-f]{64})$/.exec((await readFile(tailPath(chart), "utf8").catch(() => "")).trim());
  return m && Number(m[1]) === size ? { count: Number(m[2]), hash: m[3] as string } : undefined;
}

/**
 * An entry's plaintext inside its line's age file: its JSON, gzipped once it is 1 KiB or more.
 * An entry names every record a command read: 4.4 MB of JSON for a whole-chart read of the large
 * chart, 1.3 MB gzipped, near the ids' own entropy (130 random bits each); 0.26 MB for a broad
 * search, 86 KB gzipped (docs/verifiable-history.md, "The access log"). Gzip, so a line still
 * opens with stock tools: `base64 -d | age -d -i IDENTITY | gzip -dcf` (JSON never begins with
 * gzip's magic 1f 8b; `-f` passes a small entry through as it is).
 */
const GZIP_FROM = 1024;
export function encodeEntry(json: string): Buffer {
  const text = Buffer.from(json, "utf8");
  return text.length >= GZIP_FROM ? gzipSync(text) : text;
}

/**
 * An entry's JSON from its plaintext. A gzipped entry may not grow past 64 times its size plus
 * 1 MiB (real entries grow about 3.3 times): a line crafted to inflate to gigabytes (anyone can
 * encrypt to the chart's recipient) is unreadable, not a crash.
 */
export function decodeEntry(plain: Uint8Array): string {
  const buf = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return gunzipSync(buf, { maxOutputLength: buf.length * 64 + (1 << 20) }).toString("utf8");
  return buf.toString("utf8");
}

async function decryptLine(chart: Chart, line: string): Promise<Partial<Chained>> {
  return JSON.parse(decodeEntry(await chart.cipher.decrypt(Buffer.from(line, "base64")))) as Partial<Chained>;
}

async function readHeadFile(chart: Pick<Chart, "gitDir">): Promise<Head | undefined> {
  const text = await readFile(headPath(chart), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const h = JSON.parse(text) as Partial<Head>;
    return typeof h.log === "string" && typeof h.seq === "number" && typeof h.hash === "string" ? (h as Head) : { log: "", seq: -1, hash: "" };
  } catch {
    return { log: "", seq: -1, hash: "" }; // present but unreadable: reported, never trusted
  }
}

const headBody = (h: Head) => ({ log: h.log, seq: h.seq, hash: h.hash });

/** Does the log still hold the entry the head names? */
const holds = (lines: readonly string[], h: Head): boolean => h.seq >= 1 && h.seq <= lines.length && sha256Hex(lines[h.seq - 1] as string) === h.hash;

export async function appendAccess(chart: Chart, entry: AccessEntry): Promise<void> {
  await mkdir(join(chart.gitDir, "chart"), { recursive: true, mode: 0o700 });
  const path = accessLogPath(chart);
  await withLock(
    chart.gitDir,
    5_000,
    async () => {
      const head = await readHeadFile(chart);
      const tail = await readTail(chart, path);
      // The fast path: the log is as this device left it, and the head names its last line.
      const known = tail && head && head.seq === tail.count && head.hash === tail.hash ? tail : undefined;
      const lines = known ? undefined : (await readFile(path, "utf8").catch(() => "")).split("\n").filter((l) => l !== "");
      const count = known ? known.count : (lines as string[]).length;
      const last = lines?.at(-1);
      const prevHash = known ? known.hash : last === undefined ? "" : sha256Hex(last);
      let log = head?.log || undefined;
      let gap: string | undefined;
      if (lines && head && !holds(lines, head)) gap = `the head recorded ${head.seq} entries; the log held ${lines.length}, without that last entry (cut, or replaced)`;
      if (!head && last !== undefined) {
        // No head: a log from before heads were kept, or its head was deleted.
        const prev = await decryptLine(chart, last).catch(() => undefined);
        if (prev?.log) {
          log = prev.log;
          gap = "the log's head record (.git/chart/access.head) was missing";
        }
      }
      log ??= randomBytes(16).toString("hex");
      const body: Omit<Chained, "sig" | "mac" | "mk"> = { ...entry, seq: count + 1, prev: prevHash, log, ...(gap ? { gap } : {}) };
      const full: Chained = { ...body, ...(await authenticate(chart, signedText(body))) };
      // Base64 of the ciphertext where it lies (not a copy of it: an entry of a whole-chart read is megabytes).
      const sealed = await chart.cipher.encrypt(encodeEntry(JSON.stringify(full)));
      const line = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength).toString("base64");
      // On disk before the head that names it: a head naming a line a crash lost would read as a cut.
      const fh = await open(path, "a", 0o600);
      try {
        await fh.write(`${line}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const next: Head = { log, seq: body.seq, hash: sha256Hex(line) };
      await writeFileAtomic(headPath(chart), `${JSON.stringify({ ...next, ...(await authenticate(chart, signedText(headBody(next)))) })}\n`, 0o600);
      // Where the chain now ends, for the next append (a failure here costs one full read).
      const size = await stat(path).then((st) => st.size, () => -1);
      await writeFile(tailPath(chart), `${String(size)} ${String(next.seq)} ${next.hash}\n`, { mode: 0o600 }).catch(() => undefined);
    },
    "chart-access.lock",
  );
}

export interface AccessLogRead {
  entries: AccessEntry[];
  unreadable: number;
  unauthenticated: number;
  /** Entries written with a key that is not a device of the chart (a recovery key), authenticated by the chart's MAC key. */
  byOtherKeys: number;
  problems: AccessLogProblem[];
}

/**
 * What reading the log needs of the chart, as plain values and functions: a worker thread reads
 * it this way for fsck (read-worker.ts), so the lines' garbage (an entry of a whole-chart read
 * names every record: megabytes a line) is in a heap that ends with the worker.
 */
export interface LogSource {
  root: string;
  gitDir: string;
  decrypt(data: Uint8Array): Promise<Uint8Array>;
  macKey: Uint8Array;
  /** The MAC key of a .chart/macs.age blob other than the current one; undefined if none. */
  otherMacKey(blob: string): Promise<Buffer | undefined>;
}

/** A worker's answer when a line needs a MAC key it cannot get (git is the parent's): read in-process. */
export const OTHER_MAC_KEY = "the access log names an older MAC key";

export function logSourceOf(chart: Chart): LogSource {
  return {
    root: chart.root,
    gitDir: chart.gitDir,
    decrypt: (data) => chart.cipher.decrypt(data),
    macKey: chart.macKey,
    otherMacKey: async (mk) => {
      const git = await chart.git();
      const blob = await git.rawBuffer(["cat-file", "blob", mk]).catch(() => undefined);
      if (!blob) return undefined;
      const m = /^key: ([0-9a-f]{64})$/m.exec(new TextDecoder().decode(await chart.cipher.decrypt(blob).catch(() => new Uint8Array())));
      return m ? Buffer.from(m[1] as string, "hex") : undefined;
    },
  };
}

export async function readAccessLog(chart: Chart, opts: { entries?: boolean } = {}): Promise<AccessLogRead> {
  return readAccessLogFrom(logSourceOf(chart), opts);
}

export async function readAccessLogFrom(chart: LogSource, opts: { entries?: boolean } = {}): Promise<AccessLogRead> {
  // fsck needs only the problems: entries not kept, so memory does not grow with the log.
  const keep = opts.entries !== false;
  // The log is read a line at a time: it grows with every command (a whole-chart read lists
  // every path), and fsck must not hold it all.
  const head = await readHeadFile(chart);
  // Every key that was ever a device of the chart since it was signed (retired ones stay listed).
  const keys = parseSigners(await readFile(join(chart.root, SIGNERS_FILE), "utf8").catch(() => ""));
  // The MAC keys that authenticated recovery-key lines, by the macs.age blob they came from.
  const macKeys = new Map<string, Promise<Buffer | undefined>>();
  const currentMk = blobOid(await readFile(join(chart.root, ".chart", "macs.age")).catch(() => Buffer.alloc(0)));
  const macKeyOf = (mk: string): Promise<Buffer | undefined> => {
    let p = macKeys.get(mk);
    if (!p) {
      p = (async () => {
        if (mk === currentMk) return macKeyFrom(chart.macKey);
        if (!/^[0-9a-f]{40,64}$/.test(mk)) return undefined;
        const key = await chart.otherMacKey(mk);
        return key ? macKeyFrom(key) : undefined;
      })();
      macKeys.set(mk, p);
    }
    return p;
  };
  /** "device", "other" (a recovery key, MAC-authenticated), or why it fails. */
  const check = async (text: string, a: { sig?: string; mac?: string; mk?: string }): Promise<string> => {
    const v = a.sig ? sshVerify(a.sig, NAMESPACE, text) : undefined;
    if (v?.ok && keys.some((k) => k.pub.equals(v.pub))) return "device";
    if (a.mac && a.mk) {
      const key = await macKeyOf(a.mk);
      const want = key ? hmac(key, text) : "";
      if (key && a.mac.length === want.length && timingSafeEqual(Buffer.from(want), Buffer.from(a.mac))) return "other";
      return "its MAC under the chart's MAC key does not verify (forged or altered)";
    }
    return a.sig ? "its signature does not verify with a device key of this chart (forged or altered)" : "not signed (forged?)";
  };
  const entries: AccessEntry[] = [];
  const problems: AccessLogProblem[] = [];
  let unreadable = 0;
  let unauthenticated = 0;
  let byOtherKeys = 0;
  let chained = false;
  let logId: string | undefined;
  let count = 0; // lines read (non-empty)
  let prevHash = "";
  let headLineHash: string | undefined; // the hash of the line the head names, once read
  const fh = await open(accessLogPath(chart), "r").catch(() => undefined);
  try {
    for await (const line of fh ? fh.readLines({ encoding: "utf8" }) : []) {
      if (line === "") continue;
      const i = count;
      count += 1;
      const lineHash = sha256Hex(line);
      const expectPrev = prevHash;
      prevHash = lineHash;
      if (head && head.seq === count) headLineHash = lineHash;
      await checkLine(line, i, expectPrev);
    }
  } finally {
    await fh?.close();
  }
  async function checkLine(line: string, i: number, expectPrev: string): Promise<void> {
    let e: Partial<Chained>;
    try {
      e = JSON.parse(decodeEntry(await chart.decrypt(Buffer.from(line, "base64")))) as Partial<Chained>;
    } catch {
      unreadable += 1;
      return;
    }
    const { seq, prev, sig, mac, mk, log, gap, ...plain } = e;
    if (seq === undefined) {
      if (chained) problems.push({ line: i + 1, message: "an entry without a signature after the chained entries began (inserted?)" });
      else unauthenticated += 1; // written before entries were chained
      if (keep) entries.push(plain as AccessEntry);
      return;
    }
    chained = true;
    if (seq !== i + 1 || prev !== expectPrev) {
      problems.push({ line: i + 1, message: "out of sequence: a line before it was deleted, inserted or moved" });
    }
    const body = { ...(plain as AccessEntry), seq, prev: prev ?? "", ...(log !== undefined ? { log } : {}), ...(gap !== undefined ? { gap } : {}) };
    const verdict = await check(signedText(body), { sig, mac, mk });
    if (verdict === "other") {
      byOtherKeys += 1;
      const v = sig ? sshVerify(sig, NAMESPACE, signedText(body)) : undefined;
      (plain as AccessEntry).otherKey = v?.ok ? fingerprint(v.pub) : "unsigned";
    }
    else if (verdict !== "device") problems.push({ line: i + 1, message: verdict });
    if ((verdict === "device" || verdict === "other") && gap !== undefined) {
      problems.push({ line: i + 1, message: `when this entry was written, ${gap}: entries were deleted before it` });
    }
    if (log !== undefined) {
      if (logId !== undefined && log !== logId) problems.push({ line: i + 1, message: "belongs to another log (lines from two logs were put together)" });
      logId ??= log;
    }
    if (keep) entries.push(plain as AccessEntry);
  }
  // The end of the log: the head names its last entry, signed; the log must still hold it.
  if (head) {
    const verdict = head.seq < 0 ? "unreadable" : await check(signedText(headBody(head)), head);
    if (verdict !== "device" && verdict !== "other") problems.push({ line: 0, message: `the log's head record (.git/chart/access.head) is not authentic: ${verdict}` });
    else if (count === 0) problems.push({ line: 0, message: `the log is gone: its head records ${head.seq} entries (deleted)` });
    else if (!(head.seq >= 1 && head.seq <= count && headLineHash === head.hash)) {
      const cut = head.seq > count ? `the last ${head.seq - count} entries were deleted (the head records ${head.seq}, the log holds ${count})` : `entry ${head.seq}, the last one the head records, is not in the log (replaced)`;
      problems.push({ line: 0, message: cut });
    } else if (logId !== undefined && head.log !== logId) problems.push({ line: 0, message: "the head belongs to another log" });
  } else if (logId !== undefined) {
    problems.push({ line: 0, message: "the log's head record (.git/chart/access.head) is missing: its end cannot be checked (deleted with the last entries?)" });
  }
  return { entries, unreadable, unauthenticated, byOtherKeys, problems };
}
