/**
 * A lock file in .git/ serialises writers; concurrent runs wait, then fail clearly.
 * The file holds the owner's pid, its start time (Linux) and a random token. A lock whose owner
 * is dead (or whose pid now belongs to another process) is taken over, and the caller is told
 * so: the dead writer may have left a complete record uncommitted.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { conflict } from "../domain/errors.js";
import { pidAlive } from "./pid.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


export interface LockInfo {
  /** A previous writer died holding the lock. */
  tookOverStale: boolean;
}

const read = (path: string) => readFile(path, "utf8").catch(() => "");

/** The start time of a process (Linux /proc), to tell a live writer from a reused pid. */
async function processStart(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** Is the writer named by a lock file's content gone (dead, or its pid reused)? */
export async function ownerGone(content: string): Promise<boolean> {
  const parts = content.trim().split(" ");
  const pid = Number(parts[0]);
  const start = parts.length === 3 ? parts[1] : undefined; // "pid start token"
  if (!Number.isInteger(pid) || pid <= 0) return false; // unreadable: never taken over by guess
  if (!pidAlive(pid)) return true;
  if (start === undefined || !/^\d+$/.test(start)) return false;
  const now = await processStart(pid); // undefined where there is no /proc: cannot tell
  return now !== undefined && now !== start;
}

export async function withLock<T>(gitDir: string, timeoutMs: number, fn: (info: LockInfo) => Promise<T>, name = "chart.lock"): Promise<T> {
  const path = join(gitDir, name);
  const token = randomBytes(8).toString("hex");
  const mine = `${process.pid} ${(await processStart(process.pid)) ?? "-"} ${token}\n`;
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  let tookOverStale = false;
  for (;;) {
    // The lock appears whole or not at all: written aside, then hard-linked into place (link
    // fails if the lock exists), so a writer killed at any moment never leaves an empty lock.
    const aside = `${path}.${token}`;
    try {
      await writeFile(aside, mine, { mode: 0o600, flag: "w" });
      await link(aside, path);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const seen = await read(path);
      if (await ownerGone(seen)) {
        // Remove it only if it is still the dead writer's lock, not a fresh one.
        if ((await read(path)) === seen) {
          await rm(path, { force: true });
          tookOverStale = true;
        }
        continue;
      }
      if (Date.now() > deadline) {
        throw conflict("E_LOCKED", "another chart command is writing to this chart", `wait and retry; if none is running, remove ${path}`);
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 200);
    } finally {
      await rm(aside, { force: true });
    }
  }
  try {
    return await fn({ tookOverStale });
  } finally {
    if ((await read(path)) === mine) await rm(path, { force: true });
  }
}

/** Is the lock held right now by a live writer? (A check before a long step, not a lock.) */
export async function lockHeld(gitDir: string): Promise<boolean> {
  const seen = await read(join(gitDir, "chart.lock"));
  return seen !== "" && !(await ownerGone(seen));
}
