/**
 * The network side of git (clone, fetch, push, remotes) through simple-git, whose progress
 * events and block timeout serve here; the local work stays on plain git (src/store/git.ts).
 * Every child gets the same clean environment and generic identity as local git, and a remote
 * that sends nothing for `timeoutMs` is killed.
 */
import { storageError, withCause } from "../domain/errors.js";
import { dirname } from "node:path";
import type { Env } from "./env.js";
import { AUTHOR } from "./git.js";

export interface Progress {
  (stage: string, percent: number): void;
}

export interface RemoteOptions {
  timeoutMs: number;
  progress?: Progress;
}

/** Default: a remote silent for this long is taken as hung. CHART_GIT_TIMEOUT (seconds) overrides. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export function timeoutFrom(env: Env): number {
  const s = Number(env.CHART_GIT_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : DEFAULT_TIMEOUT_MS;
}

function childEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "SSH_AUTH_SOCK", "CHART_GIT_TASK"]) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  return {
    ...out,
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    GIT_TERMINAL_PROMPT: "0",
  };
}

/**
 * Every network git carries a random token in its environment, which its children (ssh, a
 * remote helper, upload-pack) inherit. When simple-git kills a hung git, those children may live
 * on, holding chart's pipes open; they are found by the token (Linux /proc) and ended too.
 */
async function killTask(token: string): Promise<void> {
  const { readdir, readFile } = await import("node:fs/promises");
  const pids = await readdir("/proc").catch(() => [] as string[]);
  for (const pid of pids.filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    const environ = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
    if (environ.split("\0").includes(`CHART_GIT_TASK=${token}`)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

async function withTask<T>(env: Env, opts: RemoteOptions, fn: (g: Awaited<ReturnType<typeof client>>) => Promise<T>, baseDir: string): Promise<T> {
  const { randomBytes } = await import("node:crypto");
  const token = randomBytes(12).toString("hex");
  const g = await client(baseDir, { ...env, CHART_GIT_TASK: token }, opts);
  try {
    return await fn(g);
  } catch (e) {
    if (isTimeout(e)) await killTask(token);
    throw e;
  }
}

async function client(baseDir: string, env: Env, opts: RemoteOptions) {
  const { simpleGit } = await import("simple-git");
  const g = simpleGit({
    baseDir,
    timeout: { block: opts.timeoutMs },
    // A killed git may leave a child (ssh, a hung upload-pack) holding its pipes open: count the
    // task done when git itself exits.
    completion: { onClose: true, onExit: 50 },
    progress: opts.progress ? (e) => opts.progress?.(`${e.method} ${e.stage}`, e.progress) : undefined,
    config: [`user.name=${AUTHOR.name}`, `user.email=${AUTHOR.email}`],
    // simple-git strips or refuses GIT_* variables it is not told about; these are chart's own.
    allowEnvironment: Object.keys(childEnv(env)).filter((k) => k.startsWith("GIT_")),
  });
  return g.env(childEnv(env));
}

/** A one-line reason from a failed network git, never more than git's own first lines. */
function reason(e: unknown): string {
  const text = String((e as Partial<Error> | null | undefined)?.message ?? e);
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("hint:"));
  const fatal = lines.find((l) => /^(fatal|error|remote):/i.test(l)) ?? lines[0] ?? "";
  return fatal.slice(0, 200);
}

export function isTimeout(e: unknown): boolean {
  return /block timeout|timed out|timeout/i.test(String((e as Partial<Error> | null | undefined)?.message ?? e));
}

export function networkError(what: string, remote: string, e: unknown) {
  if (isTimeout(e)) {
    return storageError("E_GIT_TIMEOUT", `${what} ${remote}: the remote sent nothing for too long; nothing was changed here`, "check the network and the remote's address (git remote -v), or raise CHART_GIT_TIMEOUT (seconds), then run the same command again");
  }
  return storageError("E_GIT_NETWORK", `${what} ${remote} failed: ${reason(e)}`, "check the network and the remote's address (git remote -v), then run the same command again; nothing was changed here");
}

export async function fetchRemote(root: string, env: Env, remote: string, opts: RemoteOptions): Promise<void> {
  try {
    await withTask(env, opts, (g) => g.fetch([remote, `+refs/heads/*:refs/remotes/${remote}/*`, "--prune", "--no-tags"]), root);
  } catch (e) {
    throw withCause(networkError("fetch from", remote, e), e);
  }
}

export type PushOutcome = "pushed" | "rejected";

export async function pushRemote(root: string, env: Env, remote: string, branch: string, opts: RemoteOptions): Promise<PushOutcome> {
  try {
    await withTask(env, opts, (g) => g.push([remote, `HEAD:refs/heads/${branch}`, "--no-verify"]), root);
    return "pushed";
  } catch (e) {
    const text = String((e as Partial<Error> | null | undefined)?.message ?? e);
    if (/\[rejected\]|non-fast-forward|fetch first|failed to push some refs/i.test(text) && !isTimeout(e)) return "rejected";
    throw withCause(networkError("push to", remote, e), e);
  }
}

export async function cloneRemote(url: string, dir: string, env: Env, opts: RemoteOptions): Promise<void> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dirname(dir), { recursive: true });
  try {
    await withTask(env, opts, (g) => g.clone(url, dir, ["--no-checkout", "--origin", "origin"]), dirname(dir));
  } catch (e) {
    throw withCause(networkError("clone of", url, e), e);
  }
}

export async function listRemotes(root: string, env: Env): Promise<{ name: string; url: string }[]> {
  const g = await client(root, env, { timeoutMs: DEFAULT_TIMEOUT_MS });
  const rs = await g.getRemotes(true);
  return rs.map((r) => ({ name: r.name, url: r.refs.push || r.refs.fetch }));
}

export async function addRemote(root: string, env: Env, name: string, url: string): Promise<void> {
  const g = await client(root, env, { timeoutMs: DEFAULT_TIMEOUT_MS });
  try {
    await g.addRemote(name, url);
  } catch (e) {
    throw withCause(storageError("E_REMOTE_ADD", `could not add remote ${name}: ${reason(e)}`, "see git remote -v"), e);
  }
}
