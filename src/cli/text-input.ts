/** Where a note's text comes from: -m TEXT, -F FILE, -F - (stdin), or the editor. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { usageError, notFound } from "../domain/errors.js";
import type { Deps } from "./deps.js";
import { assertCanEdit, editText } from "./editor.js";

export async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export interface TextSource {
  message?: string[] | string;
  file?: string;
}

/**
 * The text given by flags, or undefined when the editor should be opened.
 * Several -m flags join as paragraphs, like git commit.
 */
export async function textFromFlags(deps: Deps, src: TextSource): Promise<string | undefined> {
  const m = src.message;
  if (m !== undefined && src.file !== undefined) throw usageError("E_USAGE", "-m and -F cannot be combined", "choose one source for the text");
  if (m !== undefined) return Array.isArray(m) ? m.join("\n\n") : m;
  if (src.file === "-") return readStream(deps.stdin);
  if (src.file !== undefined) {
    try {
      return await readFile(resolve(deps.cwd, src.file), "utf8");
    } catch {
      throw notFound("E_NO_FILE", `cannot read ${src.file}`, "check the path");
    }
  }
  return undefined;
}

/**
 * The text from the flags, else from the editor. Without a terminal and without an editor the
 * user named ($VISUAL/$EDITOR), this fails at once (cron, scripts): no vi started blind.
 * `preflight` runs before the editor opens: everything that could refuse the write afterwards
 * (the lock, the recipients pin, the identity) is checked while nothing has been typed yet.
 */
export async function textFromFlagsOrEditor(
  deps: Deps,
  src: TextSource,
  initial: string,
  preflight?: () => Promise<void>,
): Promise<{ text: string; edited: boolean }> {
  const t = await textFromFlags(deps, src);
  if (t !== undefined) return { text: t, edited: false };
  assertCanEdit(deps);
  if (preflight) await preflight();
  return { text: await editText(deps, initial), edited: true };
}
