/**
 * Where the unlock agent listens (docs/agent.md): a private folder for this user,
 * $XDG_RUNTIME_DIR/chart, else $TMPDIR/chart-UID (else /tmp/chart-UID), mode 0700 and owned by
 * this user (a folder another user made, or that others can enter, is refused), with one socket
 * per identity file in it.
 */
import { createHash } from "node:crypto";
import { chmod, lstat, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { keyError } from "../domain/errors.js";
import type { Env } from "./env.js";

export interface AgentPaths {
  dir: string;
  socket: string;
  /** Held while an agent checks for another and starts listening (two unlocks at once). */
  lock: string;
}

/** A Unix socket's path must fit sockaddr_un (108 bytes on Linux, 104 on macOS). */
const SOCKET_PATH_MAX = 100;

const uid = (): number => (typeof process.getuid === "function" ? process.getuid() : 0);

export function agentPaths(env: Env, identityPath: string): AgentPaths {
  const name = `agent-${createHash("sha256").update(resolve(identityPath)).digest("hex").slice(0, 16)}`;
  const candidates = [
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "chart")] : []),
    join(env.TMPDIR || "/tmp", `chart-${uid()}`),
    join("/tmp", `chart-${uid()}`),
  ];
  const dir = candidates.find((d) => Buffer.byteLength(join(d, `${name}.sock`)) <= SOCKET_PATH_MAX) ?? join("/tmp", `chart-${uid()}`);
  return { dir, socket: join(dir, `${name}.sock`), lock: join(dir, `${name}.lock`) };
}

/** Check the folder is private to this user (creating it 0700 when missing). */
export async function ensurePrivateDir(dir: string, create: boolean): Promise<boolean> {
  const made = create ? await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined) : undefined;
  let st;
  try {
    st = await lstat(dir);
  } catch {
    if (create) throw keyError("E_AGENT_DIR", `the agent's folder ${dir} cannot be created`, "check the permissions of its parent folder (or set XDG_RUNTIME_DIR)");
    return false;
  }
  if (!st.isDirectory()) throw keyError("E_AGENT_DIR", `the agent's folder ${dir} is not a folder (a link or a file)`, `remove it, then run chart unlock again`);
  if (st.uid !== uid()) throw keyError("E_AGENT_DIR", `the agent's folder ${dir} belongs to another user`, "remove it (or set XDG_RUNTIME_DIR to a folder of your own), then run chart unlock again");
  if ((st.mode & 0o077) !== 0) {
    if (made === undefined) throw keyError("E_AGENT_DIR", `the agent's folder ${dir} can be entered by other users (mode ${(st.mode & 0o777).toString(8)})`, `run: chmod 700 ${dir}`);
    // Made just now under a loose umask: tightened before anything is put in it.
    await chmod(dir, 0o700);
  }
  return true;
}
