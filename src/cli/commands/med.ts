/** chart med add|change|stop|list|history: medications as a history of events. */
import { Option, type Command } from "commander";
import type { ClientRecord } from "../../domain/client.js";
import { stamp } from "../../domain/dates.js";
import { invalid, usageError } from "../../domain/errors.js";
import { byEventOrder } from "../../domain/events.js";
import { shortId } from "../../domain/ids.js";
import { checkLabels } from "../../domain/labels.js";
import {
  MED_FIELDS,
  changedFields,
  checkMedEvent,
  createdAfter,
  describeMedEvent,
  foldMedications,
  medHistoryProblems,
  medicationBefore,
  oftenSudTreatment,
  resolveMedication,
  type Medication,
  type MedEventRecord,
} from "../../domain/med.js";
import { commitRecords } from "../../store/records.js";
import { readLive } from "../../store/voids.js";
import { refuseIncomplete } from "../incomplete.js";
import type { Ctx } from "../context.js";
import { collect } from "../options.js";
import type { Opts, Registrar } from "../program.js";
import { recordJson } from "../views.js";
import { textOf } from "../../domain/text-of.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";
const MED_ARG = "medication id, id prefix, or a unique part of its name";

interface Loaded {
  client: ClientRecord;
  events: MedEventRecord[];
  meds: Medication[];
}

async function load(ctx: Ctx, query: string, listing = false): Promise<Loaded> {
  const client = await ctx.client(query);
  const { records, failures } = await readLive(await ctx.chart(), "med", client.id);
  if (listing) ctx.incomplete(failures);
  else if (failures.length) {
    ctx.reportFailures(failures);
    throw refuseIncomplete(failures, "the client's medication history");
  }
  return { client, events: records, meds: foldMedications(records) };
}

function warnConflicts(ctx: Ctx, events: readonly MedEventRecord[]): void {
  const n = medHistoryProblems(events).size;
  if (n) ctx.out.warn(`${n} medication event${n === 1 ? " does" : "s do"} not apply (conflicting history, e.g. from a merge); see chart med history`);
}

/** Text options, trimmed; an empty value is refused rather than silently dropped. */
function text(opts: Opts, key: string, flag: string): string | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const s = textOf(v).trim();
  if (s === "") throw invalid("E_EMPTY_VALUE", `${flag} is empty`, `give a value, e.g. ${flag} "50 mg"`);
  return s;
}

function fieldOptions(cmd: Command): Command {
  return cmd
    .option("--dose <dose>", 'e.g. "50 mg"')
    .option("--route <route>", "e.g. oral")
    .option("--frequency <frequency>", "e.g. daily, twice daily, as needed")
    .option("--prescriber <name>", "who prescribes it");
}

