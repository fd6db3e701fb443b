/** chart unlock | lock: the session agent for a passphrase-protected identity (docs/agent.md). */
import type { Command } from "commander";
import { formatSpan, parseSpan } from "../../domain/span.js";
import { keyError } from "../../domain/errors.js";
import { identityPath, loadIdentity } from "../../store/identity.js";
import { DEFAULT_IDLE_MS, DEFAULT_LIFETIME_MS, MAX_LIFETIME_MS, startAgent, stopAgent } from "../../store/agent-start.js";
import type { AgentInfo } from "../../store/agent-client.js";
import { agentJson, describeAgent } from "../agent-text.js";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";
import { optFlag, optString } from "../options.js";
import { readDevicePassphrase } from "../unlock.js";

export interface UnlockInput {
  idleMs: number;
  lifetimeMs: number;
  passphraseStdin: boolean;
}

export const parseUnlock = (_args: readonly string[], opts: Opts): UnlockInput => ({
  idleMs: parseSpan(optString(opts, "idle") ?? formatSpan(DEFAULT_IDLE_MS), "--idle", { minMs: 1_000, maxMs: MAX_LIFETIME_MS }),
  lifetimeMs: parseSpan(optString(opts, "lifetime") ?? formatSpan(DEFAULT_LIFETIME_MS), "--lifetime", { minMs: 1_000, maxMs: MAX_LIFETIME_MS }),
  passphraseStdin: optFlag(opts, "passphraseStdin"),
});

export interface UnlockResult {
  info: AgentInfo;
  already: boolean;
  /** When the command ran (ms), for the agent's remaining times. */
  now: number;
}

export async function runUnlock(ctx: Ctx, input: UnlockInput): Promise<UnlockResult> {
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  // Already unlocked (an agent holding this very identity file): nothing is asked.
  const current = await loadIdentity(idPath, { env: ctx.deps.env }).catch(() => undefined);
  if (current && !current.protected) {
    throw keyError("E_IDENTITY_NOT_PROTECTED", `the identity ${idPath} is not passphrase-protected: there is nothing to unlock`, "protect it with chart key protect, or just use chart without unlocking");
  }
  if (current?.agent) return { info: current.agent, already: true, now: ctx.deps.now().getTime() };
  const passphrase = await readDevicePassphrase(ctx.deps, { fromStdin: input.passphraseStdin, choosing: false, message: `Passphrase for ${idPath}` });
  const { info, already } = await startAgent(ctx.deps.env, idPath, passphrase, { idleMs: input.idleMs, lifetimeMs: input.lifetimeMs });
  return { info, already, now: ctx.deps.now().getTime() };
}

export const unlock: CommandSpec<UnlockInput, UnlockResult> = {
  parse: parseUnlock,
  run: runUnlock,
  text: (out, r) => out.info(`${r.already ? "already " : ""}${describeAgent(r.info, r.now)}`),
  json: (r) => ({ unlocked: true, already: r.already, identity: r.info.identityPath, agent: agentJson(r.info, r.now) }),
};

export const lock: CommandSpec<Record<string, never>, { stopped: number | undefined }> = {
  parse: () => ({}),
  run: async (ctx) => ({ stopped: await stopAgent(ctx.deps.env, identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity)) }),
  text: (out, r) => out.info(r.stopped ? `locked: the agent (pid ${r.stopped}) has ended` : "locked (no agent was running)"),
  json: (r) => ({ locked: true, stopped: r.stopped ?? null }),
};

export function registerUnlock(program: Command, reg: Registrar): void {
  program
    .command("unlock")
    .description("unlock a passphrase-protected identity for a session: a private agent keeps it until idle or its lifetime ends")
    .option("--idle <time>", "end after this long unused (30s, 15m, 2h; default 15m)")
    .option("--lifetime <time>", "end this long after unlocking, used or not (at most 7d; default 8h)")
    .option("--passphrase-stdin", "read the passphrase from standard input's first line (scripts), not the terminal")
    .action(wire(reg, unlock));

  program.command("lock").description("end the unlock agent: the identity needs its passphrase again").action(wire(reg, lock));
}
