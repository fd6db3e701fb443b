/**
 * Starting and stopping the unlock agent from a command (docs/agent.md). The agent is a detached
 * process (its own session, no terminal, standard error ignored) that chart unlock hands the
 * passphrase to through a pipe; once it reports, the pipes are closed and it is let go, so it
 * keeps neither the terminal nor the command alive.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, unlink } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { errorFor, keyError, type ErrorCode } from "../domain/errors.js";
import { agentCall, agentStatus, type AgentInfo } from "./agent-client.js";
import { agentPaths, ensurePrivateDir } from "./agent-paths.js";
import type { AgentStartRequest } from "./agent-process.js";
import type { Env } from "./env.js";

export const DEFAULT_IDLE_MS = 15 * 60_000;
export const DEFAULT_LIFETIME_MS = 8 * 60 * 60_000;
/** setTimeout's limit is 2^31 - 1 ms (24.8 days): a week is the longest lifetime accepted. */
export const MAX_LIFETIME_MS = 7 * 24 * 60 * 60_000;

export interface StartResult {
  info: AgentInfo;
  /** An agent for this identity was already running (nothing was started). */
  already: boolean;
}

export async function startAgent(env: Env, identityPath: string, passphrase: string, opts: { idleMs: number; lifetimeMs: number }): Promise<StartResult> {
  const paths = agentPaths(env, identityPath);
  await ensurePrivateDir(paths.dir, true);
  const url = new URL("./agent.js", import.meta.url);
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) {
    throw keyError("E_AGENT_START", "the unlock agent's program is missing next to chart's bundle", "reinstall chart (or run npm run build)");
  }
  const child = spawn(process.execPath, [fileURLToPath(url)], { detached: true, stdio: ["pipe", "pipe", "ignore"], env: {}, cwd: "/" });
  const request: AgentStartRequest = { identityPath, paths, idleMs: opts.idleMs, lifetimeMs: opts.lifetimeMs, passphrase };
  child.stdin.on("error", () => undefined);
  child.stdin.end(`${JSON.stringify(request)}\n`);
  const line = await new Promise<string>((resolve) => {
    let buf = "";
    const timer = setTimeout(() => resolve(buf), 120_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (c: string) => {
      buf += c;
      if (buf.includes("\n")) {
        clearTimeout(timer);
        resolve(buf.slice(0, buf.indexOf("\n")));
      }
    });
    child.stdout.on("close", () => {
      clearTimeout(timer);
      resolve(buf);
    });
  });
  child.stdout.destroy();
  child.unref();
  let r: { ok?: boolean; already?: boolean; info?: AgentInfo; code?: string; message?: string; hint?: string };
  try {
    r = JSON.parse(line) as typeof r;
  } catch {
    throw keyError("E_AGENT_START", "the unlock agent did not start", "run chart unlock again (CHART_DEBUG=1 shows more)");
  }
  if (!r.ok || !r.info) {
    const code = (r.code ?? "E_AGENT_START") as ErrorCode;
    throw errorFor(code, r.message ?? "the unlock agent did not start", r.hint);
  }
  return { info: r.info, already: !!r.already };
}

/** The agent's state for this identity: running (its info), a stale socket, or none. */
export async function agentState(env: Env, identityPath: string): Promise<{ info?: AgentInfo; stale: boolean }> {
  const paths = agentPaths(env, identityPath);
  // Nothing is believed from a folder others could have put a socket in.
  if (!(await ensurePrivateDir(paths.dir, false).catch(() => false))) return { stale: false };
  const r = await agentCall(paths.socket, { op: "status" });
  if (r === "none") return { stale: false };
  if (r === "stale") return { stale: true };
  return { info: r.ok ? (r.info as AgentInfo) : undefined, stale: false };
}

/** Stop this identity's agent: its pid when one was running; a stale socket is removed. */
export async function stopAgent(env: Env, identityPath: string): Promise<number | undefined> {
  const paths = agentPaths(env, identityPath);
  if (!(await ensurePrivateDir(paths.dir, false))) return undefined;
  const info = await agentStatus(paths.socket);
  const r = await agentCall(paths.socket, { op: "stop" });
  if (r === "stale") await unlink(paths.socket).catch(() => undefined);
  if (typeof r !== "object") return undefined;
  for (let i = 0; i < 60 && (await lstat(paths.socket).then(() => true, () => false)); i += 1) await new Promise((res) => setTimeout(res, 50));
  return info?.pid;
}

/** Whether the identity is protected, and the agent's state if it is (chart status, key show). */
export async function protectionState(env: Env, identityPath: string): Promise<{ protected: boolean; agent?: AgentInfo }> {
  const { readIdentityFile, isProtectedText } = await import("./identity.js");
  const bytes = await readIdentityFile(identityPath).catch(() => undefined);
  if (!bytes || !isProtectedText(bytes.toString("utf8"))) return { protected: false };
  const { info } = await agentState(env, identityPath);
  return { protected: true, agent: info };
}
