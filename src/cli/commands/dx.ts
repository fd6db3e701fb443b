/** chart dx add|update|resolve|rule-out|list|history: diagnoses (ICD-10-CM) as a history of events. */
import type { Command } from "commander";
import type { ClientRecord } from "../../domain/client.js";
import { stamp, type IsoDate } from "../../domain/dates.js";
import {
  DX_ADD_STATUSES,
  checkDxEvent,
  describeDxEvent,
  diagnosisBefore,
  dxHistoryProblems,
  foldDiagnoses,
  isCurrentDx,
  statusWord,
  type Diagnosis,
  type DxEventRecord,
  type DxStatus,
} from "../../domain/dx.js";
import { invalid, usageError } from "../../domain/errors.js";
import { byEventOrder } from "../../domain/events.js";
import { labelsForNewDx } from "../../domain/dx-labels.js";
import { describeIcd10, icd10Category, impliedLabels, parseIcd10, siblingCodes } from "../../domain/icd10.js";
import { checkAgainstCodeSet } from "./dx-codeset.js";
import { shortId } from "../../domain/ids.js";
import { checkLabels, LABELS, type Label } from "../../domain/labels.js";
import { createdAfter } from "../../domain/med.js";
import { commitRecords } from "../../store/records.js";
import { readLive } from "../../store/voids.js";
import { refuseIncomplete } from "../incomplete.js";
import type { Ctx } from "../context.js";
import { arg, collect, optFlag, optList, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { recordJson } from "../../domain/record.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";
const CODE_ARG = "ICD-10-CM code, e.g. F41.1 (case and dot optional: f411)";

interface Loaded {
  client: ClientRecord;
  events: DxEventRecord[];
  list: Diagnosis[];
}

async function load(ctx: Ctx, query: string, listing = false): Promise<Loaded> {
  const client = await ctx.client(query);
  const { records, failures } = await readLive(await ctx.chart(), "dx", client.id);
  if (listing) ctx.incomplete(failures);
  else if (failures.length) {
    ctx.reportFailures(failures);
    throw refuseIncomplete(failures, "the client's diagnosis history");
  }
  return { client, events: records, list: foldDiagnoses(records) };
}

const conflictWarning = (n: number): string => `${n} diagnosis event${n === 1 ? " does" : "s do"} not apply (conflicting history, e.g. from a merge); see chart dx history`;

function warnConflicts(ctx: Ctx, events: readonly DxEventRecord[]): void {
  const n = dxHistoryProblems(events).size;
  if (n) ctx.out.warn(conflictWarning(n));
}

function descriptionOpt(opts: Opts): string | undefined {
  const raw = optString(opts, "description");
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (s === "") throw invalid("E_EMPTY_VALUE", "--description is empty", "give the diagnosis in words, or leave the option out");
  return s;
}

/** Warn when a well-formed code is not in the table of common codes (it is still accepted). */
function warnUnknown(ctx: Ctx, code: string, described: boolean): void {
  if (describeIcd10(code) !== undefined) return;
  const near = siblingCodes(code);
  const category = code.length === 3 && near.length ? `; ${code} is a category, more specific codes include ${near.join(", ")}` : "";
  ctx.out.warn(`${code} is not in chart's list of common mental and behavioural codes; recorded as given${described ? "" : " without a description (add --description)"}${category}`);
}

/** Status events that take the primary flag off other current diagnoses. */
function demotions(ctx: Ctx, l: Loaded, code: string, date: IsoDate): DxEventRecord[] {
  const byId = new Map(l.events.map((e) => [e.id, e]));
  return l.list
    .filter((d) => d.primary && isCurrentDx(d) && d.code !== code)
    .map((d) => {
      const last = d.events.map((id) => byId.get(id)?.date ?? date).reduce((a, b) => (a > b ? a : b), date);
      return {
        chart: 1,
        kind: "dx",
        id: ctx.newId("dx"),
        client: l.client.id,
        created: createdAfter(stamp(ctx.deps.now()), l.events),
        event: "status",
        code: d.code,
        date: last,
        status: d.status,
        primary: false,
      } satisfies DxEventRecord;
    });
}

/** What dx add, edit, resolve and rule-out return: the event written, or (edit) that nothing changed. */
export type DxWriteResult = { id: string; code: string; status: DxStatus; labels?: DxEventRecord["labels"] } | { code: string; changed: false };

async function write(ctx: Ctx, first: DxEventRecord, more: DxEventRecord[], message: string): Promise<DxWriteResult> {
  await commitRecords(await ctx.chart(), [first, ...more], message);
  return { id: first.id, code: first.code, status: first.status, ...(first.labels ? { labels: first.labels } : {}) };
}

const printWrite = (out: Output, r: DxWriteResult): void => ("id" in r ? out.line(r.id) : out.info("no changes; nothing written"));

function statusOpt(v: string | undefined): DxStatus | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  const found = DX_ADD_STATUSES.find((x) => x === s);
  if (!found) throw invalid("E_DX_BAD_STATUS", `status "${v.slice(0, 20)}" is not provisional or active`, "resolve with chart dx resolve, rule out with chart dx rule-out");
  return found;
}

