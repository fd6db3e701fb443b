/**
 * chart amendment request|accept|deny|statement|list: a client's right to amend their record
 * (45 CFR 164.526; docs/amendments.md). Each outcome is one commit: the outcome record and the
 * signed addendum that carries it on the note.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Option, type Command } from "commander";
import {
  acceptedText,
  amendmentStatuses,
  assertOpen,
  deniedText,
  findAmendment,
  pastRecipients,
  statementText,
  type AmendmentOutcome,
  type AmendmentRequest,
  type AmendmentStatus,
} from "../../domain/amendment.js";
import { stamp } from "../../domain/dates.js";
import { invalid, notFound, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { checkBody, type NoteRecord } from "../../domain/note.js";
import { voidedIds } from "../../domain/void.js";
import { clinicianName } from "../../store/clinician.js";
import { locate } from "../../store/locate.js";
import { commitRecords, readKind, readRecord } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { arg, optFlag, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import { sign } from "./note.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";

async function statuses(ctx: Ctx, client: string): Promise<AmendmentStatus[]> {
  const { records, failures } = await readKind(await ctx.chart(), "amendment", client);
  ctx.reportFailures(failures);
  return amendmentStatuses(records, ctx.today());
}

function statusJson(s: AmendmentStatus) {
  const o = s.accepted ?? s.denied;
  return {
    id: s.request.id,
    client: s.request.client,
    note: s.request.note,
    received: s.request.received,
    due: s.due,
    open: s.open,
    overdue: s.overdue,
    ...(o ? { outcome: { event: o.event, date: o.date, addendum: o.addendum, ...(o.reason ? { reason: o.reason } : {}) } } : {}),
    statements: s.statements.map((x) => ({ date: x.date, addendum: x.addendum })),
  };
}

const text = (v: string | undefined, flag: string): string => {
  const s = v?.trim() ?? "";
  if (!s) throw invalid("E_EMPTY_VALUE", `${flag} is required and may not be empty`, `pass ${flag} "..."`);
  return s;
};

/** Record an outcome with its signed addendum on the note, as one commit. */
async function outcome(ctx: Ctx, s: AmendmentStatus, event: AmendmentOutcome["event"], body: string, extra: { reason?: string; text?: string }): Promise<{ o: AmendmentOutcome; addendum: NoteRecord }> {
  const chart = await ctx.chart();
  const note = await readRecord(chart, "note", s.request.client, s.request.note);
  const now = stamp(ctx.deps.now());
  const date = ctx.today();
  const draft: NoteRecord = { chart: 1, kind: "note", id: ctx.newId("note"), client: note.client, created: now, type: "addendum", template: "free", date, status: "draft", addendumTo: note.id, body: checkBody(body) };
  if (note.labels) draft.labels = note.labels;
  const addendum = await sign(ctx, draft);
  const o: AmendmentOutcome = { chart: 1, kind: "amendment", event, id: ctx.newId("amendment"), client: note.client, created: now, request: s.request.id, date, by: await clinicianName(ctx.deps.env, chart.root), addendum: addendum.id, ...extra };
  await commitRecords(chart, [addendum, o], `chart: record amendment ${event === "accept" ? "acceptance" : event === "deny" ? "denial" : "statement"}`);
  return { o, addendum };
}

// ---- amendment request -----------------------------------------------------------------------

export interface AmendmentRequestInput {
  client: string;
  note: string;
  text: string;
  received?: string | undefined;
}

export function parseAmendmentRequest(args: readonly string[], opts: Opts): AmendmentRequestInput {
  const note = optString(opts, "note");
  if (note === undefined) throw usageError("E_MISSING", "--note is required", "pass --note NOTE");
  return { client: arg(args, 0, "CLIENT"), note, text: text(optString(opts, "text"), "--text"), received: optString(opts, "date") ?? optString(opts, "received") };
}

export async function runAmendmentRequest(ctx: Ctx, input: AmendmentRequestInput): Promise<AmendmentStatus> {
  const client = await ctx.client(input.client);
  const chart = await ctx.chart();
  const where = await locate(chart, "note", input.note, client.id);
  const note = await readRecord(chart, "note", where.client, where.id);
  if (note.type === "addendum") throw invalid("E_ADDENDUM_OF_ADDENDUM", "name the original note: amendments attach to it", `use ${shortId(note.addendumTo ?? "")}`);
  if (note.type === "psychotherapy") throw invalid("E_AMENDMENT_PSYCHOTHERAPY", "psychotherapy notes are not in the designated record set the client may inspect (164.524(a)(1)), so 164.526(a)(2)(iii) applies", "record the request in a note if you want to keep it");
  const { voids } = await readVoids(chart, client.id);
  if (voidedIds([note], voids).has(note.id)) throw invalid("E_VOIDED", `note ${shortId(note.id)} was voided`, "name the note that is in the record");
  const r: AmendmentRequest = { chart: 1, kind: "amendment", event: "request", id: ctx.newId("amendment"), client: client.id, created: stamp(ctx.deps.now()), note: note.id, text: input.text, received: ctx.date(input.received, "received") };
  await commitRecords(chart, [r], "chart: record amendment request");
  const [s] = amendmentStatuses([r], ctx.today());
  if (!s) throw notFound("E_AMENDMENT_NOT_FOUND", `request ${shortId(r.id)} has no status`);
  return s;
}

