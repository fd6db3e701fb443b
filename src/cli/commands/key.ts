/** chart key show: the chart's recipients and your identity. */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRecipients } from "../../store/recipients.js";
import type { Registrar } from "../program.js";

export function registerKey(program: Command, reg: Registrar): void {
  const key = program.command("key").description("the keys that can open this chart");
  key
    .command("show")
    .description("list the chart's recipients and your identity's recipient")
    .action(
      reg.action(async (ctx) => {
        const chart = await ctx.chart();
        const entries = parseRecipients(await readFile(join(chart.root, ".chart", "recipients"), "utf8"));
        const mine = chart.identity.recipient;
        if (ctx.out.json) {
          ctx.out.data({ identity: { path: chart.identity.path, recipient: mine }, recipients: entries.map((e) => ({ ...e, yours: e.recipient === mine })) });
          return;
        }
        ctx.out.line(`your identity: ${chart.identity.path}`);
        ctx.out.line(`your recipient: ${mine}`);
        ctx.out.line("");
        ctx.out.table(
          entries.map((e) => [e.recipient, e.label, e.recipient === mine ? "(you)" : ""]),
          ["RECIPIENT", "LABEL", ""],
        );
      }),
    );
}