function fieldsFrom(opts: Opts): Partial<Record<(typeof MED_FIELDS)[number], string>> {
  const out: Partial<Record<(typeof MED_FIELDS)[number], string>> = {};
  for (const f of MED_FIELDS) {
    const v = text(opts, f, `--${f}`);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

const medLine = (m: Medication): string => [m.dose, m.route, m.frequency].filter(Boolean).join(", ");

async function write(ctx: Ctx, e: MedEventRecord, message: string): Promise<void> {
  await commitRecords(await ctx.chart(), [e], message);
  if (ctx.out.json) ctx.out.data({ id: e.id, med: e.med, event: e.event });
  else ctx.out.line(e.id);
}

export function registerMed(program: Command, reg: Registrar): void {
  const med = program.command("med").description("medications: add, edit, stop, list, history");

  fieldOptions(med.command("add").description("start a medication"))
    .argument("<client>", CLIENT_ARG)
    .argument("<name>", "the medication, e.g. sertraline")
    .option("--reason <text>", "why it was started")
    .option("-d, --date <date>", "date started (default today; see chart help dates)")
    .addOption(new Option("--start <date>", "the old name of --date").hideHelp())
    .option("-l, --label <label>", "sensitivity label (repeatable): SUD, HIV, SDV, PSY, ...", collect)
    .option("--allow-future", "accept a start date in the future")
    .action(
      reg.action(async (ctx, [q, nameArg], opts) => {
        const name = (nameArg ?? "").trim();
        if (name === "") throw invalid("E_MED_NAME", "a medication needs a name", 'e.g. chart med add CLIENT sertraline --dose "50 mg"');
        const date = ctx.date(opts.date ?? opts.start, "date", { allowFuture: !!opts.allowFuture });
        const fields = fieldsFrom(opts);
        const reason = text(opts, "reason", "--reason");
        const labels = checkLabels(opts.label as string[] | undefined);
        const { client, events, meds } = await load(ctx, q as string);
        const id = ctx.newId("med");
        const e: MedEventRecord = { chart: 1, kind: "med", id, client: client.id, created: createdAfter(stamp(ctx.deps.now()), events), event: "start", med: id, date, name, ...fields };
        if (reason !== undefined) e.reason = reason;
        if (labels) e.labels = labels;
        checkMedEvent(events, e);
        if (client.status === "discharged") ctx.out.warn(`client ${shortId(client.id)} is discharged`);
        const same = meds.filter((m) => m.active && m.name.toLowerCase() === name.toLowerCase());
        if (same.length) ctx.out.warn(`an active medication of that name is already listed (${same.map((m) => shortId(m.med)).join(", ")}); recording a second one`);
        if (oftenSudTreatment(name) && !labels?.some((l) => l === "SUD" || l === "ETH")) {
          ctx.out.warn("this medication is often a treatment for a substance use disorder; if it is, label it (chart med edit CLIENT MED --label SUD) so shares need a consent for substance-use information");
        }
        await write(ctx, e, "chart: add medication");
      }),
    );

  fieldOptions(med.command("edit").alias("change").description("record a change of dose, route, frequency or prescriber (`med change` is the old name)"))
    .argument("<client>", CLIENT_ARG)
    .argument("<med>", MED_ARG)
    .option("--reason <text>", "why it changed")
    .option("-d, --date <date>", "date of the change, YYYY-MM-DD (default today)")
    .option("-l, --label <label>", "add a sensitivity label (repeatable)", collect)
    .option("--allow-future", "accept a date in the future")
    .action(
      reg.action(async (ctx, [q, m], opts) => {
        const date = ctx.date(opts.date, "date", { allowFuture: !!opts.allowFuture });
        const fields = fieldsFrom(opts);
        const reason = text(opts, "reason", "--reason");
        const labels = checkLabels(opts.label as string[] | undefined);
        if (Object.keys(fields).length === 0 && !labels) {
          throw usageError("E_MED_NO_CHANGE", "nothing to change", "pass one or more of --dose, --route, --frequency, --prescriber, --label");
        }
        const { client, events, meds } = await load(ctx, q as string);
        const target = resolveMedication(meds, m as string);
        const e: MedEventRecord = { chart: 1, kind: "med", id: ctx.newId("med"), client: client.id, created: createdAfter(stamp(ctx.deps.now()), events), event: "change", med: target.med, date, ...fields };
        if (reason !== undefined) e.reason = reason;
        if (labels) e.labels = labels;
        checkMedEvent(events, e);
        if (changedFields(medicationBefore(events, e), e).length === 0) {
          ctx.out.info("no changes; nothing written");
          if (ctx.out.json) ctx.out.data({ med: target.med, changed: false });
          return;
        }
        await write(ctx, e, "chart: change medication");
      }),
    );

  med
    .command("stop")
    .description("stop a medication")
    .argument("<client>", CLIENT_ARG)
    .argument("<med>", MED_ARG)
    .option("--reason <text>", "why it was stopped")
    .option("-d, --date <date>", "date stopped, YYYY-MM-DD (default today)")
    .option("--allow-future", "accept a date in the future")
    .action(
      reg.action(async (ctx, [q, m], opts) => {
        const date = ctx.date(opts.date, "date", { allowFuture: !!opts.allowFuture });
        const reason = text(opts, "reason", "--reason");
        const { client, events, meds } = await load(ctx, q as string);
        const target = resolveMedication(meds, m as string);
        const e: MedEventRecord = { chart: 1, kind: "med", id: ctx.newId("med"), client: client.id, created: createdAfter(stamp(ctx.deps.now()), events), event: "stop", med: target.med, date };
        if (reason !== undefined) e.reason = reason;
        checkMedEvent(events, e);
        await write(ctx, e, "chart: stop medication");
      }),
    );

  med
    .command("list")
    .description("current medications (--all: stopped ones too)")
    .argument("<client>", CLIENT_ARG)
    .option("--all", "include stopped medications")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const { client, events, meds } = await load(ctx, q as string, true);
        warnConflicts(ctx, events);
        const shown = meds.filter((m) => opts.all || m.active);
        if (ctx.out.json) { ctx.out.data(shown.map((m) => ({ ...m, client: client.id }))); return; }
        if (shown.length === 0) { ctx.out.info(meds.length ? "no current medications (see --all)" : "no medications recorded"); return; }
        const header = opts.all ? ["ID", "NAME", "DOSING", "PRESCRIBER", "STARTED", "STOPPED", "LABELS"] : ["ID", "NAME", "DOSING", "PRESCRIBER", "STARTED", "LABELS"];
        ctx.out.table(
          shown.map((m) => {
            const row = [shortId(m.med), m.name, medLine(m), m.prescriber ?? "", m.started];
            if (opts.all) row.push(m.stopped ?? "");
            row.push(m.labels?.join(",") ?? "");
            return row;
          }),
          header,
        );
      }),
    );

  med
    .command("history")
    .description("every medication event in date order (or one medication's)")
    .argument("<client>", CLIENT_ARG)
    .argument("[med]", MED_ARG)
    .action(
      reg.action(async (ctx, [q, m]) => {
        const { events, meds } = await load(ctx, q as string, true);
        const target = m !== undefined ? resolveMedication(meds, m) : undefined;
        const bad = medHistoryProblems(events);
        const shown = events.filter((e) => !target || e.med === target.med).sort(byEventOrder);
        if (ctx.out.json) { ctx.out.data(shown.map((e) => (bad.has(e.id) ? { ...recordJson(e), conflict: true } : recordJson(e)))); return; }
        if (bad.size) warnConflicts(ctx, events);
        if (shown.length === 0) { ctx.out.info("no medication events"); return; }
        const names = new Map(meds.map((x) => [x.med, x.name]));
        ctx.out.table(
          shown.map((e) => [
            e.date,
            e.event,
            shortId(e.med),
            describeMedEvent(e, names.get(e.med)) + (bad.has(e.id) ? " (does not apply)" : ""),
            e.labels?.join(",") ?? "",
          ]),
          ["DATE", "EVENT", "MED", "DETAILS", "LABELS"],
        );
      }),
    );
}