export const amendmentRequest: CommandSpec<AmendmentRequestInput, AmendmentStatus> = {
  parse: parseAmendmentRequest,
  run: runAmendmentRequest,
  text: (out, s) => {
    out.line(s.request.id);
    out.info(`due ${s.due} (60 days after ${s.request.received})`);
  },
  json: statusJson,
};

// ---- amendment accept ------------------------------------------------------------------------

export interface AmendmentRef {
  client: string;
  request: string;
}

export const parseAmendmentRef = (args: readonly string[]): AmendmentRef => ({ client: arg(args, 0, "CLIENT"), request: arg(args, 1, "REQUEST") });

export interface AmendmentAcceptResult {
  id: string;
  request: string;
  addendum: string;
  note: string;
  notify: ReturnType<typeof pastRecipients>;
}

export async function runAmendmentAccept(ctx: Ctx, input: AmendmentRef): Promise<AmendmentAcceptResult> {
  const client = await ctx.client(input.client);
  const s = findAmendment(await statuses(ctx, client.id), input.request);
  assertOpen(s);
  const note = await readRecord(await ctx.chart(), "note", client.id, s.request.note);
  if (note.status !== "signed") throw invalid("E_NOTE_DRAFT", `note ${shortId(note.id)} is a draft: edit it instead, then accept`, `chart note edit ${shortId(note.id)}`);
  const { o, addendum } = await outcome(ctx, s, "accept", acceptedText(s.request), {});
  const { records } = await readKind(await ctx.chart(), "disclosure", client.id);
  return { id: o.id, request: s.request.id, addendum: addendum.id, note: s.request.note, notify: pastRecipients(records, s.request.note) };
}

export function printAmendmentAccept(out: Output, r: AmendmentAcceptResult): void {
  out.line(r.addendum);
  out.info(`accepted: addendum ${shortId(r.addendum)} on note ${shortId(r.note)}; tell the client`);
  if (r.notify.length) {
    out.info("these received the note before: make reasonable efforts to send them the amendment (164.526(c)(3))");
    out.table(r.notify.map((n) => [n.date, [n.recipient.name, n.recipient.organization].filter(Boolean).join(", "), n.recipient.contact ?? "", shortId(n.disclosure)]), ["DISCLOSED", "RECIPIENT", "CONTACT", "DISCLOSURE"]);
  } else out.info("no disclosure of this note is on record");
}

export const amendmentAccept: CommandSpec<AmendmentRef, AmendmentAcceptResult> = {
  parse: parseAmendmentRef,
  run: runAmendmentAccept,
  text: printAmendmentAccept,
  json: (r) => ({ id: r.id, request: r.request, addendum: r.addendum, notify: r.notify }),
};

// ---- amendment deny --------------------------------------------------------------------------

export interface AmendmentDenyInput extends AmendmentRef {
  reason: string;
  statement?: string | undefined;
}

export function parseAmendmentDeny(args: readonly string[], opts: Opts): AmendmentDenyInput {
  const reason = text(optString(opts, "reason"), "--reason");
  const st = optString(opts, "statement");
  return { ...parseAmendmentRef(args), reason, statement: st !== undefined ? text(st, "--statement") : undefined };
}

export async function runAmendmentDeny(ctx: Ctx, input: AmendmentDenyInput): Promise<{ id: string; request: string; addendum: string; statement?: string }> {
  const client = await ctx.client(input.client);
  const s = findAmendment(await statuses(ctx, client.id), input.request);
  assertOpen(s);
  const { o, addendum } = await outcome(ctx, s, "deny", deniedText(s.request, input.reason, ctx.today()), { reason: input.reason });
  let statement: string | undefined;
  if (input.statement !== undefined) {
    const st = input.statement;
    statement = (await outcome(ctx, { ...s, denied: o, open: false }, "statement", statementText(s.request, st), { text: st })).addendum.id;
  }
  return { id: o.id, request: s.request.id, addendum: addendum.id, ...(statement ? { statement } : {}) };
}

export const amendmentDeny: CommandSpec<AmendmentDenyInput, { id: string; request: string; addendum: string; statement?: string }> = {
  parse: parseAmendmentDeny,
  run: runAmendmentDeny,
  text: (out, r) => {
    out.line(r.addendum);
    out.info("denied: give the client the written denial with the basis, their right to a statement of disagreement, and how to complain (164.526(d)(1))");
  },
};

