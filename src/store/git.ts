/**
 * Git as a plain child process. Commits carry a fixed, generic author and message; only paths
 * chart produced are ever passed, never user input as option arguments. (simple-git was tried
 * first: it waits an extra 50 ms after every git command that prints nothing, such as `git add`
 * and `git commit --quiet`, which tripled the git time of a write; plain git costs git's own
 * ~15 ms.)
 */
import { execFile } from "node:child_process";
import { storageError, withCause } from "../domain/errors.js";
import type { Env } from "./env.js";

export const AUTHOR = { name: "chart", email: "chart@localhost" };

export interface Git {
  /** Run git with these arguments in the chart; resolves with its standard output. */
  raw(args: readonly string[], input?: string): Promise<string>;
  /** The same, standard output as bytes (blobs of encrypted files). */
  bytes(args: readonly string[]): Promise<Buffer>;
}

export function openGit(root: string, env: Env): Git {
  const childEnv = {
    ...gitEnv(env),
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    GIT_TERMINAL_PROMPT: "0",
  };
  const prefix = ["-c", `user.name=${AUTHOR.name}`, "-c", `user.email=${AUTHOR.email}`, "-c", "core.quotePath=false"];
  return {
    raw: (args, input) =>
      new Promise((resolve, reject) => {
        const child = execFile("git", [...prefix, ...args], { cwd: root, env: childEnv, maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
          if (err) reject(new Error(String(stderr).trim() || err.message));
          else resolve(String(stdout));
        });
        // Paths on standard input (update-index --stdin) rather than as pathspecs: git matches
        // every file against every pathspec, which is quadratic for a large import.
        if (input !== undefined) child.stdin?.end(input);
      }),
    bytes: (args) =>
      new Promise((resolve, reject) =>
        execFile("git", [...prefix, ...args], { cwd: root, env: childEnv, maxBuffer: 1 << 28, encoding: "buffer" }, (err, stdout, stderr) => {
          if (err) reject(new Error(String(stderr).trim() || err.message));
          else resolve(stdout);
        }),
      ),
  };
}

/** The parts of the environment git needs (PATH, HOME, locale), without editor hooks. */
function gitEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "SSH_AUTH_SOCK"]) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export async function gitOr<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    const first = String((e as Error).message ?? e).split("\n").find((l) => l.trim() !== "") ?? "";
    if (/index\.lock': File exists/.test(String((e as Error).message ?? e))) {
      throw withCause(
        storageError("E_INDEX_LOCK", `git ${what} failed: git's lock file .git/index.lock exists (left by a git that was killed, or a git still running)`, "if no git is running in this chart, run chart fsck --repair to remove it"),
        e,
      );
    }
    throw storageError("E_GIT", `git ${what} failed: ${first.slice(0, 200)}`, "check `git status` in the chart repository");
  }
}

/** Stage exactly these paths (added, changed or removed) and commit them. */
export async function commitPaths(git: Git, paths: readonly string[], message: string): Promise<void> {
  if (paths.length === 0) return;
  await retryIndexLock(() => gitOr("add", () => git.raw(["add", "--all", "--", ...paths])));
  await retryIndexLock(() =>
    gitOr("commit", () => git.raw(["commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message, "--", ...paths])),
  );
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
      if (attempt >= 20 || !String((e as Error).message).includes("index.lock")) throw e;
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
  await retryIndexLock(() => gitOr("commit", () => git.raw(["commit", "--quiet", "--no-verify", "--no-gpg-sign", "--no-edit", "-m", message])));
}
