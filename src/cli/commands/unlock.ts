/** chart unlock | lock: the session agent for a passphrase-protected identity (docs/agent.md). */
import type { Command } from "commander";
import { formatSpan, parseSpan } from "../../domain/span.js";
import { keyError } from "../../domain/errors.js";
import { identityPath, loadIdentity } from "../../store/identity.js";
import { DEFAULT_IDLE_MS, DEFAULT_LIFETIME_MS, MAX_LIFETIME_MS, startAgent, stopAgent } from "../../store/agent-start.js";
import type { AgentInfo } from "../../store/agent-client.js";
import { agentJson, describeAgent } from "../agent-text.js";
import type { Ctx } from "../context.js";
import type { Registrar } from "../program.js";
import { readDevicePassphrase } from "../unlock.js";

export function registerUnlock(program: Command, reg: Registrar): void {
  program
    .command("unlock")
    .description("unlock a passphrase-protected identity for a session: a private agent keeps it until idle or its lifetime ends")
    .option("--idle <time>", "end after this long unused (30s, 15m, 2h; default 15m)")
    .option("--lifetime <time>", "end this long after unlocking, used or not (at most 7d; default 8h)")
    .option("--passphrase-stdin", "read the passphrase from standard input's first line (scripts), not the terminal")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const idleMs = parseSpan(typeof opts.idle === "string" ? opts.idle : formatSpan(DEFAULT_IDLE_MS), "--idle", { minMs: 1_000, maxMs: MAX_LIFETIME_MS });
        const lifetimeMs = parseSpan(typeof opts.lifetime === "string" ? opts.lifetime : formatSpan(DEFAULT_LIFETIME_MS), "--lifetime", { minMs: 1_000, maxMs: MAX_LIFETIME_MS });
        const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
        // Already unlocked (an agent holding this very identity file): nothing is asked.
        const current = await loadIdentity(idPath, { env: ctx.deps.env }).catch(() => undefined);
        if (current && !current.protected) {
          throw keyError("E_IDENTITY_NOT_PROTECTED", `the identity ${idPath} is not passphrase-protected: there is nothing to unlock`, "protect it with chart key protect, or just use chart without unlocking");
        }
        if (current?.agent) {
          report(ctx, current.agent, true);
          return;
        }
        const passphrase = await readDevicePassphrase(ctx.deps, { fromStdin: !!opts.passphraseStdin, choosing: false, message: `Passphrase for ${idPath}` });
        const { info, already } = await startAgent(ctx.deps.env, idPath, passphrase, { idleMs, lifetimeMs });
        report(ctx, info, already);
      }),
    );

  program
    .command("lock")
    .description("end the unlock agent: the identity needs its passphrase again")
    .action(
      reg.action(async (ctx) => {
        const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
        const pid = await stopAgent(ctx.deps.env, idPath);
        if (ctx.out.json) ctx.out.data({ locked: true, stopped: pid ?? null });
        else ctx.out.info(pid ? `locked: the agent (pid ${pid}) has ended` : "locked (no agent was running)");
      }),
    );
}

function report(ctx: Ctx, info: AgentInfo, already: boolean): void {
  const now = ctx.deps.now().getTime();
  if (ctx.out.json) ctx.out.data({ unlocked: true, already, identity: info.identityPath, agent: agentJson(info, now) });
  else ctx.out.info(`${already ? "already " : ""}${describeAgent(info, now)}`);
}
