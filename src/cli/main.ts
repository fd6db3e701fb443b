/** main(argv, deps) -> exit code. Parses, runs one command, reports errors once. */
import { readFileSync } from "node:fs";
import { type Command, CommanderError } from "commander";
import { closeMatches } from "../domain/similar.js";
import { EXIT } from "../domain/errors.js";
import type { Deps } from "./deps.js";
import { commandWord } from "./command-word.js";
import { buildProgram } from "./program.js";
import { reportError } from "./report.js";
import { jsonSafe } from "./safe-text.js";

let version: string | undefined;
function readVersion(): string {
  if (!version) {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    version = pkg.version;
  }
  return version;
}

/** `chart help note add` is `chart note add --help` (commander's own help command takes one word). */
const helpArgs = (argv: readonly string[]): string[] => (argv[0] === "help" && argv.length > 1 ? [...argv.slice(1), "--help"] : [...argv]);

/** `chart` alone: a short overview on stdout, exit 0. */
function overview(program: Command): string {
  const width = Math.max(...program.commands.map((c) => c.name().length));
  const lines = program.commands
    .filter((c) => !(c as Command & { _hidden?: boolean })._hidden && c.name() !== "help")
    .map((c) => `  ${c.name().padEnd(width)}  ${c.summary() || c.description().split("\n")[0]}`);
  return `${program.description()}\n\nUsage: chart [options] COMMAND ...\n\nCommands:\n${lines.join("\n")}\n\nRun \`chart COMMAND --help\` for a command's options, \`chart --help\` for the global ones.\n`;
}

/** Commander suggests any word within 40%; chart suggests typos only (see domain/similar.ts). */
function unknownCommandHint(e: CommanderError, program: Command): string | undefined {
  const word = /unknown command '([^']*)'/.exec(e.message)?.[1];
  if (word === undefined) return undefined;
  const close = closeMatches(word, program.commands.map((c) => c.name()));
  return close.length ? `did you mean \`chart ${close[0]}\`? See \`chart --help\` for the commands` : "see `chart --help` for the commands";
}

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const json = argv.includes("--json");
  const args = helpArgs(argv);
  const built = buildProgram(deps, readVersion(), { json, command: commandWord(args) });
  if (argv.length === 0) {
    deps.stdout.write(overview(built.program));
    return EXIT.ok;
  }
  try {
    await built.program.parseAsync(args, { from: "user" });
    return built.exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      if (e.code === "commander.executeSubCommandAsync") return EXIT.ok;
      if (e.exitCode === 0) return EXIT.ok;
      const hint = (e.code === "commander.unknownCommand" ? unknownCommandHint(e, built.program) : undefined) ?? "see `chart --help`, or `chart COMMAND --help`";
      if (json) {
        const message = e.message.replace(/^error:\s*/, "").split("\n")[0] ?? "";
        deps.stderr.write(`${jsonSafe(JSON.stringify({ error: { code: "E_USAGE", exit: EXIT.usage, message, hint } }))}\n`);
      } else {
        // commander already printed "error: ..."; add what to do next.
        deps.stderr.write(`hint: ${hint}\n`);
      }
      return EXIT.usage;
    }
    return reportError(e, deps, json);
  }
}
