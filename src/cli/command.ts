/**
 * One command = a pure parser, a typed workflow and a printer; commander only wires them
 * (docs/decisions.md, "Commands: parse, run, print"):
 *
 *   parse(args, opts) -> Input    pure: no IO, no clock; usage errors exit 2
 *   run(ctx, input)   -> Result   the workflow; prompts, reads, writes; never prints the result
 *   text(out, result)             the result as text; --json prints json(result) instead
 *   fail(result)                  an error to end with after printing (optional)
 *
 * The one place that chooses between text and JSON is print() below.
 */
import type { Ctx } from "./context.js";
import type { Output } from "./output.js";
import type { Handler, Opts, Registrar } from "./program.js";

export interface CommandSpec<I, R> {
  /** Commander's arguments and options to the command's input. Pure; usage errors exit 2. */
  parse(args: readonly string[], opts: Opts): I;
  /** The workflow. Warnings and progress go to stderr through ctx.out; the result is returned. */
  run(ctx: Ctx, input: I): Promise<R>;
  /** The result as text on stdout (and notes on stderr through out.info). */
  text(out: Output, result: R): void;
  /** The result as JSON (default: the result itself); undefined prints nothing. */
  json?(result: R): unknown;
  /**
   * The output is a document, printed as text with --json too (a completion script, a record's
   * text for git's diff driver).
   */
  document?: true;
  /** The exit code for a result (default 0). */
  exit?(result: R): number;
  /**
   * An error to end with once the result is printed (default none): a result worth showing that
   * is still a failure, e.g. an access log that fails its check is listed, then exit 3.
   */
  fail?(result: R): Error | undefined;
}

/** A result printed as JSON with --json, as text otherwise: the only such branch. */
export function print<R>(out: Output, spec: Pick<CommandSpec<unknown, R>, "text" | "json" | "document">, result: R): void {
  if (!out.json || spec.document) {
    spec.text(out, result);
    return;
  }
  const value = spec.json ? spec.json(result) : result;
  if (value !== undefined) out.data(value);
}

/** parse, run, print: the handler commander calls (through the registrar). */
export const handler =
  <I, R>(spec: CommandSpec<I, R>): Handler =>
  async (ctx, args, opts) => {
    const input = spec.parse(args, opts);
    const result = await spec.run(ctx, input);
    print(ctx.out, spec, result);
    const failure = spec.fail?.(result);
    if (failure) throw failure;
    return spec.exit?.(result) ?? 0;
  };

/** A commander action in one line: `.action(wire(reg, consentList))`. */
export const wire = <I, R>(reg: Registrar, spec: CommandSpec<I, R>): ((...a: unknown[]) => Promise<void>) => reg.action(handler(spec));
