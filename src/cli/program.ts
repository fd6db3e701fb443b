/** The commander program: global options and one registration per command group. */
import { Command } from "commander";
import { stamp } from "../domain/dates.js";
import { storageError, withCause } from "../domain/errors.js";
import { accessName, appendAccess } from "../store/access-log.js";
import { HeldOutput } from "./held-output.js";
import { makeCtx, type Ctx, type GlobalOptions } from "./context.js";
import type { Deps } from "./deps.js";
import { terminalSafe } from "./safe-text.js";
import { incompleteError } from "./incomplete.js";
import { reportError } from "./report.js";
import { registerClient } from "./commands/client.js";
import { registerCompletion } from "./commands/completion.js";
import { registerInit } from "./commands/init.js";
import { registerKey } from "./commands/key.js";
import { registerKeyProtect } from "./commands/key-protect.js";
import { registerUnlock } from "./commands/unlock.js";
import { registerNote } from "./commands/note.js";
import { registerTextconv } from "./commands/textconv.js";
import { EXTENSIONS } from "./commands/extensions.js";
import { registerClientMerge } from "./commands/client-merge.js";
import { registerSync } from "./commands/sync.js";
import { registerTemplate } from "./commands/template.js";

export type Opts = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a handler may end without a value (exit 0) or return an exit code
export type Handler = (ctx: Ctx, args: string[], opts: Opts) => Promise<number | void>;

export interface Registrar {
  deps: Deps;
  /** Wrap a handler: builds the context from global options, records the exit code. */
  action(fn: Handler): (...a: unknown[]) => Promise<void>;
}

/** The top-level commands a registration adds (in help order), and the registration. */
export type Registration = readonly [names: readonly string[], register: (program: Command, reg: Registrar) => void];

/**
 * Every command group, in the order `chart --help` lists them (test/cli/program.test.ts checks
 * the names). A command line that names one of them registers only that group: building every
 * command's options with commander was a few ms of each command's start.
 */
export const REGISTRATIONS: readonly Registration[] = [
  [["init"], registerInit],
  [
    ["key"],
    (p, r) => {
      registerKey(p, r);
      registerKeyProtect(p, r);
    },
  ],
  [
    ["client"],
    (p, r) => {
      registerClient(p, r);
      registerClientMerge(p, r);
    },
  ],
  [["note"], registerNote],
  ...EXTENSIONS,
  [["remote", "sync", "join", "status"], registerSync],
  [["template"], registerTemplate],
  [["completion"], registerCompletion],
  [["textconv"], registerTextconv],
  [["unlock", "lock"], registerUnlock],
];

export interface Built {
  program: Command;
  exitCode(): number;
}

/**
 * The program; with `command`, only the group that holds that command (all of them for a word
 * that names none, so an unknown command still gets its suggestions, and for `completion`,
 * which lists them all).
 */
export function buildProgram(deps: Deps, version: string, opts: { json?: boolean; command?: string } = {}): Built {
  let code = 0;
  const program = new Command("chart");
  program
    .description("Encrypted, git-backed clinical records for solo therapists")
    .version(version, "-V, --version", "print the version")
    .option("--repo <dir>", "the chart repository (default: $CHART_REPO, else the nearest above the working directory)")
    .option("--identity <file>", "age identity file (default: $CHART_IDENTITY, else $XDG_CONFIG_HOME/chart/identity)")
    .option("--json", "machine-readable output on stdout (errors as JSON on stderr)")
    .option("--no-color", "no colour (also NO_COLOR)")
    .option("-q, --quiet", "print only results")
    .option("--wide", "tables at full width (by default they fit the terminal, long cells cut with …)")
    .showSuggestionAfterError(false) // main() suggests close matches only
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });

  const reg: Registrar = {
    deps,
    action: (fn) => async (...a: unknown[]) => {
      const cmd = a[a.length - 1] as Command;
      const g = cmd.optsWithGlobals<GlobalOptions & Opts>();
      // stdout is held until the access log has this command's reads (src/cli/held-output.ts)
      // eslint-disable-next-line prefer-const -- assigned once ctx exists; the held output's check below may run before
      let ctxRef: Ctx | undefined;
      const held = new HeldOutput(deps.stdout, () => (ctxRef?.readsSoFar() ?? 0) > 0);
      const ctx = makeCtx({ ...deps, stdout: held }, g);
      ctxRef = ctx;
      const args = (cmd.processedArgs as unknown[]).flatMap((x) => (Array.isArray(x) ? (x as unknown[]) : x === undefined ? [] : [x])) as string[];
      let failed: unknown;
      try {
        const r = await fn(ctx, args, cmd.opts());
        code = typeof r === "number" ? r : 0;
        if (code === 0 && ctx.unreadable.length > 0) code = reportError(incompleteError(ctx.unreadable), deps, !!g.json);
      } catch (e) {
        failed = e;
      }
      try {
        await logAccess(ctx, commandPath(cmd));
      } catch (e) {
        held.discard();
        throw failed ?? e;
      }
      const out = held.take();
      if (out.length) await writeOut(deps.stdout, out);
      await finishKilledShares(ctx, commandPath(cmd));
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the handler threw, unchanged
      if (failed !== undefined) throw failed;
    },
  };

  const one = opts.command === "completion" ? undefined : REGISTRATIONS.find(([names]) => opts.command !== undefined && names.includes(opts.command));
  for (const [names, register] of REGISTRATIONS) if (!one || one[0] === names) register(program, reg);

  applyOutput(program, deps, !!opts.json);
  return { program, exitCode: () => code };
}

/** With --json, usage errors are reported by main() as a JSON object instead of commander's text. */
/** "note show" for `chart note show …`: the command, never its arguments. */
const commandPath = (cmd: Command): string => {
  const names: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- cmd comes from commander's untyped action arguments
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
};

/** Finish what a killed `chart share` left (src/store/pending-shares.ts); never fails the command. */
async function finishKilledShares(ctx: Ctx, command: string): Promise<void> {
  if (command === "textconv") return;
  const chart = await ctx.openedChart()?.catch(() => undefined);
  if (!chart) return;
  const { recoverPendingShares } = await import("../store/pending-shares.js");
  const done = await recoverPendingShares(chart).catch(() => undefined);
  if (done?.recorded) ctx.out.warn(`recorded ${done.recorded} disclosure(s) for bundles a killed share had published`);
}

const writeOut = (stream: Deps["stdout"], data: Buffer): Promise<void> =>
  new Promise((resolve) => {
    // A reader that went away (EPIPE) is not an error here: the access log is already written.
    stream.write(data, () => resolve());
  });

/**
 * Record in the access log what this command decrypted or wrote (ids only), before its output
 * leaves. When reads cannot be logged the command fails (exit 7) and shows nothing; when only
 * writes could not be logged (they are in git's history anyway) it warns.
 */
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
  } catch (e) {
    if (chart.touched.read.size === 0) {
      ctx.out.warn("could not write the access log (.git/chart/access.log)");
      return;
    }
    throw withCause(
      storageError(
        "E_ACCESS_LOG",
        "the access log (.git/chart/access.log) cannot be written, so the records read are not shown",
        "make the chart's .git/chart folder writable (a full disk or a read-only file system?), then run the command again",
      ),
      e,
    );
  }
}

function applyOutput(cmd: Command, deps: Deps, json: boolean): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => void deps.stdout.write(terminalSafe(s)),
    writeErr: (s) => void deps.stderr.write(terminalSafe(s)),
    outputError: (s, write) => (json ? undefined : write(s)),
  });
  for (const sub of cmd.commands) applyOutput(sub, deps, json);
}


