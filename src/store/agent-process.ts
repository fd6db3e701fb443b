/** The unlock agent process's life: settings from its pipe, unlock, listen, report, serve, end. */
import { ChartError } from "../domain/errors.js";
import type { AgentPaths } from "./agent-paths.js";
import { listenExclusive, runAgent, unlockKeys } from "./agent-server.js";

export interface AgentStartRequest {
  identityPath: string;
  paths: AgentPaths;
  idleMs: number;
  lifetimeMs: number;
  passphrase: string;
}

async function readLine(): Promise<string> {
  let buf = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    buf += chunk as string;
    const nl = buf.indexOf("\n");
    if (nl >= 0) return buf.slice(0, nl);
    if (buf.length > 1 << 16) break;
  }
  return buf;
}

export async function runAgentProcess(): Promise<void> {
  process.umask(0o077);
  process.title = "chart-agent";
  process.chdir("/");
  const say = (v: Record<string, unknown>) =>
    new Promise<void>((resolve) => {
      process.stdout.on("error", () => resolve()); // the caller gave up: nothing to tell
      process.stdout.end(`${JSON.stringify(v)}\n`, () => resolve());
    });
  let req: AgentStartRequest;
  try {
    req = JSON.parse(await readLine()) as AgentStartRequest;
  } catch {
    await say({ ok: false, code: "E_AGENT_START", message: "the agent got no settings" });
    process.exit(1);
  }
  process.stdin.destroy();
  try {
    const keys = await unlockKeys(req.identityPath, req.passphrase);
    req.passphrase = ""; // not kept: the keys are open
    const listening = await listenExclusive(req.paths, keys.identityHash);
    if ("already" in listening) {
      await say({ ok: true, already: true, info: listening.already });
      process.exit(0);
    }
    const agent = runAgent(listening.server, req.paths, keys, {
      idleMs: req.idleMs,
      lifetimeMs: req.lifetimeMs,
      onExit: () => process.exit(0),
    });
    for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => agent.stop(sig));
    await say({ ok: true, info: agent.info() });
  } catch (e) {
    const err = e instanceof ChartError ? { code: e.code, message: e.message, hint: e.hint } : { code: "E_AGENT_START", message: e instanceof Error ? e.message : String(e) };
    await say({ ok: false, ...err });
    process.exit(1);
  }
}