// ---- dx resolve / rule-out -------------------------------------------------------------------

export interface DxStatusInput {
  client: string;
  code: string;
  date?: string | undefined;
  allowFuture: boolean;
}

export const parseDxStatus = (args: readonly string[], opts: Opts): DxStatusInput => ({
  client: arg(args, 0, "CLIENT"),
  code: parseIcd10(arg(args, 1, "CODE")),
  date: optString(opts, "date"),
  allowFuture: optFlag(opts, "allowFuture"),
});

const dxStatus = (status: DxStatus): CommandSpec<DxStatusInput, DxWriteResult> => ({
  parse: parseDxStatus,
  run: async (ctx, { client, code, date: given, allowFuture }) => {
    await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
    const date = ctx.date(given, "date", { allowFuture });
    const l = await load(ctx, client);
    const e: DxEventRecord = { chart: 1, kind: "dx", id: ctx.newId("dx"), client: l.client.id, created: createdAfter(stamp(ctx.deps.now()), l.events), event: "status", code, date, status };
    checkDxEvent(l.events, e);
    return write(ctx, e, [], "chart: update diagnosis");
  },
  text: printWrite,
});

// ---- dx add ----------------------------------------------------------------------------------

export interface DxAddInput {
  client: string;
  code: string;
  force: boolean;
  status: DxStatus;
  date?: string | undefined;
  onset?: string | undefined;
  allowFuture: boolean;
  description?: string | undefined;
  primary: boolean;
  labels: Label[];
  withoutLabels: Label[];
}

export function parseDxAdd(args: readonly string[], opts: Opts): DxAddInput {
  const code = parseIcd10(arg(args, 1, "CODE"));
  const status = statusOpt(optString(opts, "status")) ?? "active";
  const description = descriptionOpt(opts);
  if (opts.autoLabel === false) {
    throw usageError(
      "E_AUTO_LABEL_ALWAYS",
      "the labels a code implies are always applied (--no-auto-label is no longer accepted)",
      `to leave one off, name it: --without-label ${impliedLabels(code)[0] ?? "LABEL"} (recorded in the chart)`,
    );
  }
  return {
    client: arg(args, 0, "CLIENT"),
    code,
    force: optFlag(opts, "force"),
    status,
    date: optString(opts, "date"),
    onset: optString(opts, "onset"),
    allowFuture: optFlag(opts, "allowFuture"),
    description,
    primary: optFlag(opts, "primary"),
    labels: checkLabels(optList(opts, "label")) ?? [],
    withoutLabels: checkLabels(optList(opts, "withoutLabel")) ?? [],
  };
}

export async function runDxAdd(ctx: Ctx, input: DxAddInput): Promise<DxWriteResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const { code, status } = input;
  const codeSet = checkAgainstCodeSet(ctx, code, input.force);
  const date = ctx.date(input.date, "date", { allowFuture: input.allowFuture });
  const onset = ctx.optionalDate(input.onset, "onset", { allowFuture: input.allowFuture });
  const description = input.description ?? describeIcd10(code) ?? codeSet.description;
  const { labels, added: implied, without } = labelsForNewDx(code, input.labels, input.withoutLabels);
  const l = await load(ctx, input.client);
  const e: DxEventRecord = { chart: 1, kind: "dx", id: ctx.newId("dx"), client: l.client.id, created: createdAfter(stamp(ctx.deps.now()), l.events), event: "add", code, date, status };
  if (description !== undefined) e.description = description;
  if (onset !== undefined) e.onset = onset;
  if (input.primary) e.primary = true;
  if (labels.length) e.labels = labels;
  if (without.length) e.withoutLabels = without;
  if (codeSet.forced) e.forced = codeSet.forced;
  checkDxEvent(l.events, e);
  const demote = input.primary ? demotions(ctx, l, code, date) : [];
  for (const d of demote) checkDxEvent([...l.events, e], d);
  if (!codeSet.installed) warnUnknown(ctx, code, description !== undefined);
  else if (description === undefined && !codeSet.forced) {
    ctx.out.warn(`${code} is a billable ICD-10-CM code; chart's list of common codes has no description for it, so it is recorded without one (add --description)`);
  }
  if (implied.length) {
    ctx.out.info(`labelled ${implied.join(", ")} (${implied.map((x) => LABELS[x]).join("; ")}), as ${code} implies`);
  }
  if (without.length) ctx.out.warn(`${without.join(", ")} left off ${code} as asked; the diagnosis event records it`);
  if (l.client.status === "discharged") ctx.out.warn(`client ${shortId(l.client.id)} is discharged`);
  return write(ctx, e, demote, "chart: add diagnosis");
}

