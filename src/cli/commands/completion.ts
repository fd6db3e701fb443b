/** chart completion bash|zsh|fish: a completion script from the command tree. */
import type { Command } from "commander";
import { usageError } from "../../domain/errors.js";
import type { Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";
import { arg } from "../options.js";

interface Node {
  path: string[];
  subs: string[];
  flags: string[];
}

function walk(cmd: Command, path: string[] = []): Node[] {
  const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const flags = cmd.options.flatMap((o) => [o.short, o.long].filter((x): x is string => !!x));
  const here: Node = { path, subs: visible.map((c) => c.name()), flags };
  return [here, ...visible.flatMap((c) => walk(c, [...path, c.name()]))];
}

export function bashScript(nodes: Node[], globals: string[]): string {
  const cases = nodes
    .map((n) => `    "${n.path.join(" ")}") words="${[...n.subs, ...n.flags, ...globals].join(" ")}" ;;`)
    .join("\n");
  return `# chart bash completion: eval "$(chart completion bash)"
_chart_complete() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -n "$(_chart_words "\${path:+$path }$w")" ]]; then path="\${path:+$path }$w"; fi
  done
  COMPREPLY=( $(compgen -W "$(_chart_words "$path")" -- "$cur") )
}
_chart_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -F _chart_complete chart
`;
}

export function zshScript(nodes: Node[], globals: string[]): string {
  return `#compdef chart
# chart zsh completion: eval "$(chart completion zsh)" (after compinit)
${bashScript(nodes, globals).replace(/^# chart bash completion.*\n/, "")}`.replace(
    "complete -F _chart_complete chart",
    "autoload -U +X bashcompinit && bashcompinit\ncomplete -F _chart_complete chart",
  );
}

export function fishScript(nodes: Node[]): string {
  const lines = ["# chart fish completion: chart completion fish | source", "complete -c chart -f"];
  for (const n of nodes) {
    const cond = n.path.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const s of n.subs) lines.push(`complete -c chart -n '${cond}' -a ${s}`);
    for (const f of n.flags.filter((f) => f.startsWith("--"))) lines.push(`complete -c chart -n '${cond}' -l ${f.slice(2)}`);
  }
  return `${lines.join("\n")}\n`;
}

export type Shell = "bash" | "zsh" | "fish";

export interface CompletionInput {
  shell: Shell;
}

export function parseCompletion(args: readonly string[]): CompletionInput {
  const shell = arg(args, 0, "SHELL");
  if (shell !== "bash" && shell !== "zsh" && shell !== "fish") throw usageError("E_USAGE", `no completion for shell "${shell}"`, "use bash, zsh or fish");
  return { shell };
}

/** The script for a shell from the command tree (pure). */
export function completionScript(program: Command, shell: Shell): string {
  const nodes = walk(program);
  const globals = (nodes[0]?.flags ?? []).filter((f) => f.startsWith("--"));
  nodes[0] = { path: [], subs: nodes[0]?.subs ?? [], flags: [] };
  return shell === "bash" ? bashScript(nodes, globals) : shell === "zsh" ? zshScript(nodes, globals) : fishScript(nodes);
}

/** The command over this program's tree; the script is printed as is, with --json too. */
export const completion = (program: Command): CommandSpec<CompletionInput, string> => ({
  parse: parseCompletion,
  run: (_ctx, input) => Promise.resolve(completionScript(program, input.shell)),
  text: (out, script) => out.text(script),
  document: true,
});

export function registerCompletion(program: Command, reg: Registrar): void {
  program
    .command("completion")
    .description("print a shell completion script: bash, zsh or fish")
    .argument("<shell>", "bash, zsh or fish")
    .action(wire(reg, completion(program)));
}
