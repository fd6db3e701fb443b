/** chart timeline CLIENT: notes, medication and diagnosis events in one chronological view. */
import type { Command } from "commander";
import { usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { buildTimeline, parseTimelineKinds } from "../../domain/timeline.js";
import { readKind } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import { voidedIds } from "../../domain/void.js";
import { collect } from "../options.js";
import type { Registrar } from "../program.js";

export function registerTimeline(program: Command, reg: Registrar): void {
  program
    .command("timeline")
    .description("a client's notes, medication and diagnosis events in date order")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("--since <date>", "from this date, YYYY-MM-DD")
    .option("--until <date>", "to this date, YYYY-MM-DD")
    .option("-k, --kind <kind>", "only these kinds (repeatable or comma-separated): note, med, dx", collect)
    .option("--psychotherapy", "include psychotherapy notes (kept apart by default)")
    .option("-r, --reverse", "newest first")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const since = ctx.optionalDate(opts.since, "since", { allowFuture: true });
        const until = ctx.optionalDate(opts.until, "until", { allowFuture: true });
        if (since && until && since > until) throw usageError("E_BAD_RANGE", `--since ${since} is after --until ${until}`, "swap the dates");
        const kinds = parseTimelineKinds(opts.kind as string[] | undefined);
        const client = await ctx.client(q as string, { allowVoided: true });
        const chart = await ctx.chart();
        const want = (k: "note" | "med" | "dx") => !kinds || kinds.includes(k);
        const none = { records: [], failures: [] };
        // One kind after the other: each read is bounded (docs/decisions.md, "Bounded file work").
        const notes = want("note") ? await readKind(chart, "note", client.id) : none;
        const meds = want("med") ? await readKind(chart, "med", client.id) : none;
        const dx = want("dx") ? await readKind(chart, "dx", client.id) : none;
        const voids = await readVoids(chart, client.id);
        ctx.incomplete([...notes.failures, ...meds.failures, ...dx.failures, ...voids.failures]);
        const voided = voidedIds([...notes.records, ...meds.records, ...dx.records], voids.voids);
        const entries = buildTimeline(
          { notes: notes.records, meds: meds.records, dx: dx.records },
          { since, until, kinds, psychotherapy: !!opts.psychotherapy, voided },
        );
        if (opts.reverse) entries.reverse();
        if (ctx.out.json) { ctx.out.data(entries); return; }
        if (entries.length === 0) { ctx.out.info("nothing in the timeline"); return; }
        const c = ctx.out.color;
        ctx.out.table(
          entries.map((e) => [
            e.date,
            e.kind,
            shortId(e.id),
            (e.voided ? c.dim(e.summary) : e.summary) + (e.conflict ? c.dim(" (does not apply)") : ""),
            e.labels?.join(",") ?? "",
          ]),
          ["DATE", "KIND", "ID", "SUMMARY", "LABELS"],
        );
      }),
    );
}
