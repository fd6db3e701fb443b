/**
 * Changing who can open the chart: every record is decrypted, verified, and written again for
 * the new set of recipients (and, when a key leaves, under a new MAC key), with
 * .chart/recipients and .chart/macs.age, as ONE commit. Old git history stays readable to
 * whoever held a key at the time: re-encryption protects the future, not the past.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { conflict, keyError, storageError } from "../domain/errors.js";
import { makeCipher, type IdentityKey } from "./age.js";
import { writeFileAtomic } from "./atomic.js";
import { serialize } from "./envelope.js";
import { commitPaths, gitOr } from "./git.js";
import { storeUntrackedCache } from "./worktree.js";
import { formatRecipients, type RecipientEntry } from "./recipients.js";
import { eachLimit } from "./pool.js";
import { readFailure } from "./read-error.js";
import { readRecordAt } from "./records.js";
import { decryptPractice, PRACTICE_PATH, practiceText } from "./practice.js";
import { applyMoves, clearJournal, writeJournal, type KeyJournal } from "./key-journal.js";
import { writePin, writeSignersPin } from "./pin.js";
import { formatSigners, signersHash, SIGNERS_FILE, type SignerEntry } from "./signers.js";
import { recipientsHash, type Chart } from "./repo.js";
import { withWriteLock } from "./write-lock.js";

async function recordFiles(root: string, dir = "clients"): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw readFailure(dir, e);
  }
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...(await recordFiles(root, rel)));
    else if (e.name.endsWith(".age") && !e.name.startsWith(".")) out.push(rel);
  }
  return out.sort();
}

export interface RekeyResult {
  files: number;
  macRotated: boolean;
}

/**
 * Re-encrypt the chart for `entries`. `key` is the identity that will open it afterwards
 * (the current one, or a new one when rotating). Refuses to start on a chart with uncommitted
 * changes or records that do not verify, so nothing unverified is carried over.
 */
export async function rekey(
  chart: Chart,
  entries: readonly RecipientEntry[],
  opts: {
    /** The identity the chart is re-encrypted with: the current one, or a new one when rotating. */
    key: IdentityKey;
    rotateMac: boolean;
    message: string;
    /** The device signing keys after the change (.chart/allowed_signers). */
    signers?: readonly Omit<SignerEntry, "pub">[];
    /** Written before anything changes, removed once done (src/store/key-journal.ts). */
    journal?: Omit<KeyJournal, "head" | "pid">;
    /**
     * The commit's date. A key retired by this change carries valid-before at this moment, and a
     * rotation's commit is signed by the key it retires: stock git verifies that signature
     * against valid-before at the commit's date, so the two must be the same moment.
     */
    at?: Date;
  },
): Promise<RekeyResult> {
  if (entries.length === 0) throw keyError("E_NO_RECIPIENTS", "a chart needs at least one key", "add another key before removing this one");
  const git = await chart.git();
  return withWriteLock(chart, async () => {
    const dirty = await git.raw(["status", "--porcelain", "--untracked-files=all", "--", "clients", ".chart"]);
    if (dirty.trim() !== "") {
      throw conflict("E_DIRTY", "the chart has uncommitted changes; keys were not changed", "run chart fsck --repair (or commit or discard them with git) first");
    }
    const paths = await recordFiles(chart.root);
    // Every record must verify before any file is touched (one pass that keeps nothing).
    await eachLimit(paths, (path) => readRecordAt(chart, path));
    const macKey = opts.rotateMac ? new Uint8Array(randomBytes(32)) : chart.macKey;
    const cipher = await makeCipher(opts.key, entries.map((e) => e.recipient));
    const macText = `chart: 1\nkind: mac-key\nkey: ${Buffer.from(macKey).toString("hex")}\n`;
    const macs = await cipher.encrypt(macText);
    // The practice profile travels with the keys too (it is encrypted and MACed like a record).
    const practiceData = await readFile(join(chart.root, PRACTICE_PATH)).catch(() => undefined);
    const practice = practiceData ? await cipher.encrypt(practiceText(await decryptPractice(chart.cipher, practiceData, chart.macKey), macKey)) : undefined;
    // The new identity must open what was written before anything is committed.
    if (new TextDecoder().decode(await cipher.decrypt(macs)) !== macText) {
      throw storageError("E_REKEY_CHECK", "the re-encrypted chart did not open with the new key; nothing was changed");
    }
    const head = (await git.raw(["rev-parse", "HEAD"])).trim();
    await writeJournal(chart.gitDir, { pid: process.pid, head, op: opts.journal?.op ?? "add", moves: opts.journal?.moves ?? [] });
    try {
      // Streamed with bounded concurrency (docs/decisions.md, "Bounded file work"): each record
      // is read, verified, re-encrypted and written in turn, so memory does not grow with the
      // chart. A record that does not verify stops the change and the checkout below puts
      // every file back as committed.
      await eachLimit(paths, async (path) => {
        const record = await readRecordAt(chart, path);
        await writeFileAtomic(join(chart.root, path), await cipher.encrypt(serialize(record, path, macKey)), 0o600);
      });
      await writeFileAtomic(join(chart.root, ".chart", "macs.age"), macs, 0o600);
      if (practice) await writeFileAtomic(join(chart.root, PRACTICE_PATH), practice, 0o600);
      await writeFile(join(chart.root, ".chart", "recipients"), formatRecipients(entries));
      if (opts.signers) await writeFile(join(chart.root, SIGNERS_FILE), formatSigners(opts.signers));
      await commitPaths(git, paths.length ? ["clients", ".chart"] : [".chart"], opts.message, opts.at);
    } catch (e) {
      // Back to the committed state: every file here is tracked.
      await git.raw(["reset", "-q", "--", ".chart", ...(paths.length ? ["clients"] : [])]).catch(() => undefined);
      await gitOr("checkout", () => git.raw(["checkout", "HEAD", "--", ".chart", ...(paths.length ? ["clients"] : [])])).catch(() => undefined);
      await clearJournal(chart.gitDir);
      throw e;
    }
    await writePin(chart.gitDir, recipientsHash(formatRecipients(entries)));
    if (opts.signers) await writeSignersPin(chart.gitDir, signersHash(formatSigners(opts.signers)));
    // A rotation's new keys move into place before the journal goes (key-journal.ts).
    if (opts.journal?.moves.length) await applyMoves(opts.journal.moves);
    await clearJournal(chart.gitDir);
    // Every record was replaced: git's untracked cache is stored again (src/store/worktree.ts).
    if (paths.length) await storeUntrackedCache(git);
    for (const p of paths) chart.touched.written.add(p);
    return { files: paths.length, macRotated: opts.rotateMac };
  });
}
