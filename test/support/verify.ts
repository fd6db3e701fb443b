/**
 * Checks over a chart repository from the outside: every tracked file other than the plaintext
 * four opens with the stock `age -d -i IDENTITY`, and holds a valid envelope (id and client match
 * the path, the MAC verifies). Also a plaintext search over the working tree and every git object.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { parseEnvelope } from "../../src/store/envelope.js";

export const PLAINTEXT_FILES = [".chart/format", ".chart/recipients", ".chart/allowed_signers", ".gitattributes", ".gitignore"];
export const AGE = "/usr/bin/age";

export function git(repo: string, args: string[], input?: string): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8", input, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" }, maxBuffer: 256 * 1024 * 1024 });
}

export function ageDecrypt(file: string, identity: string): Buffer {
  const r = spawnSync(AGE, ["-d", "-i", identity, file], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`age -d failed for ${file}: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

export function macKeyOf(repo: string, identity: string): Uint8Array {
  const text = ageDecrypt(join(repo, ".chart", "macs.age"), identity).toString("utf8");
  const m = /^key: ([0-9a-f]{64})$/m.exec(text);
  if (!m) throw new Error("no MAC key in .chart/macs.age");
  return Buffer.from(m[1] as string, "hex");
}

/** Open every tracked file with stock age and check its envelope; returns the paths checked. */
export function verifyTrackedFiles(repo: string, identity: string): string[] {
  const tracked = git(repo, ["ls-files", "-z"]).split("\0").filter(Boolean);
  const key = macKeyOf(repo, identity);
  const checked: string[] = [];
  for (const path of tracked) {
    if (PLAINTEXT_FILES.includes(path)) continue;
    if (!path.endsWith(".age")) throw new Error(`tracked file is not an .age file: ${path}`);
    const plain = ageDecrypt(join(repo, path), identity).toString("utf8");
    if (path === ".chart/macs.age") {
      if (!/^kind: mac-key$/m.test(plain)) throw new Error("macs.age does not hold the MAC key");
    } else {
      parseEnvelope(plain, path, key); // throws on a bad envelope, a misplaced record or a bad MAC
    }
    checked.push(path);
  }
  return checked;
}

/** Every git object, inflated (loose objects) or unpacked, as one buffer per object. */
export function allGitObjects(repo: string): Buffer[] {
  const out = execFileSync("git", ["cat-file", "--batch-all-objects", "--batch"], { cwd: repo, maxBuffer: 512 * 1024 * 1024 });
  const objects: Buffer[] = [];
  let i = 0;
  while (i < out.length) {
    const nl = out.indexOf(0x0a, i);
    const header = out.subarray(i, nl).toString("utf8"); // "<sha> <type> <size>"
    const size = Number(header.split(" ")[2]);
    objects.push(out.subarray(nl + 1, nl + 1 + size));
    i = nl + 1 + size + 1;
  }
  return objects;
}

/** All files under dir (recursively), with their bytes; loose git objects are inflated too. */
export function allFiles(dir: string): { path: string; data: Buffer }[] {
  const out: { path: string; data: Buffer }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const data = readFileSync(p);
        out.push({ path: p, data });
        if (/\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(p)) {
          try {
            out.push({ path: `${p} (inflated)`, data: inflateSync(data) });
          } catch {
            /* not zlib */
          }
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** Where (if anywhere) each needle occurs, case-insensitively, in the given blobs. */
export function findNeedles(blobs: { path: string; data: Buffer }[], needles: readonly string[]): string[] {
  const hits: string[] = [];
  for (const b of blobs) {
    const hay = b.data.toString("latin1").toLowerCase();
    for (const n of needles) {
      const low = Buffer.from(n, "utf8").toString("latin1").toLowerCase();
      if (hay.includes(low)) hits.push(`${n} in ${b.path}`);
    }
  }
  return hits;
}

/**
 * After a kill: a git child of the killed run (`git add`, a commit already started) may still be
 * running. Wait until the repository stops changing and git's index lock is gone (up to 5 s;
 * then fail, or with `orThrow: false` go on and let the test's own checks judge).
 */
export async function settleRepo(repo: string, opts: { orThrow?: boolean } = {}): Promise<void> {
  const snap = () => `${existsSync(join(repo, ".git", "index.lock"))}|${git(repo, ["rev-list", "--count", "HEAD"])}|${git(repo, ["status", "--porcelain", "--untracked-files=all"])}`;
  let prev = snap();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = snap();
    if (now === prev && !now.startsWith("true")) return;
    prev = now;
  }
  if (opts.orThrow !== false) throw new Error("the repository did not settle after a kill");
}
