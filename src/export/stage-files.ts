/**
 * A few plaintext files written into a folder the user named (a superbill, an accounting
 * report), all or nothing: each is written under a hidden temporary name, synced, then renamed
 * into place. Unlike a share bundle (src/export/publish.ts), the folder may hold other files:
 * only these names are written.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, rename, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { ChartError, storageError } from "../domain/errors.js";
import type { BundleFile } from "./bundle.js";

/** Which of `names` already exist in `dir`. */
export async function existingFiles(dir: string, names: readonly string[]): Promise<string[]> {
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  return names.filter((n) => present.has(n));
}

export interface Staged {
  dir: string;
  /** Move the staged files to their names (overwriting), then sync the directory. */
  publish(): Promise<string[]>;
  /** Remove the staged files (and the directory when this staging created it). */
  abort(): Promise<void>;
}

/**
 * Write the files under temporary names in `dir` (created 0700 when missing), synced to disk,
 * so that publishing is a rename and a failure leaves no half bundle.
 */
export async function stageBundle(dir: string, files: readonly BundleFile[]): Promise<Staged> {
  let created = false;
  try {
    await lstat(dir);
  } catch {
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
      throw storageError("E_SHARE_WRITE", `cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, "check the path and its permissions");
    });
    created = true;
  }
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const temps: { tmp: string; path: string }[] = [];
  const abort = async () => {
    for (const t of temps) await rm(t.tmp, { force: true });
    if (created) await rmdir(dir).catch(() => undefined);
  };
  try {
    for (const f of files) {
      const path = join(dir, f.name);
      const tmp = join(dir, `.${f.name}.tmp-${tag}`);
      temps.push({ tmp, path });
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(f.data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  } catch (e) {
    await abort();
    if (e instanceof ChartError) throw e;
    throw storageError("E_SHARE_WRITE", `cannot write the bundle to ${dir}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, "check free space and permissions");
  }
  return {
    dir,
    abort,
    async publish() {
      for (const t of temps) await rename(t.tmp, t.path);
      const fh = await open(dir, "r").catch(() => undefined);
      await fh?.sync().catch(() => undefined);
      await fh?.close();
      return temps.map((t) => t.path);
    },
  };
}
