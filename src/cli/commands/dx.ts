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
import { checkLabels, LABELS } from "../../domain/labels.js";
import { createdAfter } from "../../domain/med.js";
import { commitRecords } from "../../store/records.js";
import { readLive } from "../../store/voids.js";
import { refuseIncomplete } from "../incomplete.js";
import type { Ctx } from "../context.js";
import { collect } from "../options.js";
import type { Opts, Registrar } from "../program.js";
import { recordJson } from "../views.js";
import { textOf } from "../../domain/text-of.js";

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

function warnConflicts(ctx: Ctx, events: readonly DxEventRecord[]): void {
  const n = dxHistoryProblems(events).size;
  if (n) ctx.out.warn(`${n} diagnosis event${n === 1 ? " does" : "s do"} not apply (conflicting history, e.g. from a merge); see chart dx history`);
}

function descriptionOpt(opts: Opts): string | undefined {
  if (opts.description === undefined) return undefined;
  const s = textOf(opts.description).trim();
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

async function write(ctx: Ctx, events: DxEventRecord[], message: string): Promise<void> {
  await commitRecords(await ctx.chart(), events, message);
  const e = events[0] as DxEventRecord;
  if (ctx.out.json) ctx.out.data({ id: e.id, code: e.code, status: e.status, ...(e.labels ? { labels: e.labels } : {}) });
  else ctx.out.line(e.id);
}

function statusOpt(v: unknown): DxStatus | undefined {
  if (v === undefined) return undefined;
  const s = textOf(v).trim().toLowerCase();
  if (!(DX_ADD_STATUSES as readonly string[]).includes(s)) {
    throw invalid("E_DX_BAD_STATUS", `status "${textOf(v).slice(0, 20)}" is not provisional or active`, "resolve with chart dx resolve, rule out with chart dx rule-out");
  }
  return s as DxStatus;
}

function statusCommand(dx: Command, reg: Registrar, name: string, status: DxStatus, description: string): void {
  dx.command(name)
    .description(description)
    .argument("<client>", CLIENT_ARG)
    .argument("<code>", CODE_ARG)
    .option("-d, --date <date>", "date it took effect, YYYY-MM-DD (default today)")
    .option("--allow-future", "accept a date in the future")
    .action(
      reg.action(async (ctx, [q, c], opts) => {
        const code = parseIcd10(c as string);
        const date = ctx.date(opts.date, "date", { allowFuture: !!opts.allowFuture });
        const l = await load(ctx, q as string);
        const e: DxEventRecord = { chart: 1, kind: "dx", id: ctx.newId("dx"), client: l.client.id, created: createdAfter(stamp(ctx.deps.now()), l.events), event: "status", code, date, status };
        checkDxEvent(l.events, e);
        await write(ctx, [e], "chart: update diagnosis");
      }),
    );
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
    .action(
      reg.action(async (ctx, [q, c], opts) => {
        const code = parseIcd10(c as string);
        const codeSet = checkAgainstCodeSet(ctx, code, !!opts.force);
        const status = statusOpt(opts.status) ?? "active";
        const date = ctx.date(opts.date, "date", { allowFuture: !!opts.allowFuture });
        const onset = ctx.optionalDate(opts.onset, "onset", { allowFuture: !!opts.allowFuture });
        const given = descriptionOpt(opts);
        const description = given ?? describeIcd10(code) ?? codeSet.description;
        if (opts.autoLabel === false) {
          throw usageError(
            "E_AUTO_LABEL_ALWAYS",
            "the labels a code implies are always applied (--no-auto-label is no longer accepted)",
            `to leave one off, name it: --without-label ${impliedLabels(code)[0] ?? "LABEL"} (recorded in the chart)`,
          );
        }
        const flagged = checkLabels(opts.label as string[] | undefined) ?? [];
        const leftOff = checkLabels(opts.withoutLabel as string[] | undefined) ?? [];
        const { labels, added: implied, without } = labelsForNewDx(code, flagged, leftOff);
        const l = await load(ctx, q as string);
        const e: DxEventRecord = { chart: 1, kind: "dx", id: ctx.newId("dx"), client: l.client.id, created: createdAfter(stamp(ctx.deps.now()), l.events), event: "add", code, date, status };
        if (description !== undefined) e.description = description;
        if (onset !== undefined) e.onset = onset;
        if (opts.primary) e.primary = true;
        if (labels.length) e.labels = labels;
        if (without.length) e.withoutLabels = without;
        if (codeSet.forced) e.forced = codeSet.forced;
        checkDxEvent(l.events, e);
        const demote = opts.primary ? demotions(ctx, l, code, date) : [];
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
        await write(ctx, [e, ...demote], "chart: add diagnosis");
      }),
    );

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
    .action(
      reg.action(async (ctx, [q, c], opts) => {
        const code = parseIcd10(c as string);
        const status = statusOpt(opts.status);
        const description = descriptionOpt(opts);
        const labels = checkLabels(opts.label as string[] | undefined);
        const primary = opts.primary as boolean | undefined;
        if (status === undefined && description === undefined && labels === undefined && primary === undefined) {
          throw usageError("E_DX_NO_CHANGE", "nothing to change", "pass one or more of --status, --primary, --no-primary, --description, --label");
        }
        const date = ctx.date(opts.date, "date", { allowFuture: !!opts.allowFuture });
        const l = await load(ctx, q as string);
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
        if (!changes) {
          ctx.out.info("no changes; nothing written");
          if (ctx.out.json) ctx.out.data({ code, changed: false });
          return;
        }
        if (status === undefined) e.status = before?.status ?? cur.status;
        const demote = primary ? demotions(ctx, l, code, date) : [];
        for (const d of demote) checkDxEvent([...l.events, e], d);
        await write(ctx, [e, ...demote], "chart: update diagnosis");
      }),
    );

  statusCommand(dx, reg, "resolve", "resolved", "mark a diagnosis resolved");
  statusCommand(dx, reg, "rule-out", "ruled-out", "mark a (provisional) diagnosis ruled out");

  dx.command("list")
    .description("current diagnoses, primary first (--all: resolved and ruled-out ones too)")
    .argument("<client>", CLIENT_ARG)
    .option("--all", "include resolved and ruled-out diagnoses")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const l = await load(ctx, q as string, true);
        warnConflicts(ctx, l.events);
        const shown = l.list.filter((d) => opts.all || isCurrentDx(d));
        if (ctx.out.json) { ctx.out.data(shown.map((d) => ({ ...d, client: l.client.id }))); return; }
        if (shown.length === 0) { ctx.out.info(l.list.length ? "no current diagnoses (see --all)" : "no diagnoses recorded"); return; }
        ctx.out.table(
          shown.map((d) => [d.code, d.description ?? "", statusWord(d.status) + (d.primary ? ", primary" : ""), d.since, d.labels?.join(",") ?? ""]),
          ["CODE", "DESCRIPTION", "STATUS", "SINCE", "LABELS"],
        );
      }),
    );

  dx.command("history")
    .description("every diagnosis event in date order (or one code's)")
    .argument("<client>", CLIENT_ARG)
    .argument("[code]", CODE_ARG)
    .action(
      reg.action(async (ctx, [q, c]) => {
        const code = c !== undefined ? parseIcd10(c) : undefined;
        const l = await load(ctx, q as string, true);
        const bad = dxHistoryProblems(l.events);
        const shown = l.events.filter((e) => !code || e.code === code || icd10Category(e.code) === code).sort(byEventOrder);
        if (ctx.out.json) { ctx.out.data(shown.map((e) => (bad.has(e.id) ? { ...recordJson(e), conflict: true } : recordJson(e)))); return; }
        if (bad.size) warnConflicts(ctx, l.events);
        if (shown.length === 0) { ctx.out.info("no diagnosis events"); return; }
        ctx.out.table(
          shown.map((e) => [e.date, e.event === "add" ? "add" : statusWord(e.status), e.code, describeDxEvent(e) + (bad.has(e.id) ? " (does not apply)" : ""), e.labels?.join(",") ?? ""]),
          ["DATE", "EVENT", "CODE", "DETAILS", "LABELS"],
        );
      }),
    );
}
