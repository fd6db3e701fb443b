/**
 * Git as a plain child process. Commits carry a fixed, generic author and message; only paths
 * chart produced are ever passed, never user input as option arguments. (simple-git was tried
 * first: it waits an extra 50 ms after every git command that prints nothing, such as `git add`
 * and `git commit --quiet`, which tripled the git time of a write; plain git costs git's own
 * ~15 ms.)
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChartError, storageError, withCause } from "../domain/errors.js";
import type { Env } from "./env.js";
import { signCommitText } from "./signed-commit.js";
import type { SigningKey } from "./sshsig.js";

export const AUTHOR = { name: "chart", email: "chart@localhost" };

export interface Git {
  /** Run git with these arguments in the chart; resolves with its standard output. */
  raw(args: readonly string[], opts?: { input?: string | Buffer; env?: Record<string, string>; optionalLocks?: boolean }): Promise<string>;
  /** The same, with standard output as bytes (object contents). */
  rawBuffer(args: readonly string[], opts?: { input?: string | Buffer }): Promise<Buffer>;
  /** This device's signing key: every commit chart makes is signed with it (see commitTree). */
  signer?: SigningKey;
  /** Called after chart moved HEAD from `parent` to `commit` (the verified-commit bookkeeping). */
  afterCommit?: (commit: string, parent: string | undefined, paths: readonly string[]) => Promise<void>;
}

/**
 * From this size of git's index (bytes) on, chart's git commands keep it split (core.splitIndex):
 * a shared part written now and then, and a small part with what changed since, so that staging
 * one file (git add, write-tree) writes kilobytes instead of the whole index: 10 MB at 70,000
 * files, written twice by every commit (docs/decisions.md, "The index split"). A smaller index is
 * left as it is: git writes a new shared part once the changes exceed a fifth of it, and keeps
 * each old one for two weeks, which a small chart would fill with copies.
 */
export const SPLIT_INDEX_BYTES = 1 << 20;

/** The option for git's index at `file`: keep it split once it is large (an index already split is small and stays split). */
export function splitIndexOption(file: string, at: number = SPLIT_INDEX_BYTES): string[] {
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return size >= at ? ["-c", "core.splitIndex=true"] : [];
}

export function openGit(root: string, env: Env, signer?: SigningKey, opts: { splitIndexAt?: number } = {}): Git {
  const splitAt = opts.splitIndexAt ?? SPLIT_INDEX_BYTES;
  const childEnv = {
    ...gitEnv(env),
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    GIT_TERMINAL_PROMPT: "0",
  };
  // --no-optional-locks: reading commands (status) never take the index lock to refresh it, so a
  // check works on a full or read-only disk and never blocks a writer. The one exception
  // (`optionalLocks`) is a writer storing git's untracked cache under the writer lock
  // (storeUntrackedCache, src/store/worktree.ts).
  const common = ["-c", `user.name=${AUTHOR.name}`, "-c", `user.email=${AUTHOR.email}`, "-c", "core.quotePath=false"];
  const prefix = ["--no-optional-locks", ...common];
  const indexOpts = (env: Record<string, string> | undefined): string[] =>
    // A private index (GIT_INDEX_FILE, commitStaged) is never split: its shared part would be
    // left in the git directory.
    env?.GIT_INDEX_FILE !== undefined ? ["-c", "core.splitIndex=false"] : splitIndexOption(join(root, ".git", "index"), splitAt);
  return {
    signer,
    rawBuffer: (args, opts = {}) =>
      new Promise((resolve, reject) => {
        const child = execFile("git", [...prefix, ...indexOpts(undefined), ...args], { cwd: root, env: childEnv, maxBuffer: 1 << 30, encoding: "buffer" }, (err, stdout, stderr) => {
          if (err) reject(gitFailure(args, String(stderr), err));
          else resolve(stdout);
        });
        if (opts.input !== undefined) child.stdin?.end(opts.input);
      }),
    raw: (args, opts = {}) =>
      new Promise((resolve, reject) => {
        const child = execFile(
          "git",
          [...(opts.optionalLocks ? common : prefix), ...indexOpts(opts.env), ...args],
          { cwd: root, env: opts.env ? { ...childEnv, ...opts.env } : childEnv, maxBuffer: 1 << 28 },
          (err, stdout, stderr) => {
            if (err) reject(gitFailure(args, stderr, err));
            else resolve(stdout);
          },
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
      }),
  };
}

/** The parts of the environment git needs (PATH, HOME, locale), without editor hooks. */
export function gitEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "SSH_AUTH_SOCK"]) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * A git child that failed: a storage error (exit 7) naming the git command and git's first line,
 * with git's whole message and the process error as its cause, so no caller can let a raw git
 * failure through as an "internal error" (a full disk, a read-only file system).
 */
