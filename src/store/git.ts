/**
 * Git through simple-git, configured so that it returns when git closes its pipes rather than
 * waiting 50 ms after exit. Commits carry a fixed, generic author and message; only paths chart
 * produced are ever passed, never user input as option arguments.
 */
import type { SimpleGit } from "simple-git";
import { storageError } from "../domain/errors.js";
import type { Env } from "./env.js";

export const AUTHOR = { name: "chart", email: "chart@localhost" };

export async function openGit(root: string, env: Env): Promise<SimpleGit> {
  const { simpleGit } = await import("simple-git");
  return simpleGit({
    baseDir: root,
    binary: "git",
    maxConcurrentProcesses: 2,
    completion: { onClose: true, onExit: 0 },
    config: [
      `user.name=${AUTHOR.name}`,
      `user.email=${AUTHOR.email}`,
      "core.quotePath=false",
      "advice.detachedHead=false",
    ],
  }).env({
    ...gitEnv(env),
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
  });
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
    throw storageError("E_GIT", `git ${what} failed: ${first.slice(0, 200)}`, "check `git status` in the chart repository");
  }
}

/**
 * Stage exactly these paths (added, changed or removed) and commit them.
 * Both commands are asked to print (add --verbose, commit without --quiet): simple-git waits an
 * extra 50 ms after a git command that prints nothing, which would double a write's git time.
 */
export async function commitPaths(git: SimpleGit, paths: readonly string[], message: string): Promise<void> {
  if (paths.length === 0) return;
  await retryIndexLock(() => gitOr("add", () => git.raw(["add", "--all", "--verbose", "--", ...paths])));
  await retryIndexLock(() =>
    gitOr("commit", () => git.raw(["commit", "--no-verify", "--no-gpg-sign", "-m", message, "--", ...paths])),
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
