/** Prompts only on a TTY; @inquirer/prompts is loaded lazily, and injected in tests. */
import { usageError } from "../domain/errors.js";
import type { Deps, Prompter } from "./deps.js";
import { terminalSafe } from "./safe-text.js";

export const canPrompt = (deps: Deps): boolean => !!deps.prompter || (deps.isTTY.stdin && deps.isTTY.stdout);

export async function prompter(deps: Deps): Promise<Prompter> {
  if (deps.prompter) return deps.prompter;
  const p = await import("@inquirer/prompts");
  // Prompt text may quote a record (a client's name): made terminal-safe like all output.
  const t = (s: string) => terminalSafe(s, { inline: true });
  return {
    input: (o) => p.input({ ...o, message: t(o.message), ...(o.default !== undefined ? { default: t(o.default) } : {}) }),
    confirm: (o) => p.confirm({ ...o, message: t(o.message) }),
    select: (o) => p.select({ ...o, message: t(o.message), choices: o.choices.map((c) => ({ ...c, name: t(c.name) })) }),
  };
}

/** A required value: the flag, else a prompt on a TTY, else a usage error naming the flag. */
export async function required(
  deps: Deps,
  value: string | undefined,
  flag: string,
  message: string,
  validate?: (v: string) => true | string,
): Promise<string> {
  if (value !== undefined && value !== "") return value;
  if (!canPrompt(deps)) throw usageError("E_MISSING", `${flag} is required`, `pass ${flag} VALUE`);
  const p = await prompter(deps);
  return p.input({ message, validate: validate ?? ((v) => (v.trim() !== "" ? true : "required")) });
}

/** A confirmation: fails closed without a TTY unless --yes. */
export async function confirm(deps: Deps, yes: boolean | undefined, message: string): Promise<boolean> {
  if (yes) return true;
  if (!canPrompt(deps)) throw usageError("E_CONFIRM", `${message.replace(/\?$/, "")}: confirmation needed`, "pass --yes to confirm without a terminal");
  const p = await prompter(deps);
  return p.confirm({ message, default: false });
}
