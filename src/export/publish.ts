/**
 * Publishing a share bundle so that nothing is visible until it is complete. The files are
 * written into a hidden staging folder beside the destination (same parent, so the same file
 * system), synced, and the folder is renamed onto the destination in one step: the destination
 * is absent, or holds the whole bundle. A destination that already holds anything is refused
 * unless the caller replaces it entirely (--force): the old folder is renamed aside, the new one
 * into place, and the old one removed. Staging and set-aside folders left by a killed run are
 * found through the local journal (src/store/pending-shares.ts) and removed by the next command.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ChartError, conflict, storageError } from "../domain/errors.js";
import type { BundleFile } from "./bundle.js";

export const STAGING_PREFIX = ".chart-share-";

export interface Plan {
  dest: string;
  /** Hidden folder the files are written to, beside dest. */
  staging: string;
  /** Where an existing dest is set aside while it is replaced (--force). */
  aside: string;
}

export function planPublish(dest: string, tag = `${process.pid}-${randomBytes(6).toString("hex")}`): Plan {
  const parent = dirname(dest);
  const name = basename(dest);
  return { dest, staging: join(parent, `${STAGING_PREFIX}${tag}.new-${name}`), aside: join(parent, `${STAGING_PREFIX}${tag}.old-${name}`) };
}

/** What is in the destination now: absent, an empty folder, or the names it holds. */
export async function destinationState(dest: string): Promise<{ exists: boolean; entries: string[] }> {
  const st = await lstat(dest).catch(() => undefined);
  if (!st) return { exists: false, entries: [] };
  return { exists: true, entries: (await readdir(dest).catch(() => [] as string[])).sort() };
}

async function syncPath(p: string): Promise<void> {
  const fh = await open(p, "r").catch(() => undefined);
  await fh?.sync().catch(() => undefined);
  await fh?.close();
}

const fsError = (what: string, e: unknown): ChartError =>
  e instanceof ChartError ? e : storageError("E_SHARE_WRITE", `cannot ${what}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, "check the path, free space and permissions");

/** Write every file into the staging folder (0700, files 0600), synced. */
export async function stage(plan: Plan, files: readonly BundleFile[]): Promise<void> {
  try {
    await mkdir(dirname(plan.dest), { recursive: true, mode: 0o700 });
    await mkdir(plan.staging, { mode: 0o700 });
    for (const f of files) {
      const fh = await open(join(plan.staging, f.name), "wx", 0o600);
      try {
        await fh.writeFile(f.data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await syncPath(plan.staging);
  } catch (e) {
    await rm(plan.staging, { recursive: true, force: true });
    throw fsError(`write the bundle beside ${plan.dest}`, e);
  }
}

/**
 * Put the staged folder in place of dest in one rename. An existing dest is replaced only when
 * `replace` (and only then set aside and removed); an empty one is replaced by the rename itself.
 */
export async function publish(plan: Plan, replace: boolean): Promise<void> {
  const now = await destinationState(plan.dest);
  try {
    if (now.exists && now.entries.length > 0) {
      if (!replace) throw conflict("E_SHARE_EXISTS", `${plan.dest} is no longer empty; nothing was published`, "run the share again");
      await rename(plan.dest, plan.aside);
    }
    // rename(2) onto an empty folder replaces it; onto nothing creates it: either way one step.
    await rename(plan.staging, plan.dest);
    await syncPath(dirname(plan.dest));
  } catch (e) {
    throw fsError(`publish the bundle to ${plan.dest}`, e);
  }
  await rm(plan.aside, { recursive: true, force: true });
}

/** Remove a staging or set-aside folder (a failed or killed run). */
export async function discard(plan: Plan): Promise<void> {
  await rm(plan.staging, { recursive: true, force: true });
  await rm(plan.aside, { recursive: true, force: true });
}
