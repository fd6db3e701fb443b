/** chart timeline CLIENT: notes, medication and diagnosis events in one chronological view. */
import type { Command } from "commander";
import { usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { buildTimeline, parseTimelineKinds } from "../../domain/timeline.js";
import { readKind } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import { voidedIds } from "../../domain/void.js";
import { arg, collect, optFlag, optList, optString } from "../options.js";
import type { Opts, Registrar } from "../program.js";
import type { Ctx } from "../context.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";

export interface TimelineInput {
  client: string;
  since?: string | undefined;
  until?: string | undefined;
  kinds: ReturnType<typeof parseTimelineKinds>;
  psychotherapy: boolean;
  reverse: boolean;
  /** A discharged client in name matching. */
  all: boolean;
}

export const parseTimeline = (args: readonly string[], opts: Opts): TimelineInput => {
  const kind = optList(opts, "kind");
  return {
    client: arg(args, 0, "CLIENT"),
    since: optString(opts, "since"),
    until: optString(opts, "until"),
    kinds: parseTimelineKinds(kind.length ? kind : undefined),
    psychotherapy: optFlag(opts, "psychotherapy"),
    reverse: optFlag(opts, "reverse"),
    all: optFlag(opts, "all"),
  };
};

export type TimelineEntry = ReturnType<typeof buildTimeline>[number];

export async function runTimeline(ctx: Ctx, input: TimelineInput): Promise<TimelineEntry[]> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const since = ctx.optionalDate(input.since, "since", { allowFuture: true });
  const until = ctx.optionalDate(input.until, "until", { allowFuture: true });
  if (since && until && since > until) throw usageError("E_BAD_RANGE", `--since ${since} is after --until ${until}`, "swap the dates");
  const { kinds } = input;
  const client = await ctx.client(input.client, { allowVoided: true, all: input.all });
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
  const entries = buildTimeline({ notes: notes.records, meds: meds.records, dx: dx.records }, { since, until, kinds, psychotherapy: input.psychotherapy, voided });
  if (input.reverse) entries.reverse();
  return entries;
}

export function printTimeline(out: Output, entries: TimelineEntry[]): void {
  if (entries.length === 0) {
    out.info("nothing in the timeline");
    return;
  }
  const c = out.color;
  out.table(
    entries.map((e) => [e.date, e.kind, shortId(e.id), (e.voided ? c.dim(e.summary) : e.summary) + (e.conflict ? c.dim(" (does not apply)") : ""), e.labels?.join(",") ?? ""]),
    ["DATE", "KIND", "ID", "SUMMARY", "LABELS"],
  );
}

export const timeline: CommandSpec<TimelineInput, TimelineEntry[]> = { parse: parseTimeline, run: runTimeline, text: printTimeline };

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
    .option("--all", "a discharged client named by name too")
    .action(wire(reg, timeline));
}
