/** chart access-log: which records each command decrypted or wrote (a local, encrypted log). */
import type { Command } from "commander";
import { ChartError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { readAccessLog, type AccessEntry } from "../../store/access-log.js";
import type { Registrar } from "../program.js";
import { textOf } from "../../domain/text-of.js";

const touches = (e: AccessEntry, client: string) => [...e.read, ...e.written].some((r) => r === client || r.startsWith(`${client}/`));

const names = (list: readonly string[], max = 3): string => {
  const shown = list.slice(0, max).map((r) => r.split("/").map(shortId).join("/"));
  return shown.join(" ") + (list.length > max ? ` +${list.length - max}` : "");
};

export function registerAccessLog(program: Command, reg: Registrar): void {
  program
    .command("access-log")
    .description("which records each chart command read or wrote, from the local encrypted log (.git/chart/access.log)")
    .option("--client <client>", "only entries touching this client's records")
    .option("--since <date>", "only entries from this date")
    .option("-n, --limit <n>", "only the last n entries")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chart();
        const since = ctx.optionalDate(opts.since, "since");
        const client = opts.client ? (await ctx.client(textOf(opts.client))).id : undefined;
        const { entries, unreadable, byOtherKeys, problems } = await readAccessLog(chart);
        if (unreadable) ctx.out.warn(`${unreadable} access-log line(s) could not be decrypted (written for other keys, or damaged)`);
        if (byOtherKeys) ctx.out.info(`${byOtherKeys} entr${byOtherKeys === 1 ? "y was" : "ies were"} written with a key that is not a device of the chart (a recovery key), authenticated by the chart's MAC key`);
        for (const p of problems) ctx.out.warn(`access log${p.line ? ` line ${p.line}` : ""}: ${p.message}`);
        const tampered = () =>
          new ChartError("invalid", "E_ACCESS_LOG_TAMPERED", `the access log fails its check (${problems.length} problem(s)): lines were forged, deleted, reordered or cut from its end`, "keep the file as evidence; see docs/verifiable-history.md");
        let shown = entries.filter((e) => (!since || e.at.slice(0, 10) >= since) && (!client || touches(e, client)));
        if (opts.limit !== undefined) shown = shown.slice(-Math.max(1, Number(opts.limit) || 1));
        if (ctx.out.json) ctx.out.data(shown);
        else if (shown.length === 0) ctx.out.info("no entries");
        else {
          ctx.out.table(
            shown.map((e) => [e.at, e.otherKey ? `${e.command} (recovery key ${e.otherKey.slice(0, 19)}…)` : e.command, e.read.length ? `read ${names(e.read)}` : "", e.written.length ? `wrote ${names(e.written)}` : ""]),
            ["AT", "COMMAND", "READ", "WROTE"],
          );
        }
        if (problems.length) throw tampered();
      }),
    );
}