export const dxAdd: CommandSpec<DxAddInput, DxWriteResult> = { parse: parseDxAdd, run: runDxAdd, text: printWrite };

// ---- dx edit ---------------------------------------------------------------------------------

export interface DxEditInput {
  client: string;
  code: string;
  status?: DxStatus | undefined;
  description?: string | undefined;
  labels?: Label[] | undefined;
  /** --primary true, --no-primary false, neither undefined. */
  primary?: boolean | undefined;
  date?: string | undefined;
  allowFuture: boolean;
}

export function parseDxEdit(args: readonly string[], opts: Opts): DxEditInput {
  const code = parseIcd10(arg(args, 1, "CODE"));
  const status = statusOpt(optString(opts, "status"));
  const description = descriptionOpt(opts);
  const labels = checkLabels(optList(opts, "label"));
  const primary = typeof opts.primary === "boolean" ? opts.primary : undefined;
  if (status === undefined && description === undefined && labels === undefined && primary === undefined) {
    throw usageError("E_DX_NO_CHANGE", "nothing to change", "pass one or more of --status, --primary, --no-primary, --description, --label");
  }
  return { client: arg(args, 0, "CLIENT"), code, status, description, labels, primary, date: optString(opts, "date"), allowFuture: optFlag(opts, "allowFuture") };
}

export async function runDxEdit(ctx: Ctx, input: DxEditInput): Promise<DxWriteResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const { code, status, description, labels, primary } = input;
  const date = ctx.date(input.date, "date", { allowFuture: input.allowFuture });
  const l = await load(ctx, input.client);
  const cur = l.list.find((d) => d.code === code);
  if (!cur) throw invalid("E_DX_NOT_ON_LIST", `${code} is not on the client's diagnosis list`, `add it with: chart dx add ${shortId(l.client.id)} ${code}`);
  const e: DxEventRecord = { chart: 1, kind: "dx", id: ctx.newId("dx"), client: l.client.id, created: createdAfter(stamp(ctx.deps.now()), l.events), event: "status", code, date, status: status ?? cur.status };
  if (description !== undefined) e.description = description;
  if (primary !== undefined) e.primary = primary;
  if (labels) e.labels = labels;
  checkDxEvent(l.events, e);
  const before = diagnosisBefore(l.events, e);
  const changes =
    (status !== undefined && status !== before?.status) ||
    (description !== undefined && description !== before?.description) ||
    (primary !== undefined && primary !== before?.primary) ||
    (labels ?? []).some((x) => !(before?.labels ?? []).includes(x));
  if (!changes) return { code, changed: false };
  if (status === undefined) e.status = before?.status ?? cur.status;
  const demote = primary ? demotions(ctx, l, code, date) : [];
  for (const d of demote) checkDxEvent([...l.events, e], d);
  return write(ctx, e, demote, "chart: update diagnosis");
}

export const dxEdit: CommandSpec<DxEditInput, DxWriteResult> = { parse: parseDxEdit, run: runDxEdit, text: printWrite };

// ---- dx list ---------------------------------------------------------------------------------

export const parseDxList = (args: readonly string[], opts: Opts): { client: string; all: boolean } => ({ client: arg(args, 0, "CLIENT"), all: optFlag(opts, "all") });

export interface DxListResult {
  client: string;
  any: boolean;
  shown: Diagnosis[];
}

export async function runDxList(ctx: Ctx, input: { client: string; all: boolean }): Promise<DxListResult> {
  const l = await load(ctx, input.client, true);
  warnConflicts(ctx, l.events);
  return { client: l.client.id, any: l.list.length > 0, shown: l.list.filter((d) => input.all || isCurrentDx(d)) };
}

export function printDxList(out: Output, r: DxListResult): void {
  if (r.shown.length === 0) {
    out.info(r.any ? "no current diagnoses (see --all)" : "no diagnoses recorded");
    return;
  }
  out.table(
    r.shown.map((d) => [d.code, d.description ?? "", statusWord(d.status) + (d.primary ? ", primary" : ""), d.since, d.onset ?? "", d.labels?.join(",") ?? ""]),
    ["CODE", "DESCRIPTION", "STATUS", "SINCE", "ONSET", "LABELS"],
  );
}

export const dxList: CommandSpec<{ client: string; all: boolean }, DxListResult> = {
  parse: parseDxList,
  run: runDxList,
  text: printDxList,
  json: (r) => r.shown.map((d) => ({ ...d, client: r.client })),
};

// ---- dx history ------------------------------------------------------------------------------

