/** chart key protect [--remove]: a passphrase on this device's identity and signing key (docs/agent.md). */
import type { Command } from "commander";
import { stopAgent } from "../../store/agent-start.js";
import { identityPath } from "../../store/identity.js";
import { protectDevice, unprotectDevice } from "../../store/protect.js";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";
import { optFlag } from "../options.js";
import { readDevicePassphrase } from "../unlock.js";

export interface KeyProtectInput {
  remove: boolean;
  passphraseStdin: boolean;
}

export const parseKeyProtect = (_args: readonly string[], opts: Opts): KeyProtectInput => ({ remove: optFlag(opts, "remove"), passphraseStdin: optFlag(opts, "passphraseStdin") });

export interface KeyProtectResult {
  identity: string;
  protected: boolean;
  /** Identities kept from before a rotation, protected or unprotected too. */
  oldIdentities: number;
  /** The pid of the unlock agent that ended, if one was running. */
  agentStopped: number | undefined;
}

export async function runKeyProtect(ctx: Ctx, input: KeyProtectInput): Promise<KeyProtectResult> {
  const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
  const { remove } = input;
  const passphrase = await readDevicePassphrase(ctx.deps, {
    fromStdin: input.passphraseStdin,
    choosing: !remove,
    message: remove ? `Passphrase for ${idPath}` : `New passphrase for ${idPath}`,
  });
  // An agent holds the keys of the file as it was: it ends either way.
  const res = remove ? await unprotectDevice(idPath, passphrase) : await protectDevice(idPath, passphrase);
  const stopped = await stopAgent(ctx.deps.env, idPath);
  return { identity: idPath, protected: !remove, oldIdentities: res.old, agentStopped: stopped };
}

export const keyProtect: CommandSpec<KeyProtectInput, KeyProtectResult> = {
  parse: parseKeyProtect,
  run: runKeyProtect,
  text: (out, r) => {
    const old = r.oldIdentities ? ` and ${r.oldIdentities} identit${r.oldIdentities === 1 ? "y" : "ies"} kept from before a rotation` : "";
    if (!r.protected) out.info(`the passphrase is off ${r.identity}, its signing key${old}: anyone who can read these files can use them`);
    else out.info(`protected ${r.identity}, its signing key${old} with the passphrase; run chart unlock to use the chart (stock age asks for it with age -d -i)`);
    if (r.agentStopped) out.info(`the unlock agent (pid ${r.agentStopped}) has ended`);
  },
  json: (r) => ({ identity: r.identity, protected: r.protected, oldIdentities: r.oldIdentities, agentStopped: r.agentStopped ?? null }),
};

export function registerKeyProtect(program: Command, reg: Registrar): void {
  const key = program.commands.find((c) => c.name() === "key");
  if (!key) throw new Error("the key command is registered first");
  key
    .command("protect")
    .description("protect this device's identity and signing key with a passphrase (then chart unlock); --remove takes it off")
    .option("--remove", "take the passphrase off (asks for it)")
    .option("--passphrase-stdin", "read the passphrase from standard input's first line, not the terminal")
    .action(wire(reg, keyProtect));
}
