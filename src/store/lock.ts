/**
 * A lock file in .git/ serialises writers; concurrent runs wait, then fail clearly.
 * The file holds the owner's pid and a random token. A lock whose owner is dead is taken over,
 * and the caller is told so: the dead writer may have left a complete record uncommitted.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { conflict } from "../domain/errors.js";
import { pidAlive } from "./pid.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


export interface LockInfo {
  /** A previous writer died holding the lock. */
  tookOverStale: boolean;
}

const read = (path: string) => readFile(path, "utf8").catch(() => "");

export async function withLock<T>(gitDir: string, timeoutMs: number, fn: (info: LockInfo) => Promise<T>): Promise<T> {
  const path = join(gitDir, "chart.lock");
  const mine = `${process.pid} ${randomBytes(8).toString("hex")}\n`;
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  let tookOverStale = false;
  for (;;) {
    try {
      const fh = await open(path, "wx", 0o600);
      await fh.writeFile(mine);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const seen = await read(path);
      const pid = Number(seen.split(" ")[0]);
      if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
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
    }
  }
  try {
    return await fn({ tookOverStale });
  } finally {
    if ((await read(path)) === mine) await rm(path, { force: true });
  }
}
