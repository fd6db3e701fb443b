/** main(argv, deps) -> exit code. Parses, runs one command, reports errors once. */
import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { EXIT } from "../domain/errors.js";
import type { Deps } from "./deps.js";
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

export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const json = argv.includes("--json");
  const built = buildProgram(deps, readVersion(), { json });
  try {
    await built.program.parseAsync([...argv], { from: "user" });
    return built.exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.ok;
      if (e.code === "commander.executeSubCommandAsync") return EXIT.ok;
      if (e.exitCode === 0) return EXIT.ok;
      const hint = "see `chart --help`, or `chart COMMAND --help`";
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