function gitFailure(args: readonly string[], stderr: string, err: Error): ChartError {
  const what = args.find((a) => !a.startsWith("-") && !a.includes("=")) ?? "";
  const first = stderr.split("\n").find((l) => l.trim() !== "") ?? err.message;
  return withCause(storageError("E_GIT", `git ${what} failed: ${first.trim().slice(0, 200)}`, "check `git status` in the chart repository"), new Error(stderr.trim() || err.message, { cause: err }));
}

export async function gitOr<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    const first = String((e as Partial<Error>).message ?? e).split("\n").find((l) => l.trim() !== "") ?? "";
    if (/index\.lock': File exists/.test(String((e as Partial<Error>).message ?? e))) {
      throw withCause(
        storageError("E_INDEX_LOCK", `git ${what} failed: git's lock file .git/index.lock exists (left by a git that was killed, or a git still running)`, "if no git is running in this chart, run chart fsck --repair to remove it"),
        e,
      );
    }
    throw storageError("E_GIT", `git ${what} failed: ${first.slice(0, 200)}`, "check `git status` in the chart repository");
  }
}

/**
 * Stage exactly these paths (added, changed or removed) and commit them, signed. `at` dates the
 * commit (default: now); a key change passes the moment written into allowed_signers.
 */
export async function commitPaths(git: Git, paths: readonly string[], message: string, at?: Date): Promise<void> {
  if (paths.length === 0) return;
  await retryIndexLock(() => gitOr("add", () => git.raw(["add", "--all", "--", ...paths])));
  await commitStaged(git, message, paths, { at });
}

const ZERO = "0".repeat(40);

/** The commit HEAD points at, or undefined in a repository with no commit yet. */
export async function headCommit(git: Git): Promise<string | undefined> {
  const out = await git.raw(["rev-parse", "-q", "--verify", "HEAD^{commit}"]).catch(() => "");
  return out.trim() || undefined;
}

/**
 * Write a signed commit object (tree, parents, message) and return its id. The ONE place chart
 * makes a commit: everyday writes, import, recovery, key changes, fsck, and merges (several
 * parents) all come here. git's commit format with an SSH signature in the `gpgsig` header, so
 * stock `git verify-commit` checks it (docs/verifiable-history.md).
 */
export async function commitTree(git: Git, opts: { tree: string; parents: readonly string[]; message: string; now?: Date }): Promise<string> {
  if (!git.signer) throw storageError("E_NO_SIGNING_KEY", "no signing key: chart signs every commit it makes", "run chart init to create this device's keys");
  const text = await signCommitText(git.signer, { ...opts, name: AUTHOR.name, email: AUTHOR.email, now: opts.now ?? new Date() });
  return (await gitOr("hash-object", () => git.raw(["hash-object", "-t", "commit", "-w", "--stdin"], { input: text }))).trim();
}

/** Move HEAD's branch from `old` (undefined: none yet) to `next`, refusing if it moved meanwhile. */
export async function advanceHead(git: Git, next: string, old: string | undefined, message: string): Promise<void> {
  await gitOr("update-ref", () => git.raw(["update-ref", "-m", message, "HEAD", next, old ?? ZERO]));
}

