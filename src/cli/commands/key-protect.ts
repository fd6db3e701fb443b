/** chart key protect [--remove]: a passphrase on this device's identity and signing key (docs/agent.md). */
import type { Command } from "commander";
import { stopAgent } from "../../store/agent-start.js";
import { identityPath } from "../../store/identity.js";
import { protectDevice, unprotectDevice } from "../../store/protect.js";
import type { Registrar } from "../program.js";
import { readDevicePassphrase } from "../unlock.js";

export function registerKeyProtect(program: Command, reg: Registrar): void {
  const key = program.commands.find((c) => c.name() === "key");
  if (!key) throw new Error("the key command is registered first");
  key
    .command("protect")
    .description("protect this device's identity and signing key with a passphrase (then chart unlock); --remove takes it off")
    .option("--remove", "take the passphrase off (asks for it)")
    .option("--passphrase-stdin", "read the passphrase from standard input's first line, not the terminal")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const idPath = identityPath(ctx.deps.env, ctx.deps.cwd, ctx.opts.identity);
        const remove = !!opts.remove;
        const passphrase = await readDevicePassphrase(ctx.deps, {
          fromStdin: !!opts.passphraseStdin,
          choosing: !remove,
          message: remove ? `Passphrase for ${idPath}` : `New passphrase for ${idPath}`,
        });
        // An agent holds the keys of the file as it was: it ends either way.
        const res = remove ? await unprotectDevice(idPath, passphrase) : await protectDevice(idPath, passphrase);
        const stopped = await stopAgent(ctx.deps.env, idPath);
        if (ctx.out.json) {
          ctx.out.data({ identity: idPath, protected: !remove, oldIdentities: res.old, agentStopped: stopped ?? null });
          return;
        }
        const old = res.old ? ` and ${res.old} identit${res.old === 1 ? "y" : "ies"} kept from before a rotation` : "";
        if (remove) ctx.out.info(`the passphrase is off ${idPath}, its signing key${old}: anyone who can read these files can use them`);
        else ctx.out.info(`protected ${idPath}, its signing key${old} with the passphrase; run chart unlock to use the chart (stock age asks for it with age -d -i)`);
        if (stopped) ctx.out.info(`the unlock agent (pid ${stopped}) has ended`);
      }),
    );
}
