/**
 * A key change (add, remove, rotate) in progress is journalled in .git/chart/keychange.json
 * before anything is written, so one killed at any point is finished or undone by the next
 * command, before it opens the chart:
 * - not committed (HEAD is still where it was): the record and .chart/ files are put back from
 *   HEAD, and a new identity or signing key created for a rotation is removed;
 * - committed: the new identity and signing key are moved into place (the old ones kept aside).
 */
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import type { Env } from "./env.js";
import { withLock } from "./lock.js";
import { pidAlive } from "./pid.js";
import { openGit } from "./git.js";
import { writePin, writeSignersPin } from "./pin.js";
import { gitDirOf, recipientsHash } from "./repo.js";
import { signersHash, SIGNERS_FILE } from "./signers.js";
import { WRITE_LOCK_TIMEOUT_MS } from "./write-lock.js";

export interface KeyJournal {
  pid: number;
  op: "add" | "remove" | "rotate" | "signing";
  /** HEAD before the change. */
  head: string;
  /** Files to move into place once committed: [fresh, current, keep-old-as]. */
  moves: [string, string, string][];
}

const journalPath = (gitDir: string): string => join(gitDir, "chart", "keychange.json");

export async function writeJournal(gitDir: string, j: KeyJournal): Promise<void> {
  await mkdir(join(gitDir, "chart"), { recursive: true, mode: 0o700 });
  await writeFileAtomic(journalPath(gitDir), JSON.stringify(j), 0o600);
}

export async function clearJournal(gitDir: string): Promise<void> {
  await rm(journalPath(gitDir), { force: true });
}

async function readJournal(gitDir: string): Promise<KeyJournal | undefined> {
  try {
    return JSON.parse(await readFile(journalPath(gitDir), "utf8")) as KeyJournal;
  } catch {
    return undefined;
  }
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Move the new identity and signing key into place (idempotent: each step checks first). */
export async function applyMoves(moves: readonly [string, string, string][]): Promise<void> {
  for (const [fresh, current, old] of moves) {
    if (!(await exists(fresh))) continue;
    if ((await exists(current)) && !(await exists(old))) await rename(current, old);
    await rename(fresh, current);
  }
}

/** Finish or undo a key change a killed command left (see above). Cheap when there is none. */
export async function recoverKeyChange(root: string, _identityPath: string, env: Env): Promise<boolean> {
  const gitDir = await gitDirOf(root);
  const g = openGit(root, env);
  const git = (_root: string, args: string[]) => g.raw(args);
  const first = await readJournal(gitDir);
  if (!first || pidAlive(first.pid)) return false;
  return withLock(gitDir, WRITE_LOCK_TIMEOUT_MS, async () => {
    const j = await readJournal(gitDir);
    if (!j || pidAlive(j.pid)) return false;
    const head = (await git(root, ["rev-parse", "-q", "--verify", "HEAD"]).catch(() => "")).trim();
    if (head === j.head) {
      await git(root, ["reset", "-q", "--", "clients", ".chart"]).catch(() => undefined);
      await git(root, ["checkout", "HEAD", "--", ".chart"]);
      await git(root, ["checkout", "HEAD", "--", "clients"]).catch(() => undefined); // none yet: nothing to restore
      for (const [fresh] of j.moves) await rm(fresh, { force: true });
    } else {
      await applyMoves(j.moves);
      // The change is this device's own: its pins follow it (as rekey does when not killed).
      const recipients = await readFile(join(root, ".chart", "recipients"), "utf8");
      await writePin(gitDir, recipientsHash(recipients));
      const signers = await readFile(join(root, SIGNERS_FILE), "utf8").catch(() => undefined);
      if (signers !== undefined) await writeSignersPin(gitDir, signersHash(signers));
    }
    await clearJournal(gitDir);
    return true;
  });
}
