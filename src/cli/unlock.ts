/**
 * The device passphrase (a protected identity, docs/agent.md): asked on a terminal without echo,
 * or read from standard input with --passphrase-stdin (scripts); never from argv or the
 * environment, where other processes of the same user could read it.
 */
import { usageError } from "../domain/errors.js";
import type { UnlockOptions } from "../store/identity.js";
import type { Deps } from "./deps.js";
import { canPrompt } from "./prompt.js";
import { readStream } from "./text-input.js";
import { agentJson, describeAgent } from "./agent-text.js";

async function ask(deps: Deps, message: string): Promise<string> {
  if (deps.prompter) return deps.prompter.input({ message });
  const { password } = await import("@inquirer/prompts");
  return password({ message, mask: "*" });
}

/** How commands reach a protected identity: the agent, else a prompt on a terminal. */
export const unlockOptions = (deps: Deps): UnlockOptions => ({
  env: deps.env,
  ask: canPrompt(deps) ? (message) => ask(deps, `${message} (chart unlock keeps it for a session)`) : undefined,
});

/**
 * The passphrase: the first line of standard input with `fromStdin`, else asked on a terminal
 * (twice when choosing a new one), else a usage error.
 */
export async function readDevicePassphrase(deps: Deps, opts: { fromStdin: boolean; choosing: boolean; message: string }): Promise<string> {
  let first: string;
  if (opts.fromStdin) {
    first = (await readStream(deps.stdin)).split(/\r?\n/)[0] ?? "";
  } else {
    if (!canPrompt(deps)) throw usageError("E_PASSPHRASE", "a passphrase is needed, and there is no terminal to ask on", "run it in a terminal, or pass --passphrase-stdin and write the passphrase to standard input");
    first = await ask(deps, opts.message);
    if (opts.choosing && first !== "" && (await ask(deps, "Repeat the passphrase")) !== first) throw usageError("E_PASSPHRASE", "the passphrases do not match", "run the command again");
  }
  if (first === "") throw usageError("E_PASSPHRASE", "the passphrase is empty", "choose a passphrase");
  return first;
}

/** What status and key show say about the identity's passphrase and the agent. */
export async function protectionReport(deps: Deps, idPath: string): Promise<{ text: string; json: { protected: boolean; agent: ReturnType<typeof agentJson> | null } }> {
  const { protectionState } = await import("../store/agent-start.js");
  const state = await protectionState(deps.env, idPath);
  const now = deps.now().getTime();
  if (!state.protected) return { text: "no passphrase (chart key protect adds one)", json: { protected: false, agent: null } };
  if (!state.agent) return { text: "passphrase-protected, locked (chart unlock starts a session)", json: { protected: true, agent: null } };
  return { text: `passphrase-protected, ${describeAgent(state.agent, now)}`, json: { protected: true, agent: agentJson(state.agent, now) } };
}
