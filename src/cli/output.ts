/** Output: plain text, tables, JSON, colour; warnings and errors on stderr. */
import type { ChalkInstance } from "chalk";
import { Chalk } from "chalk";
import type { Deps } from "./deps.js";
import { jsonSafe, terminalSafe } from "./safe-text.js";
import { fitWidths, truncateCell } from "./table-fit.js";

export interface Output {
  json: boolean;
  quiet: boolean;
  color: Colors;
  /** A line on stdout (always printed; it is the command's result). */
  line(text?: string): void;
  /** Multi-line text as is (a note's body): made terminal-safe, newlines kept. */
  text(text: string): void;
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
const visible = (s: string) => (s.includes("\x1b") ? s.replace(ANSI, "").length : s.length);

/**
 * Colour codes are the only escape sequences chart writes. The colour functions write a per-run
 * random marker (Unicode noncharacters) where chalk would write ESC; output is made
 * terminal-safe (every ESC from a record shown as ⟨U+001B⟩), then the marker becomes ESC again.
 * A record cannot contain the marker: it is drawn afresh each run.
 */
export function colorMarker(random: (n: number) => Uint8Array): string {
  return [...random(12)].map((b) => String.fromCharCode(0xfdd0 + (b & 0x0f))).join("");
}

/** The styles commands use; each writes the marker where chalk writes ESC. */
export type Colors = Record<(typeof STYLES)[number], (text: string) => string>;
const STYLES = ["bold", "dim", "green", "yellow", "red", "cyan", "underline"] as const;

function markedColors(chalk: ChalkInstance, mark: string): Colors {
  const c = {} as Colors;
  // An ESC already in the text (a record's, such as the words a search highlights) is shown
  // visibly first, as terminalSafe would: only the codes chalk adds here become the marker.
  const visibleEsc = (text: string) => text.replaceAll("\x1b", "⟨U+001B⟩");
  // No colour (a pipe, NO_COLOR): chalk would return the text as it is.
  for (const s of STYLES) c[s] = chalk.level === 0 ? visibleEsc : (text: string) => chalk[s](visibleEsc(text)).replaceAll("\x1b", mark);
  return c;
}

/** Terminal-safe text, keeping chart's own colour codes (the marker) as real ESC. */
export function safeWithColor(text: string, mark: string, inline = false): string {
  if (!text.includes(mark)) return terminalSafe(text, { inline });
  return text
    .split(mark)
    .map((part) => terminalSafe(part, { inline }))
    .join("\x1b");
}

/**
 * The width tables fit on a terminal: $COLUMNS, else the terminal's. Off a terminal (a pipe, a
 * file, cron) and with --wide, tables are never cut.
 */
export function tableWidth(deps: Pick<Deps, "env" | "isTTY" | "columns">, wide: boolean): number | undefined {
  if (wide || !deps.isTTY.stdout) return undefined;
  const fromEnv = Number(deps.env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  // A terminal that does not say how wide it is (0, as some pseudo-terminals do): not cut.
  return deps.columns !== undefined && deps.columns > 0 ? deps.columns : undefined;
}

export function makeOutput(deps: Deps, opts: { json: boolean; quiet: boolean; noColor: boolean; wide?: boolean }): Output {
  const mark = colorMarker(deps.random);
  const color = markedColors(new Chalk({ level: colorLevel(deps, opts.noColor) }), mark);
  const safe = (s: string, inline = false) => safeWithColor(s, mark, inline);
  const w = (s: string) => void deps.stdout.write(s);
  const e = (s: string) => void deps.stderr.write(s);
  return {
    json: opts.json,
    quiet: opts.quiet,
    color,
    line: (text = "") => w(`${safe(text)}\n`),
    text: (text) => w(safe(text)),
    data: (value) => w(`${jsonSafe(JSON.stringify(value, null, 2))}\n`),
    info: (text) => {
      if (!opts.quiet && !opts.json) e(`${safe(text)}\n`);
    },
    warn: (text) => e(`${safe(`${color.yellow("warning:")} ${text}`)}\n`),
    table(rawRows, rawHeader) {
      const rows = rawRows.map((r) => r.map((c) => safe(c, true)));
      const header = rawHeader?.map((c) => safe(c, true));
      const all = header ? [header, ...rows] : rows;
      const natural: number[] = [];
      for (const r of all) r.forEach((c, i) => (natural[i] = Math.max(natural[i] ?? 0, visible(c))));
      const max = tableWidth(deps, !!opts.wide);
      const widths = max === undefined ? natural : fitWidths(natural, max);
      // A cell wider than its column loses its colour and ends in "…" (--wide shows it whole).
      const cut = (c: string, i: number) => (visible(c) > (widths[i] ?? 0) ? truncateCell(c.replace(ANSI, ""), widths[i] ?? 0) : c);
      if (max !== undefined) for (const r of all) r.forEach((c, i) => (r[i] = cut(c, i)));
      const fmt = (r: readonly string[]) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visible(c))))
          .join("  ")
          .trimEnd();
      // One write for the whole table: a write per row cost more than formatting it (a search
      // prints thousands of rows).
      let text = header ? `${safe(color.bold(fmt(header)))}\n` : "";
      for (const r of rows) text += `${fmt(r)}\n`;
      if (text) w(text);
    },
  };
}
