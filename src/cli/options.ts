/**
 * Option helpers shared by the command files, and the pure readers parsers use: commander gives
 * options as `unknown` (text, a flag, a list); these read them typed, without casts.
 */
import { invalid, usageError } from "../domain/errors.js";
import { textOf } from "../domain/text-of.js";
import type { Opts } from "./program.js";
import type { TextSource } from "./text-input.js";

/** Repeatable option: --label A --label B */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** A text option as given, or undefined when absent. */
export const optString = (opts: Opts, key: string): string | undefined => {
  const v = opts[key];
  return v === undefined || v === null ? undefined : textOf(v);
};

/** A repeatable option (collect): every value given, or []. */
export const optList = (opts: Opts, key: string): string[] => {
  const v = opts[key];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map((x: unknown) => textOf(x)) : [textOf(v)];
};

/** A flag: true only when given. */
export const optFlag = (opts: Opts, key: string): boolean => opts[key] === true;

/** A text option trimmed; given but blank is refused (exit 3, as before). */
export function optText(opts: Opts, key: string, flag: string): string | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const s = textOf(v).trim();
  if (s === "") throw invalid("E_EMPTY_VALUE", `${flag} is empty`, `give a value for ${flag}`);
  return s;
}

/** A positional argument commander has checked is present (a missing one is a usage error). */
export function arg(args: readonly string[], i: number, name: string): string {
  const v = args[i];
  if (v === undefined) throw usageError("E_USAGE", `missing argument ${name}`);
  return v;
}

/** -m TEXT (repeatable) / -F FILE: where a text comes from; both at once is a usage error. */
export function optTextSource(opts: Opts): TextSource {
  const message = opts.message === undefined ? undefined : optList(opts, "message");
  const file = optString(opts, "file");
  if (message !== undefined && file !== undefined) throw usageError("E_USAGE", "-m and -F cannot be combined", "choose one source for the text");
  return { message, file };
}

/** -n/--limit: a positive whole number, or undefined. */
export function optLimit(opts: Opts, key = "limit"): number | undefined {
  if (opts[key] === undefined) return undefined;
  const limit = Number(opts[key]);
  if (!Number.isInteger(limit) || limit <= 0) throw usageError("E_USAGE", "--limit takes a positive whole number");
  return limit;
}
