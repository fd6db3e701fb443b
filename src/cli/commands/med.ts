/** chart med add|change|stop|list|history: medications as a history of events. */
import { Option, type Command } from "commander";
import type { ClientRecord } from "../../domain/client.js";
import { stamp } from "../../domain/dates.js";
import { invalid, usageError } from "../../domain/errors.js";
import { byEventOrder } from "../../domain/events.js";
import { shortId } from "../../domain/ids.js";
import { checkLabels, type Label } from "../../domain/labels.js";
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
import { arg, collect, optFlag, optList, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { recordJson } from "../../domain/record.js";
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

const conflictWarning = (n: number): string => `${n} medication event${n === 1 ? " does" : "s do"} not apply (conflicting history, e.g. from a merge); see chart med history`;

function warnConflicts(ctx: Ctx, events: readonly MedEventRecord[]): void {
  const n = medHistoryProblems(events).size;
  if (n) ctx.out.warn(conflictWarning(n));
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

/** What med add, edit and stop return: the event written, or (edit) that nothing changed. */
export type MedWriteResult = { id: string; med: string; event: MedEventRecord["event"] } | { med: string; changed: false };

async function write(ctx: Ctx, e: MedEventRecord, message: string): Promise<MedWriteResult> {
  await commitRecords(await ctx.chart(), [e], message);
  return { id: e.id, med: e.med, event: e.event };
}

const printWrite = (out: Output, r: MedWriteResult): void => ("id" in r ? out.line(r.id) : out.info("no changes; nothing written"));

type Fields = Partial<Record<(typeof MED_FIELDS)[number], string>>;

// ---- med add ---------------------------------------------------------------------------------

export interface MedAddInput {
  client: string;
  name: string;
  date?: string | undefined;
  allowFuture: boolean;
  fields: Fields;
  reason?: string | undefined;
  labels?: Label[] | undefined;
}

export function parseMedAdd(args: readonly string[], opts: Opts): MedAddInput {
  const client = arg(args, 0, "CLIENT");
  const name = (args[1] ?? "").trim();
  if (name === "") throw invalid("E_MED_NAME", "a medication needs a name", 'e.g. chart med add CLIENT sertraline --dose "50 mg"');
  return {
    client,
    name,
    date: optString(opts, "date") ?? optString(opts, "start"),
    allowFuture: optFlag(opts, "allowFuture"),
    fields: fieldsFrom(opts),
    reason: text(opts, "reason", "--reason"),
    labels: checkLabels(optList(opts, "label")),
  };
}

export async function runMedAdd(ctx: Ctx, input: MedAddInput): Promise<MedWriteResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const { name, reason, labels } = input;
  const date = ctx.date(input.date, "date", { allowFuture: input.allowFuture });
  const { client, events, meds } = await load(ctx, input.client);
  const id = ctx.newId("med");
  const e: MedEventRecord = { chart: 1, kind: "med", id, client: client.id, created: createdAfter(stamp(ctx.deps.now()), events), event: "start", med: id, date, name, ...input.fields };
  if (reason !== undefined) e.reason = reason;
  if (labels) e.labels = labels;
  checkMedEvent(events, e);
  if (client.status === "discharged") ctx.out.warn(`client ${shortId(client.id)} is discharged`);
  const same = meds.filter((m) => m.active && m.name.toLowerCase() === name.toLowerCase());
  if (same.length) ctx.out.warn(`an active medication of that name is already listed (${same.map((m) => shortId(m.med)).join(", ")}); recording a second one`);
  if (oftenSudTreatment(name) && !labels?.some((l) => l === "SUD" || l === "ETH")) {
    ctx.out.warn("this medication is often a treatment for a substance use disorder; if it is, label it (chart med edit CLIENT MED --label SUD) so shares need a consent for substance-use information");
  }
  return write(ctx, e, "chart: add medication");
}

export const medAdd: CommandSpec<MedAddInput, MedWriteResult> = { parse: parseMedAdd, run: runMedAdd, text: printWrite };

// ---- med edit --------------------------------------------------------------------------------

export interface MedEditInput {
  client: string;
  med: string;
  date?: string | undefined;
  allowFuture: boolean;
  fields: Fields;
  reason?: string | undefined;
  labels?: Label[] | undefined;
}

export function parseMedEdit(args: readonly string[], opts: Opts): MedEditInput {
  const fields = fieldsFrom(opts);
  const reason = text(opts, "reason", "--reason");
  const labels = checkLabels(optList(opts, "label"));
  if (Object.keys(fields).length === 0 && !labels) {
    throw usageError("E_MED_NO_CHANGE", "nothing to change", "pass one or more of --dose, --route, --frequency, --prescriber, --label");
  }
  return { client: arg(args, 0, "CLIENT"), med: arg(args, 1, "MED"), date: optString(opts, "date"), allowFuture: optFlag(opts, "allowFuture"), fields, reason, labels };
}

export async function runMedEdit(ctx: Ctx, input: MedEditInput): Promise<MedWriteResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const date = ctx.date(input.date, "date", { allowFuture: input.allowFuture });
  const { client, events, meds } = await load(ctx, input.client);
  const target = resolveMedication(meds, input.med);
  const e: MedEventRecord = { chart: 1, kind: "med", id: ctx.newId("med"), client: client.id, created: createdAfter(stamp(ctx.deps.now()), events), event: "change", med: target.med, date, ...input.fields };
  if (input.reason !== undefined) e.reason = input.reason;
  if (input.labels) e.labels = input.labels;
  checkMedEvent(events, e);
  if (changedFields(medicationBefore(events, e), e).length === 0) return { med: target.med, changed: false };
  return write(ctx, e, "chart: change medication");
}

