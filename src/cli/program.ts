/** The commander program: global options and one registration per command group. */
import { Command, Option } from "commander";
import { stamp } from "../domain/dates.js";
import { accessName, appendAccess } from "../store/access-log.js";
import { makeCtx, type Ctx, type GlobalOptions } from "./context.js";
import type { Deps } from "./deps.js";
import { incompleteError } from "./incomplete.js";
import { reportError } from "./report.js";
import { registerClient } from "./commands/client.js";
import { registerCompletion } from "./commands/completion.js";
import { registerInit } from "./commands/init.js";
import { registerKey } from "./commands/key.js";
import { registerNote } from "./commands/note.js";
import { registerTextconv } from "./commands/textconv.js";
import { registerExtensions } from "./commands/extensions.js";

export type Opts = Record<string, unknown>;
export type Handler = (ctx: Ctx, args: string[], opts: Opts) => Promise<number | void>;

export interface Registrar {
  deps: Deps;
  /** Wrap a handler: builds the context from global options, records the exit code. */
  action(fn: Handler): (...a: unknown[]) => Promise<void>;
}

export interface Built {
  program: Command;
  exitCode(): number;
  ctx(): Ctx | undefined;
}

export function buildProgram(deps: Deps, version: string, opts: { json?: boolean } = {}): Built {
  let code = 0;
  let lastCtx: Ctx | undefined;
  const program = new Command("chart");
  program
    .description("Encrypted, git-backed clinical records for solo therapists")
    .version(version, "-V, --version", "print the version")
    .option("--repo <dir>", "the chart repository (default: $CHART_REPO, else the nearest above the working directory)")
    .option("--identity <file>", "age identity file (default: $CHART_IDENTITY, else $XDG_CONFIG_HOME/chart/identity)")
    .option("--json", "machine-readable output on stdout (errors as JSON on stderr)")
    .option("--no-color", "no colour (also NO_COLOR)")
    .option("-q, --quiet", "print only results")
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });

  const reg: Registrar = {
    deps,
    action: (fn) => async (...a: unknown[]) => {
      const cmd = a[a.length - 1] as Command;
      const g = cmd.optsWithGlobals() as GlobalOptions & Opts;
      const ctx = makeCtx(deps, g);
      lastCtx = ctx;
      const args = (cmd.processedArgs as unknown[]).flatMap((x) => (Array.isArray(x) ? x : x === undefined ? [] : [x])) as string[];
      try {
        const r = await fn(ctx, args, cmd.opts());
        code = typeof r === "number" ? r : 0;
        if (code === 0 && ctx.unreadable.length > 0) code = reportError(incompleteError(ctx.unreadable), deps, !!g.json);
      } finally {
        await logAccess(ctx, commandPath(cmd));
      }
    },
  };

  registerInit(program, reg);
  registerKey(program, reg);
  registerClient(program, reg);
  registerNote(program, reg);
  registerExtensions(program, reg);
  registerCompletion(program, reg);
  registerTextconv(program, reg);

  applyOutput(program, deps, !!opts.json);
  return { program, exitCode: () => code, ctx: () => lastCtx };
}

/** With --json, usage errors are reported by main() as a JSON object instead of commander's text. */
/** "note show" for `chart note show …`: the command, never its arguments. */
const commandPath = (cmd: Command): string => {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
};

/** Record in the access log what this command decrypted or wrote (ids only). */
async function logAccess(ctx: Ctx, command: string): Promise<void> {
  const opened = ctx.openedChart();
  if (!opened) return;
  const chart = await opened.catch(() => undefined);
  if (!chart || (chart.touched.read.size === 0 && chart.touched.written.size === 0)) return;
  try {
    await appendAccess(chart, {
      at: stamp(ctx.deps.now()),
      command,
      read: [...chart.touched.read].map(accessName).sort(),
      written: [...chart.touched.written].map(accessName).sort(),
    });
  } catch {
    ctx.out.warn("could not write the access log (.git/chart/access.log)");
  }
}

function applyOutput(cmd: Command, deps: Deps, json: boolean): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => void deps.stdout.write(s),
    writeErr: (s) => void deps.stderr.write(s),
    outputError: (s, write) => (json ? undefined : write(s)),
  });
  for (const sub of cmd.commands) applyOutput(sub, deps, json);
}

/** Repeatable option helper: --label A --label B */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export { Option };
