/**
 * chart amendment request|accept|deny|statement|list: a client's right to amend their record
 * (45 CFR 164.526; docs/amendments.md). Each outcome is one commit: the outcome record and the
 * signed addendum that carries it on the note.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
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
import { invalid, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { checkBody, type NoteRecord } from "../../domain/note.js";
import { voidedIds } from "../../domain/void.js";
import { clinicianName } from "../../store/clinician.js";
import { locate } from "../../store/locate.js";
import { commitRecords, readKind, readRecord } from "../../store/records.js";
import { readVoids } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import type { Registrar } from "../program.js";
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

const text = (v: unknown, flag: string): string => {
  const s = typeof v === "string" ? v.trim() : "";
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

export function registerAmendment(program: Command, reg: Registrar): void {
  const am = program.command("amendment").description("a client's requests to amend their record (HIPAA 164.526): due in 60 days, accepted as a linked addendum or denied with the client's statement of disagreement");

  am.command("request")
    .description("record a client's request to amend a note; due in 60 days")
    .argument("<client>", CLIENT_ARG)
    .option("--note <note>", "the note to amend (id or id prefix)")
    .option("--text <text>", "the amendment the client asks for")
    .option("--received <date>", "when the request was received (default today)")
    .action(
      reg.action(async (ctx, [q], opts) => {
        if (typeof opts.note !== "string") throw usageError("E_MISSING", "--note is required", "pass --note NOTE");
        const body = text(opts.text, "--text");
        const client = await ctx.client(q as string);
        const chart = await ctx.chart();
        const where = await locate(chart, "note", opts.note, client.id);
        const note = await readRecord(chart, "note", where.client, where.id);
        if (note.type === "addendum") throw invalid("E_ADDENDUM_OF_ADDENDUM", "name the original note: amendments attach to it", `use ${shortId(note.addendumTo ?? "")}`);
        if (note.type === "psychotherapy") throw invalid("E_AMENDMENT_PSYCHOTHERAPY", "psychotherapy notes are not in the designated record set the client may inspect (164.524(a)(1)), so 164.526(a)(2)(iii) applies", "record the request in a note if you want to keep it");
        const { voids } = await readVoids(chart, client.id);
        if (voidedIds([note], voids).has(note.id)) throw invalid("E_VOIDED", `note ${shortId(note.id)} was voided`, "name the note that is in the record");
        const r: AmendmentRequest = { chart: 1, kind: "amendment", event: "request", id: ctx.newId("amendment"), client: client.id, created: stamp(ctx.deps.now()), note: note.id, text: body, received: ctx.date(opts.received, "received") };
        await commitRecords(chart, [r], "chart: record amendment request");
        const [s] = amendmentStatuses([r], ctx.today());
        if (ctx.out.json) { ctx.out.data(statusJson(s as AmendmentStatus)); return; }
        ctx.out.line(r.id);
        ctx.out.info(`due ${(s as AmendmentStatus).due} (60 days after ${r.received})`);
      }),
    );

  am.command("accept")
    .description("accept: the note gets a signed addendum with the amendment; lists who received the note before, to be told")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .action(
      reg.action(async (ctx, [q, rq]) => {
        const client = await ctx.client(q as string);
        const s = findAmendment(await statuses(ctx, client.id), rq as string);
        assertOpen(s);
        const note = await readRecord(await ctx.chart(), "note", client.id, s.request.note);
        if (note.status !== "signed") throw invalid("E_NOTE_DRAFT", `note ${shortId(note.id)} is a draft: edit it instead, then accept`, `chart note edit ${shortId(note.id)}`);
        const { o, addendum } = await outcome(ctx, s, "accept", acceptedText(s.request), {});
        const { records } = await readKind(await ctx.chart(), "disclosure", client.id);
        const notify = pastRecipients(records, s.request.note);
        if (ctx.out.json) { ctx.out.data({ id: o.id, request: s.request.id, addendum: addendum.id, notify }); return; }
        ctx.out.line(addendum.id);
        ctx.out.info(`accepted: addendum ${shortId(addendum.id)} on note ${shortId(s.request.note)}; tell the client`);
        if (notify.length) {
          ctx.out.info("these received the note before: make reasonable efforts to send them the amendment (164.526(c)(3))");
          ctx.out.table(notify.map((n) => [n.date, [n.recipient.name, n.recipient.organization].filter(Boolean).join(", "), n.recipient.contact ?? "", shortId(n.disclosure)]), ["DISCLOSED", "RECIPIENT", "CONTACT", "DISCLOSURE"]);
        } else ctx.out.info("no disclosure of this note is on record");
      }),
    );

  am.command("deny")
    .description("deny, with the basis; the request and the denial go on the note as a signed addendum")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--reason <text>", "the basis (164.526(a)(2): e.g. the note is accurate and complete)")
    .option("--statement <text>", "the client's statement of disagreement, if already given")
    .action(
      reg.action(async (ctx, [q, rq], opts) => {
        const reason = text(opts.reason, "--reason");
        const client = await ctx.client(q as string);
        const s = findAmendment(await statuses(ctx, client.id), rq as string);
        assertOpen(s);
        const { o, addendum } = await outcome(ctx, s, "deny", deniedText(s.request, reason, ctx.today()), { reason });
        let statement: string | undefined;
        if (opts.statement !== undefined) {
          const st = text(opts.statement, "--statement");
          statement = (await outcome(ctx, { ...s, denied: o, open: false }, "statement", statementText(s.request, st), { text: st })).addendum.id;
        }
        if (ctx.out.json) { ctx.out.data({ id: o.id, request: s.request.id, addendum: addendum.id, ...(statement ? { statement } : {}) }); return; }
        ctx.out.line(addendum.id);
        ctx.out.info("denied: give the client the written denial with the basis, their right to a statement of disagreement, and how to complain (164.526(d)(1))");
      }),
    );

  am.command("statement")
    .description("record the client's statement of disagreement with a denial; it goes on the note and with every later disclosure of it")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--text <text>", "the client's statement")
    .action(
      reg.action(async (ctx, [q, rq], opts) => {
        const st = text(opts.text, "--text");
        const client = await ctx.client(q as string);
        const s = findAmendment(await statuses(ctx, client.id), rq as string);
        if (!s.denied) throw invalid("E_AMENDMENT_NOT_DENIED", `request ${shortId(s.request.id)} was not denied`, s.accepted ? "it was accepted" : "deny it first, or accept it");
        const { addendum } = await outcome(ctx, s, "statement", statementText(s.request, st), { text: st });
        if (ctx.out.json) { ctx.out.data({ request: s.request.id, addendum: addendum.id }); return; }
        ctx.out.line(addendum.id);
      }),
    );

  am.command("list")
    .description("amendment requests and their due dates (open ones, or --all)")
    .argument("[client]", CLIENT_ARG)
    .option("--all", "include decided requests")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const chart = await ctx.chart();
        const ids = q ? [(await ctx.client(q)).id] : (await readdir(join(chart.root, "clients")).catch(() => [] as string[])).filter((d) => d.startsWith("cl_"));
        const all: AmendmentStatus[] = [];
        for (const id of ids) {
          if ((await readdir(join(chart.root, "clients", id, "amendments")).catch(() => [] as string[])).length) all.push(...(await statuses(ctx, id)));
        }
        const shown = all.filter((s) => opts.all || s.open);
        if (ctx.out.json) { ctx.out.data(shown.map(statusJson)); return; }
        if (!shown.length) { ctx.out.info(opts.all ? "no amendment requests" : "no open amendment requests"); return; }
        ctx.out.table(
          shown.map((s) => [shortId(s.request.id), shortId(s.request.client), shortId(s.request.note), s.request.received, s.due, s.accepted ? `accepted ${s.accepted.date}` : s.denied ? `denied ${s.denied.date}` : s.overdue ? "OVERDUE" : "open"]),
          ["ID", "CLIENT", "NOTE", "RECEIVED", "DUE", "STATUS"],
        );
      }),
    );
}
