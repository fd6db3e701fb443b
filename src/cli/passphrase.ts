/** Passphrases for encrypted outputs (bundles, exports, a client's copy): never from argv. */
import { usageError } from "../domain/errors.js";
import type { Ctx } from "./context.js";
import { canPrompt } from "./prompt.js";

/** The passphrase: $<envVar>, else asked twice on a terminal (never argv). */
export async function readPassphrase(ctx: Ctx, envVar: string): Promise<string> {
  const fromEnv = ctx.deps.env[envVar];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!canPrompt(ctx.deps)) throw usageError("E_PASSPHRASE", `--passphrase needs $${envVar} or a terminal to ask on`, `set ${envVar}, or run the command in a terminal`);
  let ask: (message: string) => Promise<string>;
  if (ctx.deps.prompter) {
    const p = ctx.deps.prompter;
    ask = (message) => p.input({ message });
  } else {
    const { password } = await import("@inquirer/prompts");
    ask = (message) => password({ message, mask: "*" });
  }
  const first = await ask("Passphrase");
  if (first === "") throw usageError("E_PASSPHRASE", "the passphrase is empty", "choose a passphrase");
  if ((await ask("Repeat the passphrase")) !== first) throw usageError("E_PASSPHRASE", "the passphrases do not match", "run the command again");
  return first;
}
