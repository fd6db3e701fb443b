/** chart access-log: which records each command decrypted or wrote (a local, encrypted log). */
import type { Command } from "commander";
import { ChartError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { readAccessLog, type AccessEntry } from "../../store/access-log.js";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { timeInZone } from "../../domain/timezone.js";
import { optLimit, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";

const touches = (e: AccessEntry, client: string) => [...e.read, ...e.written].some((r) => r === client || r.startsWith(`${client}/`));

const names = (list: readonly string[], max = 3): string => {
  const shown = list.slice(0, max).map((r) => r.split("/").map(shortId).join("/"));
  return shown.join(" ") + (list.length > max ? ` +${list.length - max}` : "");
};

export interface AccessLogInput {
  client?: string | undefined;
  /** As typed; resolved against the practice's today in run. */
  since?: string | undefined;
  /** The last n entries (at least 1; a value that is not a number shows 1, as before). */
  limit?: number | undefined;
}

export const parseAccessLog = (_args: readonly string[], opts: Opts): AccessLogInput => {
  return { client: optString(opts, "client"), since: optString(opts, "since"), limit: optLimit(opts) };
};

export interface AccessLogResult {
  entries: AccessEntry[];
  timeZone: string;
  /** How many problems the log's check found: the entries are printed, then exit 3. */
  problems: number;
}

export async function runAccessLog(ctx: Ctx, input: AccessLogInput): Promise<AccessLogResult> {
  const chart = await ctx.chart();
  const since = ctx.optionalDate(input.since, "since");
  const client = input.client ? (await ctx.client(input.client)).id : undefined;
  const { entries, unreadable, byOtherKeys, problems } = await readAccessLog(chart);
  if (unreadable) ctx.out.warn(`${unreadable} access-log line(s) could not be decrypted (written for other keys, or damaged)`);
  if (byOtherKeys) ctx.out.info(`${byOtherKeys} entr${byOtherKeys === 1 ? "y was" : "ies were"} written with a key that is not a device of the chart (a recovery key), authenticated by the chart's MAC key`);
  for (const p of problems) ctx.out.warn(`access log${p.line ? ` line ${p.line}` : ""}: ${p.message}`);
  let shown = entries.filter((e) => (!since || e.at.slice(0, 10) >= since) && (!client || touches(e, client)));
  if (input.limit !== undefined) shown = shown.slice(-input.limit);
  return { entries: shown, timeZone: ctx.timeZone(), problems: problems.length };
}

export const accessLog: CommandSpec<AccessLogInput, AccessLogResult> = {
  parse: parseAccessLog,
  run: runAccessLog,
  text: (out, r) => {
    if (r.entries.length === 0) {
      out.info("no entries");
      return;
    }
    out.table(
      r.entries.map((e) => [timeInZone(e.at, r.timeZone), e.otherKey ? `${e.command} (recovery key ${e.otherKey.slice(0, 19)}…)` : e.command, e.read.length ? `read ${names(e.read)}` : "", e.written.length ? `wrote ${names(e.written)}` : ""]),
      ["AT", "COMMAND", "READ", "WROTE"],
    );
  },
  json: (r) => r.entries,
  fail: (r) =>
    r.problems
      ? new ChartError("invalid", "E_ACCESS_LOG_TAMPERED", `the access log fails its check (${r.problems} problem(s)): lines were forged, deleted, reordered or cut from its end`, "keep the file as evidence; see docs/verifiable-history.md")
      : undefined,
};

export function registerAccessLog(program: Command, reg: Registrar): void {
  program
    .command("access-log")
    .description("which records each chart command read or wrote, from the local encrypted log (.git/chart/access.log)")
    .option("--client <client>", "only entries touching this client's records")
    .option("--since <date>", "only entries from this date")
    .option("-n, --limit <n>", "only the last n entries")
    .action(wire(reg, accessLog));
}
