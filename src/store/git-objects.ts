/**
 * Reading git objects in bulk (one `git cat-file --batch` for any number of objects) and the
 * cheap native reads chart needs on every command: where HEAD points, and a blob's object id.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Git } from "./git.js";

export interface GitObject {
  oid: string;
  type: string;
  data: Buffer;
}

/** Many `<rev>` or `<rev>:<path>` requests in one git process; a missing one maps to undefined. */
export async function catFileBatch(git: Git, requests: readonly string[]): Promise<Map<string, GitObject | undefined>> {
  const out = new Map<string, GitObject | undefined>();
  if (requests.length === 0) return out;
  const unique = [...new Set(requests)];
  // One request per line: a name with a line break would shift every answer after it.
  if (unique.some((r) => /[\r\n]/.test(r))) throw new Error("a git object name with a line break");
  const buf = await rawBuffer(git, ["cat-file", "--batch"], `${unique.join("\n")}\n`);
  let off = 0;
  for (const req of unique) {
    const nl = buf.indexOf(10, off);
    if (nl < 0) break;
    const header = buf.subarray(off, nl).toString("utf8");
    off = nl + 1;
    const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.set(req, undefined); // "<req> missing" or "ambiguous"
      continue;
    }
    const size = Number(m[3]);
    out.set(req, { oid: m[1] as string, type: m[2] as string, data: Buffer.from(buf.subarray(off, off + size)) });
    off += size + 1;
  }
  return out;
}

const rawBuffer = (git: Git, args: string[], input: string): Promise<Buffer> => git.rawBuffer(args, { input });

/** git's object id of a blob with this content (SHA-1, or SHA-256 in a sha256 repository). */
/** The object id of each `<rev>` or `<rev>:<path>` (one `git cat-file --batch-check`); missing: undefined. */
export async function catFileOids(git: Git, requests: readonly string[]): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  if (requests.length === 0) return out;
  const unique = [...new Set(requests)];
  if (unique.some((r) => /[\r\n]/.test(r))) throw new Error("a git object name with a line break");
  const lines = (await rawBuffer(git, ["cat-file", "--batch-check=%(objectname)"], `${unique.join("\n")}\n`)).toString("utf8").split("\n");
  unique.forEach((req, i) => {
    const line = lines[i] ?? "";
    out.set(req, /^[0-9a-f]{40,64}$/.test(line) ? line : undefined); // "<req> missing" or "ambiguous"
  });
  return out;
}

export function blobOid(data: Uint8Array, algo: "sha1" | "sha256" = "sha1"): string {
  return createHash(algo).update(`blob ${data.length}\0`).update(data).digest("hex");
}

/** The commit HEAD points at, read from the files (no git process); undefined: none yet or unknown. */
export async function readHeadNative(gitDir: string): Promise<string | undefined> {
  const head = (await readFile(join(gitDir, "HEAD"), "utf8").catch(() => "")).trim();
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const m = /^ref: (refs\/\S+)$/.exec(head);
  if (!m) return undefined;
  const ref = m[1] as string;
  const common = (await readFile(join(gitDir, "commondir"), "utf8").catch(() => "")).trim();
  const dirs = common ? [gitDir, join(gitDir, common)] : [gitDir];
  for (const d of dirs) {
    const v = (await readFile(join(d, ref), "utf8").catch(() => "")).trim();
    if (/^[0-9a-f]{40,64}$/.test(v)) return v;
  }
  for (const d of dirs) {
    const packed = await readFile(join(d, "packed-refs"), "utf8").catch(() => "");
    for (const line of packed.split("\n")) {
      const [oid, name] = line.split(" ");
      if (name === ref && oid && /^[0-9a-f]{40,64}$/.test(oid)) return oid;
    }
  }
  return undefined;
}
