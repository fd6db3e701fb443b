/**
 * git's own .git/index.lock: held while a git process changes the index. A git that was killed
 * leaves it behind, and every later git command fails. It is stale when no git process is
 * working in this repository (Linux: /proc; elsewhere: untouched for ten minutes).
 */
import { readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { join, sep } from "node:path";

export type IndexLockState = "none" | "held" | "stale";

const STALE_AFTER_MS = 10 * 60_000;

async function gitRunningIn(root: string): Promise<boolean | undefined> {
  let pids: string[];
  try {
    pids = (await readdir("/proc")).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined; // no /proc: cannot tell
  }
  for (const pid of pids) {
    const comm = (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim();
    if (!comm.startsWith("git")) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd === undefined) return true; // a git we cannot inspect: assume it is ours
    if (cwd === root || cwd.startsWith(root + sep) || root.startsWith(cwd + sep)) return true;
  }
  return false;
}

export async function staleIndexLock(root: string, gitDir: string): Promise<IndexLockState> {
  const path = join(gitDir, "index.lock");
  const st = await stat(path).catch(() => undefined);
  if (!st) return "none";
  const running = await gitRunningIn(root);
  if (running === undefined) return Date.now() - st.mtimeMs > STALE_AFTER_MS ? "stale" : "held";
  return running ? "held" : "stale";
}

/** Remove the lock if it is stale; true when it was removed. */
export async function clearStaleIndexLock(root: string, gitDir: string): Promise<boolean> {
  if ((await staleIndexLock(root, gitDir)) !== "stale") return false;
  await rm(join(gitDir, "index.lock"), { force: true });
  return true;
}
