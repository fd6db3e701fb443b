/** A lock file in .git/ serialises writers; concurrent runs wait, then fail clearly. */
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { conflict } from "../domain/errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function withLock<T>(gitDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const path = join(gitDir, "chart.lock");
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    try {
      const fh = await open(path, "wx", 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
        await rm(path, { force: true });
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
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