// ---- amendment statement ---------------------------------------------------------------------

export const parseAmendmentStatement = (args: readonly string[], opts: Opts): AmendmentRef & { text: string } => ({ ...parseAmendmentRef(args), text: text(optString(opts, "text"), "--text") });

export async function runAmendmentStatement(ctx: Ctx, input: AmendmentRef & { text: string }): Promise<{ request: string; addendum: string }> {
  const client = await ctx.client(input.client);
  const s = findAmendment(await statuses(ctx, client.id), input.request);
  if (!s.denied) throw invalid("E_AMENDMENT_NOT_DENIED", `request ${shortId(s.request.id)} was not denied`, s.accepted ? "it was accepted" : "deny it first, or accept it");
  const { addendum } = await outcome(ctx, s, "statement", statementText(s.request, input.text), { text: input.text });
  return { request: s.request.id, addendum: addendum.id };
}

export const amendmentStatement: CommandSpec<AmendmentRef & { text: string }, { request: string; addendum: string }> = {
  parse: parseAmendmentStatement,
  run: runAmendmentStatement,
  text: (out, r) => out.line(r.addendum),
};

// ---- amendment list --------------------------------------------------------------------------

export const parseAmendmentList = (args: readonly string[], opts: Opts): { client?: string | undefined; all: boolean } => ({ client: args[0] || undefined, all: optFlag(opts, "all") });

export async function runAmendmentList(ctx: Ctx, input: { client?: string | undefined; all: boolean }): Promise<{ all: boolean; shown: AmendmentStatus[] }> {
  const chart = await ctx.chart();
  const ids = input.client ? [(await ctx.client(input.client)).id] : (await readdir(join(chart.root, "clients")).catch(() => [] as string[])).filter((d) => d.startsWith("cl_"));
  const all: AmendmentStatus[] = [];
  for (const id of ids) {
    if ((await readdir(join(chart.root, "clients", id, "amendments")).catch(() => [] as string[])).length) all.push(...(await statuses(ctx, id)));
  }
  return { all: input.all, shown: all.filter((s) => input.all || s.open) };
}

export function printAmendmentList(out: Output, { all, shown }: { all: boolean; shown: AmendmentStatus[] }): void {
  if (!shown.length) {
    out.info(all ? "no amendment requests" : "no open amendment requests");
    return;
  }
  out.table(
    shown.map((s) => [shortId(s.request.id), shortId(s.request.client), shortId(s.request.note), s.request.received, s.due, s.accepted ? `accepted ${s.accepted.date}` : s.denied ? `denied ${s.denied.date}` : s.overdue ? "OVERDUE" : "open"]),
    ["ID", "CLIENT", "NOTE", "RECEIVED", "DUE", "STATUS"],
  );
}

export const amendmentList: CommandSpec<{ client?: string | undefined; all: boolean }, { all: boolean; shown: AmendmentStatus[] }> = {
  parse: parseAmendmentList,
  run: runAmendmentList,
  text: printAmendmentList,
  json: (r) => r.shown.map(statusJson),
};

export function registerAmendment(program: Command, reg: Registrar): void {
  const am = program.command("amendment").description("a client's requests to amend their record (HIPAA 164.526): due in 60 days, accepted as a linked addendum or denied with the client's statement of disagreement");

  am.command("request")
    .description("record a client's request to amend a note; due in 60 days")
    .argument("<client>", CLIENT_ARG)
    .option("--note <note>", "the note to amend (id or id prefix)")
    .option("--text <text>", "the amendment the client asks for")
    .option("-d, --date <date>", "when the request was received (default today)")
    .addOption(new Option("--received <date>", "the old name of --date").hideHelp())
    .action(wire(reg, amendmentRequest));

  am.command("accept")
    .description("accept: the note gets a signed addendum with the amendment; lists who received the note before, to be told")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .action(wire(reg, amendmentAccept));

  am.command("deny")
    .description("deny, with the basis; the request and the denial go on the note as a signed addendum")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--reason <text>", "the basis (164.526(a)(2): e.g. the note is accurate and complete)")
    .option("--statement <text>", "the client's statement of disagreement, if already given")
    .action(wire(reg, amendmentDeny));

  am.command("statement")
    .description("record the client's statement of disagreement with a denial; it goes on the note and with every later disclosure of it")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--text <text>", "the client's statement")
    .action(wire(reg, amendmentStatement));

  am.command("list")
    .description("amendment requests and their due dates (open ones, or --all)")
    .argument("[client]", CLIENT_ARG)
    .option("--all", "include decided requests")
    .action(wire(reg, amendmentList));
}