export const parseDxHistory = (args: readonly string[]): { client: string; code?: string | undefined } => {
  const c = args[1];
  return { client: arg(args, 0, "CLIENT"), code: c !== undefined ? parseIcd10(c) : undefined };
};

export interface DxHistoryResult {
  shown: DxEventRecord[];
  bad: ReturnType<typeof dxHistoryProblems>;
}

export async function runDxHistory(ctx: Ctx, { client, code }: { client: string; code?: string | undefined }): Promise<DxHistoryResult> {
  const l = await load(ctx, client, true);
  const bad = dxHistoryProblems(l.events);
  return { shown: l.events.filter((e) => !code || e.code === code || icd10Category(e.code) === code).sort(byEventOrder), bad };
}

export function printDxHistory(out: Output, { shown, bad }: DxHistoryResult): void {
  if (bad.size) out.warn(conflictWarning(bad.size));
  if (shown.length === 0) {
    out.info("no diagnosis events");
    return;
  }
  out.table(
    shown.map((e) => [e.date, e.event === "add" ? "add" : statusWord(e.status), e.code, describeDxEvent(e) + (bad.has(e.id) ? " (does not apply)" : ""), e.labels?.join(",") ?? ""]),
    ["DATE", "EVENT", "CODE", "DETAILS", "LABELS"],
  );
}

export const dxHistory: CommandSpec<{ client: string; code?: string | undefined }, DxHistoryResult> = {
  parse: parseDxHistory,
  run: runDxHistory,
  text: printDxHistory,
  json: (r) => r.shown.map((e) => (r.bad.has(e.id) ? { ...recordJson(e), conflict: true } : recordJson(e))),
};

function statusCommand(dx: Command, reg: Registrar, name: string, status: DxStatus, description: string): void {
  dx.command(name)
    .description(description)
    .argument("<client>", CLIENT_ARG)
    .argument("<code>", CODE_ARG)
    .option("-d, --date <date>", "date it took effect, YYYY-MM-DD (default today)")
    .option("--allow-future", "accept a date in the future")
    .action(wire(reg, dxStatus(status)));
}

export function registerDx(program: Command, reg: Registrar): void {
  const dx = program.command("dx").description("diagnoses (ICD-10-CM): add, edit, resolve, rule-out, list, history");

  dx.command("add")
    .description("add a diagnosis (the description of common codes is filled in)")
    .argument("<client>", CLIENT_ARG)
    .argument("<code>", CODE_ARG)
    .option("--description <text>", "the diagnosis in words (default: from chart's list of common codes)")
    .option("--status <status>", "provisional or active", "active")
    .option("--onset <date>", "when the condition began, YYYY-MM-DD")
    .option("-d, --date <date>", "date of the diagnosis, YYYY-MM-DD (default today)")
    .option("--primary", "the primary diagnosis (takes the flag off any other)")
    .option("-l, --label <label>", "sensitivity label (repeatable): SUD, HIV, SDV, PSY, ...", collect)
    .option("--without-label <label>", "leave off a label the code implies (SUD for F10-F16/F18/F19 and SUD Z codes, HIV for B20/Z21/...); recorded in the chart", collect)
    .option("--no-auto-label", "refused: implied labels are always applied (use --without-label LABEL)")
    .option("--allow-future", "accept dates in the future")
    .option("--force", "record a code that is not in the installed ICD-10-CM code set (the event says so)")
    .action(wire(reg, dxAdd));

  dx.command("edit").alias("update")
    .description("change a current diagnosis: confirm a provisional one, mark the primary, relabel")
    .argument("<client>", CLIENT_ARG)
    .argument("<code>", CODE_ARG)
    .option("--status <status>", "provisional or active")
    .option("--primary", "make it the primary diagnosis (takes the flag off any other)")
    .option("--no-primary", "it is no longer the primary diagnosis")
    .option("--description <text>", "the diagnosis in words")
    .option("-l, --label <label>", "add a sensitivity label (repeatable)", collect)
    .option("-d, --date <date>", "date it took effect, YYYY-MM-DD (default today)")
    .option("--allow-future", "accept a date in the future")
    .action(wire(reg, dxEdit));

  statusCommand(dx, reg, "resolve", "resolved", "mark a diagnosis resolved");
  statusCommand(dx, reg, "rule-out", "ruled-out", "mark a (provisional) diagnosis ruled out");

  dx.command("list")
    .description("current diagnoses, primary first (--all: resolved and ruled-out ones too)")
    .argument("<client>", CLIENT_ARG)
    .option("--all", "include resolved and ruled-out diagnoses")
    .action(wire(reg, dxList));

  dx.command("history")
    .description("every diagnosis event in date order (or one code's)")
    .argument("<client>", CLIENT_ARG)
    .argument("[code]", CODE_ARG)
    .action(wire(reg, dxHistory));
}