export const medEdit: CommandSpec<MedEditInput, MedWriteResult> = { parse: parseMedEdit, run: runMedEdit, text: printWrite };

// ---- med stop --------------------------------------------------------------------------------

export interface MedStopInput {
  client: string;
  med: string;
  date?: string | undefined;
  allowFuture: boolean;
  reason?: string | undefined;
}

export const parseMedStop = (args: readonly string[], opts: Opts): MedStopInput => ({
  client: arg(args, 0, "CLIENT"),
  med: arg(args, 1, "MED"),
  date: optString(opts, "date"),
  allowFuture: optFlag(opts, "allowFuture"),
  reason: text(opts, "reason", "--reason"),
});

export async function runMedStop(ctx: Ctx, input: MedStopInput): Promise<MedWriteResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const date = ctx.date(input.date, "date", { allowFuture: input.allowFuture });
  const { client, events, meds } = await load(ctx, input.client);
  const target = resolveMedication(meds, input.med);
  const e: MedEventRecord = { chart: 1, kind: "med", id: ctx.newId("med"), client: client.id, created: createdAfter(stamp(ctx.deps.now()), events), event: "stop", med: target.med, date };
  if (input.reason !== undefined) e.reason = input.reason;
  checkMedEvent(events, e);
  return write(ctx, e, "chart: stop medication");
}

export const medStop: CommandSpec<MedStopInput, MedWriteResult> = { parse: parseMedStop, run: runMedStop, text: printWrite };

// ---- med list --------------------------------------------------------------------------------

export const parseMedList = (args: readonly string[], opts: Opts): { client: string; all: boolean } => ({ client: arg(args, 0, "CLIENT"), all: optFlag(opts, "all") });

export interface MedListResult {
  client: string;
  all: boolean;
  /** Whether any medication is recorded (for the empty message). */
  any: boolean;
  shown: Medication[];
}

export async function runMedList(ctx: Ctx, input: { client: string; all: boolean }): Promise<MedListResult> {
  const { client, events, meds } = await load(ctx, input.client, true);
  warnConflicts(ctx, events);
  return { client: client.id, all: input.all, any: meds.length > 0, shown: meds.filter((m) => input.all || m.active) };
}

