/** chart disclosures CLIENT: the accounting of disclosures a client may request (45 CFR 164.528). */
import type { Command } from "commander";
import type { DisclosureRecord } from "../../domain/consent.js";
import { shortId } from "../../domain/ids.js";
import { readKind } from "../../store/records.js";
import type { Registrar } from "../program.js";
import { recordJson } from "../views.js";

export function registerDisclosures(program: Command, reg: Registrar): void {
  program
    .command("disclosures")
    .description("the accounting of disclosures: every share of a client's record, oldest first")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("--since <date>", "only disclosures on or after this date")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const client = await ctx.client(q as string);
        const { records, failures } = await readKind<DisclosureRecord>(await ctx.chart(), "disclosure", client.id);
        ctx.incomplete(failures);
        const since = ctx.optionalDate(opts.since, "since", { allowFuture: true });
        const shown = records
          .filter((d) => !since || d.date >= since)
          .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.id < b.id ? -1 : 1));
        if (ctx.out.json) return ctx.out.data(shown.map(recordJson));
        if (shown.length === 0) return ctx.out.info("no disclosures recorded");
        ctx.out.table(
          shown.map((d) => [
            d.date,
            shortId(d.id),
            [d.recipient.name, d.recipient.organization].filter(Boolean).join(", "),
            d.purposes.join("; "),
            shortId(d.consent),
            d.description,
            `${d.bundleHash.slice(0, 19)}…${d.encrypted ? " (encrypted)" : ""}`,
          ]),
          ["DATE", "ID", "TO", "PURPOSE", "CONSENT", "DISCLOSED", "BUNDLE"],
        );
      }),
    );
}
