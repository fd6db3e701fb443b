/**
 * Where an export goes (docs/export.md): a file (jsonl, json) or a folder (md, pdf, fhir, csv).
 * A plaintext export inside the chart repository is refused (it would sit next to the
 * encrypted records, one `git add` away from being committed). Files are written under
 * temporary names next to their target, synced, then renamed into place; a failure removes
 * every temporary file, so nothing half-written is ever left.
 */
import { inside, realish } from "./paths.js";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ChartError, conflict, invalid, storageError, usageError } from "../domain/errors.js";
import { encryptFor } from "../store/age.js";
import { eachLimit, mapLimit } from "../store/pool.js";

export interface ExportFile {
  name: string; // relative to the output folder ("a/b.md"), or the file's own name
  data: Uint8Array;
}

export interface ExportTarget {
  path: string; // absolute
  kind: "file" | "folder";
  replace: boolean;
}


/** Check --out before anything is read: inside the repository, wrong kind, already there. */
export async function checkExportTarget(
  cwd: string,
  out: string,
  kind: "file" | "folder",
  o: { chart: { root: string; gitDir: string }; encrypted: boolean; replace: boolean },
): Promise<ExportTarget> {
  if (out.trim() === "") throw usageError("E_EXPORT_OUT", "--out is empty", "name a file or folder outside the chart repository");
  const path = resolve(cwd, out);
  const real = await realish(path);
  if (!o.encrypted) {
    for (const p of [o.chart.root, o.chart.gitDir]) {
      if (inside(real, await realish(p))) {
        throw invalid("E_EXPORT_INSIDE_REPO", "a plaintext export inside the chart repository is refused", "write it outside the repository (e.g. --out ~/exports/...), or encrypt it (--encrypt-to, --passphrase)");
      }
    }
  }
  const st = await lstat(path).catch(() => undefined);
  if (kind === "file") {
    if (st?.isDirectory()) throw usageError("E_EXPORT_OUT", `${out} is a folder; --format jsonl and json write one file`, "name a file, e.g. --out export.jsonl");
    if (st && !o.replace) throw conflict("E_EXPORT_EXISTS", `${out} already exists; nothing was written`, "pass --yes to replace it, or name another file");
  } else if (st) {
    if (!st.isDirectory()) throw usageError("E_EXPORT_OUT", `${out} exists and is not a folder`, "name a folder for the export");
    const entries = await readdir(path);
    if (entries.length && !o.replace) throw conflict("E_EXPORT_EXISTS", `${out} is not empty; nothing was written`, "name a new or empty folder, or pass --yes to replace files of the same names");
  }
  const parent = await lstat(dirname(path)).catch(() => undefined);
  if (!parent?.isDirectory()) throw storageError("E_EXPORT_OUT_PARENT", `the folder for ${out} does not exist`, "create it first, or name another path");
  return { path, kind, replace: o.replace };
}

const writeErr = (path: string, e: unknown): ChartError =>
  e instanceof ChartError ? e : storageError("E_EXPORT_WRITE", `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}; nothing was written`, "check the path, free space and permissions");

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const fh = await open(path, "wx", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Encrypt (when asked) and write the files; returns the paths written. A file target takes the
 * one file; a folder target takes them all under their relative names (.age added when
 * encrypted).
 */
export async function writeExport(target: ExportTarget, files: readonly ExportFile[], encryption?: { recipients: string[] } | { passphrase: string }): Promise<string[]> {
  // A passphrase costs one scrypt per file: two at a time.
  const ready = encryption ? await mapLimit(files, async (f) => ({ name: `${f.name}.age`, data: await encryptFor(f.data, encryption) }), 2) : files;
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  if (target.kind === "file") {
    const f = ready[0];
    if (!f) return [];
    const tmp = join(dirname(target.path), `.${basename(target.path)}.tmp-${tag}`);
    try {
      await writeSynced(tmp, f.data);
      await rename(tmp, target.path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw writeErr(target.path, e);
    }
    return [target.path];
  }
  // A folder: everything goes into a staging folder beside the target first.
  const stage = join(dirname(target.path), `.${basename(target.path)}.tmp-${tag}`);
  try {
    await mkdir(stage, { mode: 0o700 });
    const dirs = [...new Set(ready.map((f) => dirname(f.name)).filter((d) => d !== "."))];
    await eachLimit(dirs, (d) => mkdir(join(stage, d), { recursive: true, mode: 0o700 }));
    await eachLimit(ready, (f) => writeSynced(join(stage, f.name), f.data));
    const exists = await lstat(target.path).catch(() => undefined);
    if (!exists || (await readdir(target.path)).length === 0) {
      if (exists) await rmdir(target.path);
      await rename(stage, target.path);
    } else {
      // --yes into a folder that has files: move ours in one by one, replacing same names.
      await eachLimit(dirs, (d) => mkdir(join(target.path, d), { recursive: true, mode: 0o700 }));
      await eachLimit(ready, (f) => rename(join(stage, f.name), join(target.path, f.name)));
      await rm(stage, { recursive: true, force: true });
    }
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw writeErr(target.path, e);
  }
  return ready.map((f) => join(target.path, f.name));
}