export function printMedList(out: Output, r: MedListResult): void {
  if (r.shown.length === 0) {
    out.info(r.any ? "no current medications (see --all)" : "no medications recorded");
    return;
  }
  const header = r.all ? ["ID", "NAME", "DOSING", "PRESCRIBER", "STARTED", "STOPPED", "LABELS"] : ["ID", "NAME", "DOSING", "PRESCRIBER", "STARTED", "LABELS"];
  out.table(
    r.shown.map((m) => {
      const row = [shortId(m.med), m.name, medLine(m), m.prescriber ?? "", m.started];
      if (r.all) row.push(m.stopped ?? "");
      row.push(m.labels?.join(",") ?? "");
      return row;
    }),
    header,
  );
}

export const medList: CommandSpec<{ client: string; all: boolean }, MedListResult> = {
  parse: parseMedList,
  run: runMedList,
  text: printMedList,
  json: (r) => r.shown.map((m) => ({ ...m, client: r.client })),
};

// ---- med history -----------------------------------------------------------------------------

export const parseMedHistory = (args: readonly string[]): { client: string; med?: string | undefined } => ({ client: arg(args, 0, "CLIENT"), med: args[1] });

export interface MedHistoryResult {
  shown: MedEventRecord[];
  /** Events that do not apply (conflicting history). */
  bad: ReturnType<typeof medHistoryProblems>;
  /** How many of the client's events do not apply (for the warning). */
  conflicts: number;
  names: Map<string, string>;
}

export async function runMedHistory(ctx: Ctx, input: { client: string; med?: string | undefined }): Promise<MedHistoryResult> {
  const { events, meds } = await load(ctx, input.client, true);
  const target = input.med !== undefined ? resolveMedication(meds, input.med) : undefined;
  const bad = medHistoryProblems(events);
  const shown = events.filter((e) => !target || e.med === target.med).sort(byEventOrder);
  return { shown, bad, conflicts: bad.size, names: new Map(meds.map((x) => [x.med, x.name])) };
}

export function printMedHistory(out: Output, r: MedHistoryResult): void {
  if (r.conflicts) out.warn(conflictWarning(r.conflicts));
  if (r.shown.length === 0) {
    out.info("no medication events");
    return;
  }
  out.table(
    r.shown.map((e) => [e.date, e.event, shortId(e.med), describeMedEvent(e, r.names.get(e.med)) + (r.bad.has(e.id) ? " (does not apply)" : ""), e.labels?.join(",") ?? ""]),
    ["DATE", "EVENT", "MED", "DETAILS", "LABELS"],
  );
}

export const medHistory: CommandSpec<{ client: string; med?: string | undefined }, MedHistoryResult> = {
  parse: parseMedHistory,
  run: runMedHistory,
  text: printMedHistory,
  json: (r) => r.shown.map((e) => (r.bad.has(e.id) ? { ...recordJson(e), conflict: true } : recordJson(e))),
};

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
    .action(wire(reg, medAdd));

  fieldOptions(med.command("edit").alias("change").description("record a change of dose, route, frequency or prescriber (`med change` is the old name)"))
    .argument("<client>", CLIENT_ARG)
    .argument("<med>", MED_ARG)
    .option("--reason <text>", "why it changed")
    .option("-d, --date <date>", "date of the change, YYYY-MM-DD (default today)")
    .option("-l, --label <label>", "add a sensitivity label (repeatable)", collect)
    .option("--allow-future", "accept a date in the future")
    .action(wire(reg, medEdit));

  med
    .command("stop")
    .description("stop a medication")
    .argument("<client>", CLIENT_ARG)
    .argument("<med>", MED_ARG)
    .option("--reason <text>", "why it was stopped")
    .option("-d, --date <date>", "date stopped, YYYY-MM-DD (default today)")
    .option("--allow-future", "accept a date in the future")
    .action(wire(reg, medStop));

  med
    .command("list")
    .description("current medications (--all: stopped ones too)")
    .argument("<client>", CLIENT_ARG)
    .option("--all", "include stopped medications")
    .action(wire(reg, medList));

  med
    .command("history")
    .description("every medication event in date order (or one medication's)")
    .argument("<client>", CLIENT_ARG)
    .argument("[med]", MED_ARG)
    .action(wire(reg, medHistory));
}