/**
 * Commit what is staged for `paths` as a signed commit on HEAD. Anything else the user staged is
 * left out of the commit and stays staged (like `git commit -- PATHS`). No change: no commit.
 * Many paths (an import) come through a NUL-separated pathspec file instead of arguments;
 * `at` dates the commit (default: now; see commitPaths).
 */
export async function commitStaged(
  git: Git,
  message: string,
  paths: readonly string[],
  opts: { pathspecFile?: string | undefined; at?: Date | undefined } = {},
): Promise<string | undefined> {
  const { pathspecFile, at } = opts;
  const parent = await headCommit(git);
  const staged = (await git.raw(["diff", "--cached", "--name-only", "-z", ...(parent ? ["HEAD"] : [])]).catch(() => "")).split("\0").filter((l) => l !== "");
  const mine = new Set(paths.map((p) => p.replace(/\/$/, "")));
  const ours = (p: string): boolean => {
    for (let q = p; q !== ""; q = q.includes("/") ? q.slice(0, q.lastIndexOf("/")) : "") if (mine.has(q)) return true;
    return false;
  };
  let tree: string;
  let changed: boolean | undefined; // known without comparing trees when only our paths are staged
  if (staged.every(ours)) {
    // What is staged is what differs from HEAD: nothing staged, nothing to commit.
    if (parent && staged.length === 0) return undefined;
    changed = parent ? true : undefined;
    tree = (await retryIndexLock(() => gitOr("write-tree", () => git.raw(["write-tree"])))).trim();
  } else {
    // Other changes are staged: build the tree in a private index from HEAD plus our paths.
    const dir = await mkdtemp(join(tmpdir(), "chart-index-"));
    const env = { GIT_INDEX_FILE: join(dir, "index") };
    try {
      if (parent) await gitOr("read-tree", () => git.raw(["read-tree", parent], { env }));
      const spec = pathspecFile ? ["--pathspec-from-file", pathspecFile, "--pathspec-file-nul"] : ["--", ...paths];
      await gitOr("add", () => git.raw(["add", "--all", ...spec], { env }));
      tree = (await gitOr("write-tree", () => git.raw(["write-tree"], { env }))).trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (parent && changed === undefined) {
    const parentTree = (await git.raw(["rev-parse", `${parent}^{tree}`])).trim();
    if (parentTree === tree) return undefined;
  }
  const commit = await commitTree(git, { tree, parents: parent ? [parent] : [], message, ...(at ? { now: at } : {}) });
  await advanceHead(git, commit, parent, message);
  await git.afterCommit?.(commit, parent, paths);
  return commit;
}

/**
 * git's own index.lock can be held for a moment by a git process a killed chart left running,
 * or by the user's git: wait for it briefly rather than fail.
 */
export async function retryIndexLock<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await op();
    } catch (e) {
      if (attempt >= 20 || !String((e as Partial<Error>).message).includes("index.lock")) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Commit a merge git left staged (MERGE_HEAD present, every conflict resolved by chart): the
 * merge commit carries the same fixed, generic author and committer as every chart commit,
 * whatever user.name the machine's git config holds. The one place merge commits are made.
 */
export async function commitMerge(git: Git, message: string): Promise<void> {
  // A signed commit like every other (commitTree), with both parents. The anchor of verified
  // history is not moved: the commits merged in are verified by the next command like any
  // that arrived (docs/verifiable-history.md).
  const parent = await headCommit(git);
  const theirs = (await gitOr("rev-parse", () => git.raw(["rev-parse", "--verify", "MERGE_HEAD"]))).trim();
  const tree = (await retryIndexLock(() => gitOr("write-tree", () => git.raw(["write-tree"])))).trim();
  const commit = await commitTree(git, { tree, parents: parent ? [parent, theirs] : [theirs], message });
  await advanceHead(git, commit, parent, message);
  await gitOr("merge", () => git.raw(["merge", "--quit"])); // the merge is recorded: forget MERGE_HEAD
}
