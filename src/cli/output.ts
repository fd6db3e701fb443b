/** Output: plain text, tables, JSON, colour; warnings and errors on stderr. */
import type { ChalkInstance } from "chalk";
import { Chalk } from "chalk";
import type { Deps } from "./deps.js";

export interface Output {
  json: boolean;
  quiet: boolean;
  color: ChalkInstance;
  /** A line on stdout (always printed; it is the command's result). */
  line(text?: string): void;
  /** Machine output: pretty JSON on stdout. */
  data(value: unknown): void;
  /** Progress or confirmation on stderr, suppressed by -q and --json. */
  info(text: string): void;
  warn(text: string): void;
  table(rows: readonly (readonly string[])[], header?: readonly string[]): void;
}

export function colorLevel(deps: Pick<Deps, "env" | "isTTY">, noColor: boolean): 0 | 1 {
  if (noColor || deps.env.NO_COLOR !== undefined && deps.env.NO_COLOR !== "") return 0;
  if (deps.env.FORCE_COLOR && deps.env.FORCE_COLOR !== "0") return 1;
  return deps.isTTY.stdout && deps.env.TERM !== "dumb" ? 1 : 0;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, "").length;

export function makeOutput(deps: Deps, opts: { json: boolean; quiet: boolean; noColor: boolean }): Output {
  const color = new Chalk({ level: colorLevel(deps, opts.noColor) });
  const w = (s: string) => void deps.stdout.write(s);
  const e = (s: string) => void deps.stderr.write(s);
  return {
    json: opts.json,
    quiet: opts.quiet,
    color,
    line: (text = "") => w(`${text}\n`),
    data: (value) => w(`${JSON.stringify(value, null, 2)}\n`),
    info: (text) => {
      if (!opts.quiet && !opts.json) e(`${text}\n`);
    },
    warn: (text) => e(`${color.yellow("warning:")} ${text}\n`),
    table(rows, header) {
      const all = header ? [header, ...rows] : rows;
      const widths: number[] = [];
      for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
      const fmt = (r: readonly string[]) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visible(c))))
          .join("  ")
          .trimEnd();
      if (header) w(`${color.bold(fmt(header))}\n`);
      for (const r of rows) w(`${fmt(r)}\n`);
    },
  };
}
