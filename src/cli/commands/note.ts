/** chart note add|list|show|edit|sign|amend|templates */
import type { Command } from "commander";
import { displayName } from "../../domain/client.js";
import { parseDate, stamp } from "../../domain/dates.js";
import { ChartError, errorFor, invalid, notFound, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { isPsychotherapyNote } from "../../domain/psychotherapy.js";
import { checkLabels } from "../../domain/labels.js";
import {
  TEMPLATE_DEFAULT_TYPE,
  assertEditable,
  byNewest,
  checkBody,
  checkCpt,
  checkDuration,
  checkNoteType,
  firstLine,
  normaliseBody,
  signedContent,
  type NoteRecord,
  type NoteType,
} from "../../domain/note.js";
import { clinicianName } from "../../store/clinician.js";
import { contentHash } from "../../store/hash.js";
import { locate } from "../../store/locate.js";
import { listDrafts, removeDraft, saveDraft } from "../../store/drafts.js";
import { preflightWrite } from "../../store/preflight.js";
import { commitRecords, readKind, readRecord } from "../../store/records.js";
import { readLive, readVoids, voidedClients } from "../../store/voids.js";
import { checkVoid, voidedIds, type VoidMark, type VoidRecord } from "../../domain/void.js";
import { confirm } from "../prompt.js";
import { listTemplates, loadTemplate } from "../../store/templates.js";
import type { Ctx } from "../context.js";
import { collect } from "../options.js";
import type { Opts, Registrar } from "../program.js";
import { textFromFlagsOrEditor } from "../text-input.js";
import { bufferBase } from "../editor.js";
import { join } from "node:path";
import { recordJson } from "../views.js";
import { otherVersions, registerNoteResolve } from "./note-resolve.js";
import { textOf } from "../../domain/text-of.js";

function textOptions(cmd: Command): Command {
  return cmd
    .option("-m, --message <text>", "the note text (repeat for paragraphs)", collect)
    .option("-F, --file <file>", "read the text from FILE, or - for standard input");
}

export async function sign(ctx: Ctx, n: NoteRecord): Promise<NoteRecord> {
  const chart = await ctx.chart();
  return {
    ...n,
    status: "signed",
    signed: {
      by: await clinicianName(ctx.deps.env, chart.root),
      key: chart.identity.recipient,
      at: stamp(ctx.deps.now()),
      hash: contentHash(signedContent(n)),
    },
  };
}

/**
 * Commit what the user wrote in the editor; if the write fails now (a writer took the lock while
 * the editor was open, a full disk, ...), keep it as a draft encrypted to this device and say
 * how to bring it back. Text given by -m or -F is still at hand and is not kept.
 */
async function commitKeeping(ctx: Ctx, records: NoteRecord[], message: string, edited: boolean): Promise<void> {
  const chart = await ctx.chart();
  try {
    await commitRecords(chart, records, message);
  } catch (e) {
    if (!edited) throw e;
    const id = `dr_${Buffer.from(ctx.deps.random(8)).toString("hex")}`;
    let where: string;
    try {
      where = await saveDraft(chart, { id, saved: stamp(ctx.deps.now()), message, records }, draftFallback(ctx));
    } catch {
      throw e;
    }
    const inRam = !where.startsWith(chart.gitDir);
    const base = e instanceof ChartError ? e : undefined;
    const err = errorFor(
      base?.code ?? "E_WRITE",
      `${base?.message ?? "the note could not be written"}; your text is kept, encrypted to this device, as draft ${id}${inRam ? " (in the private RAM folder: write it back before a reboot)" : ""}`,
      `${base?.hint ? `${base.hint}; then ` : ""}write it with: chart note recover ${id}`,
      { draft: id },
      { cause: e },
    );
    throw err;
  }
}

/** Where drafts go when the chart itself cannot be written: the private RAM folder, if any. */
function draftFallback(ctx: Ctx): string | undefined {
  try {
    return join(bufferBase(ctx.deps), `chart-drafts-${process.getuid?.() ?? "user"}`);
  } catch {
    return undefined;
  }
}

/** Resolve NOTE, or CLIENT NOTE (the client narrows the search). */
async function findNote(ctx: Ctx, refs: string[], o: { allowVoided?: boolean } = {}): Promise<NoteRecord & { voided?: VoidMark }> {
  const chart = await ctx.chart();
  const [a, b] = refs;
  const client = b !== undefined ? (await ctx.client(a as string, o)).id : undefined;
  const where = await locate(chart, "note", (b ?? a) as string, client);
  const n = await readRecord(chart, "note", where.client, where.id);
  // A voided note (or a note of a voided client) is history: shown, never changed.
  const { voids } = await readVoids(chart, n.client);
  const mark = voidedIds([n], voids).get(n.id);
  if (mark && !o.allowVoided) throw invalid("E_VOIDED", `note ${shortId(n.id)} was voided (${mark.reason}); it cannot change`, "write a new note instead");
  return mark ? { ...n, voided: mark } : n;
}

function noteRow(n: NoteRecord, addenda: number): string[] {
  return [
    shortId(n.id),
    n.date,
    n.type,
    n.status + (addenda ? ` +${addenda}` : "") + (otherVersions(n).length ? ` (${otherVersions(n).length + 1} versions)` : ""),
    n.labels?.join(",") ?? "",
    firstLine(n.body),
  ];
}

function printNote(ctx: Ctx, n: NoteRecord, addenda: NoteRecord[], clientName: string): void {
  const c = ctx.out.color;
  const meta = [
    `${c.bold(n.type)} note ${n.id}`,
    `client:   ${clientName}`,
    `date:     ${n.date}${n.duration ? `, ${n.duration} min` : ""}${n.cpt ? `, CPT ${n.cpt}` : ""}`,
    `template: ${n.template}`,
    n.labels?.length ? `labels:   ${n.labels.join(", ")}` : "",
    n.status === "signed" && n.signed ? `status:   signed by ${n.signed.by} at ${n.signed.at}` : "status:   draft",
  ].filter(Boolean);
  for (const l of meta) ctx.out.line(l);
  ctx.out.line("");
  ctx.out.text(n.body);
  for (const a of addenda) {
    ctx.out.line("");
    ctx.out.line(c.bold(`Addendum ${a.id} (${a.date}${a.signed ? `, signed by ${a.signed.by} at ${a.signed.at}` : ""})`));
    ctx.out.line("");
    ctx.out.text(a.body);
  }
}

export function registerNote(program: Command, reg: Registrar): void {
  const note = program.command("note").description("progress notes, intakes, treatment plans, psychotherapy notes");
  registerNoteResolve(note, reg);

  textOptions(note.command("add").description("write a note: -m TEXT, -F FILE, -F - (stdin), or $VISUAL/$EDITOR on a template"))
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("-t, --template <name>", "soap, dap, birp, intake, treatment-plan, free, ... (see chart note templates)")
    .option("-k, --kind <kind>", "progress, intake, treatment-plan, contact, psychotherapy")
    .option("-d, --date <date>", "date of service, YYYY-MM-DD (default today)")
    .option("--duration <minutes>", "session length in minutes")
    .option("--cpt <code>", "CPT code, e.g. 90837")
    .option("-l, --label <label>", "sensitivity label (repeatable): SUD, HIV, SDV, PSY, ...", collect)
    .option("--allow-future", "accept a date of service in the future")
    .option("--sign", "sign and lock the note now")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const { deps } = ctx;
        // Check everything the user typed before opening an editor or writing anything.
        const kindFlag = opts.kind ? checkNoteType(textOf(opts.kind)) : undefined;
        const date = ctx.date(opts.date, "date", { allowFuture: !!opts.allowFuture });
        const duration = opts.duration !== undefined ? checkDuration(textOf(opts.duration)) : undefined;
        const cpt = opts.cpt !== undefined ? checkCpt(textOf(opts.cpt)) : undefined;
        const labels = checkLabels(opts.label as string[] | undefined);
        const client = await ctx.client(q as string);
        const chart = await ctx.chart();
        const hasText = opts.message !== undefined || opts.file !== undefined;
        const templateName =
          (opts.template as string | undefined) ??
          (kindFlag && kindFlag !== "progress" && kindFlag !== "contact" ? kindFlag : undefined) ??
          (hasText ? "free" : (deps.env.CHART_TEMPLATE || "soap"));
        const template = await loadTemplate(templateName, chart.root);
        const type: NoteType = kindFlag ?? (template.type ? checkNoteType(template.type) : TEMPLATE_DEFAULT_TYPE[templateName] ?? "progress");
        const { text, edited } = await textFromFlagsOrEditor(deps, opts, template.body, () => preflightWrite(chart));
        if (edited && normaliseBody(text) === normaliseBody(template.body)) {
          throw invalid("E_UNCHANGED", "the template was left unchanged; nothing was written", "write the note in the editor and save, or pass -m TEXT");
        }
        const body = checkBody(text);
        if (client.status === "discharged") ctx.out.warn(`client ${shortId(client.id)} is discharged`);
        let rec: NoteRecord = {
          chart: 1,
          kind: "note",
          id: ctx.newId("note"),
          client: client.id,
          created: stamp(deps.now()),
          type,
          template: templateName,
          date,
          status: "draft",
          body,
        };
        if (duration !== undefined) rec.duration = duration;
        if (cpt !== undefined) rec.cpt = cpt;
        if (labels) rec.labels = labels;
        if (opts.sign) rec = await sign(ctx, rec);
        await commitKeeping(ctx, [rec], "chart: add note", edited);
        if (ctx.out.json) ctx.out.data({ id: rec.id, client: client.id, status: rec.status });
        else ctx.out.line(rec.id);
      }),
    );

  note
    .command("list")
    .description("a client's notes, newest first (psychotherapy notes only with --psychotherapy)")
    .argument("[client]", "id, id prefix, or a unique part of the name (or --all-clients)")
    .option("--psychotherapy", "list the psychotherapy notes (kept apart) instead")
    .option("--unsigned", "only notes not yet signed (psychotherapy notes included, without their text)")
    .option("--all-clients", "every active client's notes (with --unsigned: the practice's signing worklist)")
    .option("-k, --kind <kind>", "only notes of this kind")
    .option("--since <date>", "from this date of service")
    .option("--until <date>", "to this date of service")
    .option("-n, --limit <n>", "at most n notes")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const since = ctx.optionalDate(opts.since, "since", { allowFuture: true });
        const until = ctx.optionalDate(opts.until, "until", { allowFuture: true });
        const kind = opts.kind ? checkNoteType(textOf(opts.kind)) : undefined;
        if (kind === "psychotherapy" && !opts.psychotherapy) {
          throw invalid("E_PSYCHOTHERAPY_APART", "psychotherapy notes are kept apart", "list them with --psychotherapy");
        }
        const limit = opts.limit !== undefined ? Number(opts.limit) : undefined;
        if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw usageError("E_USAGE", "--limit takes a positive whole number");
        if (!q && !opts.allClients) throw usageError("E_MISSING", "name a client, or pass --all-clients", "chart note list CLIENT, or chart note list --unsigned --all-clients");
        if (q && opts.allClients) throw usageError("E_USAGE", "a client and --all-clients exclude each other", "drop one");
        const chart = await ctx.chart();
        const clients: { id: string; name: string }[] = [];
        if (opts.allClients) {
          const all = await readKind(chart, "client");
          ctx.incomplete(all.failures);
          const { voided } = await voidedClients(chart, all.records.map((c) => c.id));
          clients.push(...all.records.filter((c) => c.status === "active" && !voided.has(c.id)).map((c) => ({ id: c.id, name: displayName(c) })));
        } else {
          const c = await ctx.client(q as string);
          clients.push({ id: c.id, name: displayName(c) });
        }
        const records: NoteRecord[] = [];
        for (const c of clients) {
          const res = await readLive(chart, "note", c.id);
          ctx.incomplete(res.failures);
          records.push(...res.records);
        }
        const nameOf = new Map(clients.map((c) => [c.id, c.name]));
        const addenda = countAddenda(records);
        const unsigned = !!opts.unsigned;
        const shown = records
          .filter((n) => (unsigned ? n.status !== "signed" : n.type !== "addendum"))
          .filter((n) => unsigned || (opts.psychotherapy ? isPsychotherapyNote(n) : !isPsychotherapyNote(n)))
          .filter((n) => !kind || n.type === kind)
          .filter((n) => (!since || n.date >= since) && (!until || n.date <= until))
          .sort(byNewest)
          .slice(0, limit);
        const apart = (n: NoteRecord) => unsigned && n.type === "psychotherapy" && !opts.psychotherapy;
        if (ctx.out.json) {
          ctx.out.data(shown.map((n) => (apart(n) ? { id: n.id, client: n.client, type: n.type, date: n.date, status: n.status } : { ...recordJson(n), addenda: addenda.get(n.id) ?? 0 }))); return;
        }
        if (shown.length === 0) { ctx.out.info(unsigned ? "no unsigned notes" : "no notes"); return; }
        const row = (n: NoteRecord) => {
          const r = noteRow(n, addenda.get(n.id) ?? 0);
          if (apart(n)) r[5] = "(psychotherapy note)";
          return opts.allClients ? [r[0] as string, nameOf.get(n.client) ?? shortId(n.client), ...r.slice(1)] : r;
        };
        ctx.out.table(shown.map(row), opts.allClients ? ["ID", "CLIENT", "DATE", "KIND", "STATUS", "LABELS", "FIRST LINE"] : ["ID", "DATE", "KIND", "STATUS", "LABELS", "FIRST LINE"]);
      }),
    );

  note
    .command("show")
    .description("show a note with its addenda")
    .argument("<note...>", "NOTE, or CLIENT NOTE (id or id prefix)")
    .action(
      reg.action(async (ctx, refs) => {
        const n = await findNote(ctx, refs, { allowVoided: true });
        const chart = await ctx.chart();
        const client = await readRecord(chart, "client", n.client, n.client);
        const all = await readKind(chart, "note", n.client);
        ctx.incomplete(all.failures);
        const addenda = all.records.filter((a) => a.addendumTo === n.id).sort((a, b) => (a.created < b.created ? -1 : 1));
        if (ctx.out.json) { ctx.out.data({ ...recordJson(n), addenda: addenda.map(recordJson) }); return; }
        if (n.voided) ctx.out.line(ctx.out.color.bold(`VOIDED on ${n.voided.at} by ${n.voided.by}: ${n.voided.reason}`));
        printNote(ctx, n, addenda, displayName(client));
        const versions = otherVersions(n).length;
        if (versions) ctx.out.warn(`this note was edited on two devices: ${versions + 1} versions are kept; see and settle them with chart note resolve ${shortId(n.id)}`);
      }),
    );

  textOptions(note.command("edit").description("change a draft note (signed notes take addenda: chart note amend)"))
    .argument("<note...>", "NOTE, or CLIENT NOTE")
    .option("-d, --date <date>", "change the date of service")
    .option("--duration <minutes>", "change the session length")
    .option("--cpt <code>", "change the CPT code")
    .option("-l, --label <label>", "replace the sensitivity labels (repeatable)", collect)
    .option("--allow-future", "accept a date of service in the future")
    .action(
      reg.action(async (ctx, refs, opts) => {
        const n = await findNote(ctx, refs);
        assertEditable(n);
        const next: NoteRecord = { ...n };
        if (opts.date) next.date = parseDate(textOf(opts.date), "date", ctx.today(), { allowFuture: !!opts.allowFuture });
        if (opts.duration !== undefined) next.duration = checkDuration(textOf(opts.duration));
        if (opts.cpt !== undefined) next.cpt = checkCpt(textOf(opts.cpt));
        if (opts.label) next.labels = checkLabels(opts.label as string[]);
        const metaOnly = (opts.date || opts.duration || opts.cpt || opts.label) && opts.message === undefined && opts.file === undefined;
        let edited = false;
        if (!metaOnly) {
          const chart = await ctx.chart();
          const got = await textFromFlagsOrEditor(ctx.deps, opts, n.body, () => preflightWrite(chart));
          next.body = checkBody(got.text);
          edited = got.edited;
        }
        if (JSON.stringify(recordJson(next)) === JSON.stringify(recordJson(n))) {
          ctx.out.info("no changes; nothing written");
          if (ctx.out.json) ctx.out.data({ id: n.id, changed: false });
          return;
        }
        next.updated = stamp(ctx.deps.now());
        await commitKeeping(ctx, [next], "chart: edit note", edited);
        if (ctx.out.json) ctx.out.data({ id: n.id, changed: true });
        else ctx.out.info(`updated ${shortId(n.id)}`);
      }),
    );

  note
    .command("sign")
    .description("sign and lock notes (several at once: one commit); they can then only take addenda")
    .argument("<note...>", "NOTE..., or CLIENT NOTE")
    .action(
      reg.action(async (ctx, refs) => {
        // NOTE NOTE ... (each found on its own), or the older CLIENT NOTE form.
        let notes: NoteRecord[];
        try {
          notes = [];
          for (const r of refs) notes.push(await findNote(ctx, [r]));
        } catch (e) {
          if (refs.length !== 2) throw e;
          notes = [await findNote(ctx, refs)];
        }
        notes = [...new Map(notes.map((n) => [n.id, n])).values()];
        const done = notes.filter((n) => n.status === "signed");
        if (done.length) throw invalid("E_NOTE_SIGNED", `${done.length === 1 ? "note" : "notes"} ${done.map((n) => shortId(n.id)).join(", ")} ${done.length === 1 ? "is" : "are"} already signed; nothing was signed`, `add a correction with: chart note amend ${shortId((done[0] as NoteRecord).id)}`);
        const split = notes.filter((n) => otherVersions(n).length);
        if (split.length) throw invalid("E_NOTE_VERSIONS", `note ${shortId((split[0] as NoteRecord).id)} has versions from two devices`, `pick or merge them first: chart note resolve ${shortId((split[0] as NoteRecord).id)}`);
        const signed: NoteRecord[] = [];
        for (const n of notes) signed.push(await sign(ctx, n));
        await commitRecords(await ctx.chart(), signed, "chart: sign note");
        if (ctx.out.json) {
          const shape = (s: NoteRecord) => ({ id: s.id, status: "signed", signed: s.signed });
          ctx.out.data(signed.length === 1 ? shape(signed[0] as NoteRecord) : signed.map(shape)); return;
        }
        for (const s of signed) ctx.out.info(`signed ${shortId(s.id)} (${s.signed?.hash.slice(0, 19)}…)`);
      }),
    );

  textOptions(note.command("amend").description("add a signed addendum to a signed note"))
    .argument("<note...>", "NOTE, or CLIENT NOTE")
    .option("-d, --date <date>", "date of the addendum (default today)")
    .action(
      reg.action(async (ctx, refs, opts: Opts) => {
        const n = await findNote(ctx, refs);
        if (n.type === "addendum") throw invalid("E_ADDENDUM_OF_ADDENDUM", "addenda attach to the original note", `amend ${shortId(n.addendumTo ?? "")} instead`);
        if (n.status !== "signed") throw invalid("E_NOTE_DRAFT", `note ${shortId(n.id)} is a draft: edit it instead`, `chart note edit ${shortId(n.id)}`);
        const date = ctx.date(opts.date, "date");
        const chart = await ctx.chart();
        const { text, edited } = await textFromFlagsOrEditor(ctx.deps, opts, "", () => preflightWrite(chart));
        const body = checkBody(text);
        const add: NoteRecord = {
          chart: 1,
          kind: "note",
          id: ctx.newId("note"),
          client: n.client,
          created: stamp(ctx.deps.now()),
          type: "addendum",
          template: "free",
          date,
          status: "draft",
          addendumTo: n.id,
          body,
        };
        if (n.labels) add.labels = n.labels;
        const signedAdd = await sign(ctx, add);
        await commitKeeping(ctx, [signedAdd], "chart: amend note", edited);
        if (ctx.out.json) ctx.out.data({ id: signedAdd.id, addendumTo: n.id });
        else ctx.out.line(signedAdd.id);
      }),
    );

  note
    .command("recover")
    .description("list notes kept (encrypted to this device) when a write failed after the editor closed; write one back")
    .argument("[draft]", "the draft to write (dr_...)")
    .option("--discard", "delete the draft instead of writing it")
    .action(
      reg.action(async (ctx, [which], opts) => {
        const chart = await ctx.chart();
        const { drafts, unreadable } = await listDrafts(chart, draftFallback(ctx));
        for (const u of unreadable) ctx.out.warn(`draft ${u} cannot be decrypted with this identity (skipped)`);
        if (which === undefined) {
          if (ctx.out.json) { ctx.out.data(drafts.map((d) => ({ id: d.id, saved: d.saved, records: d.records.map((r) => recordJson(r)) }))); return; }
          if (drafts.length === 0) { ctx.out.info("no drafts"); return; }
          ctx.out.table(
            drafts.map((d) => {
              const n = d.records[0];
              return [d.id, d.saved, n ? shortId(n.client) : "", n?.type ?? "", n ? firstLine(n.body) : ""];
            }),
            ["DRAFT", "SAVED", "CLIENT", "KIND", "FIRST LINE"],
          );
          return;
        }
        const d = drafts.find((x) => x.id === which);
        if (!d) throw notFound("E_NO_DRAFT", `no draft ${which}`, "list them with: chart note recover");
        if (opts.discard) {
          await removeDraft(chart, d.id, draftFallback(ctx));
          ctx.out.info(`discarded ${d.id}`); return;
        }
        // A draft replacing a note (an edit) is written only while that note is still a draft.
        for (const r of d.records) {
          const current = await readRecord(chart, "note", r.client, r.id).catch(() => undefined);
          if (current) assertEditable(current);
        }
        await commitRecords(chart, d.records, d.message);
        await removeDraft(chart, d.id, draftFallback(ctx));
        if (ctx.out.json) ctx.out.data({ draft: d.id, written: d.records.map((r) => r.id) });
        else for (const r of d.records) ctx.out.line(r.id);
      }),
    );

  note
    .command("move")
    .description("a note written on the wrong client: void it there and write it again, with its addenda, on the right client")
    .argument("<note>", "the note's id or id prefix")
    .option("--to <client>", "the client the note belongs to")
    .option("--reason <text>", 'why (default "written on the wrong client")')
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      reg.action(async (ctx, [ref], opts) => {
        if (typeof opts.to !== "string") throw usageError("E_MISSING", "--to is required", "pass --to CLIENT");
        const n = await findNote(ctx, [ref as string]);
        if (n.type === "addendum") throw invalid("E_ADDENDUM_OF_ADDENDUM", "move the original note: its addenda go with it", `chart note move ${shortId(n.addendumTo ?? "")} --to ...`);
        const to = await ctx.client(opts.to);
        if (to.id === n.client) throw invalid("E_SAME_CLIENT", `note ${shortId(n.id)} is already on that client`, "nothing to do");
        const chart = await ctx.chart();
        const { records: all, failures } = await readKind(chart, "note", n.client);
        if (failures.length) {
          ctx.reportFailures(failures);
          throw invalid("E_UNREADABLE", "some notes of this client cannot be read; nothing was moved", "run chart fsck");
        }
        const { voids } = await readVoids(chart, n.client);
        const now = stamp(ctx.deps.now());
        const copy = async (x: NoteRecord, addendumTo?: string): Promise<NoteRecord> => {
          const { chart: _c, id: _i, client: _cl, created: _cr, updated: _u, signed: _s, voided: _v, ...rest } = x as NoteRecord & { voided?: unknown };
          const fresh: NoteRecord = { chart: 1, ...rest, id: ctx.newId("note"), client: to.id, created: now, status: "draft" };
          if (addendumTo) fresh.addendumTo = addendumTo;
          // The signature covers the note's id and client, so a moved signed note is signed again, now.
          return x.status === "signed" ? sign(ctx, fresh) : fresh;
        };
        const moved = await copy(n);
        const addenda = all.filter((a) => a.addendumTo === n.id && !voidedIds([a], voids).has(a.id)).sort((a, b) => (a.created < b.created ? -1 : 1));
        const movedAddenda: NoteRecord[] = [];
        for (const a of addenda) movedAddenda.push(await copy(a, moved.id));
        const reason = checkVoid({ target: n, reason: (opts.reason as string | undefined) ?? "written on the wrong client", voids, siblings: [] });
        if (!(await confirm(ctx.deps, !!opts.yes, `Move note ${shortId(n.id)}${addenda.length ? ` and ${addenda.length} addend${addenda.length === 1 ? "um" : "a"}` : ""} to ${displayName(to)}?`))) return 1;
        const v: VoidRecord = { chart: 1, kind: "void", id: ctx.newId("void"), client: n.client, created: now, target: n.id, targetKind: "note", date: ctx.today(), at: now, by: await clinicianName(ctx.deps.env, chart.root), reason: `${reason}; moved as ${moved.id}` };
        await commitRecords(chart, [moved, ...movedAddenda, v], "chart: move note");
        if (ctx.out.json) { ctx.out.data({ id: moved.id, from: n.id, client: to.id, addenda: movedAddenda.map((a) => a.id), void: v.id }); return; }
        ctx.out.line(moved.id);
        ctx.out.info(`moved: ${shortId(n.id)} is voided on its old client, ${shortId(moved.id)} is on ${displayName(to)}${n.status === "signed" ? " (signed again by you, now)" : ""}`);
      }),
    );

  note
    .command("templates")
    .description("list the note templates (built in, and the chart's own in .chart/templates/)")
    .action(
      reg.action(async (ctx) => {
        const root = await ctx.chart().then((c) => c.root, () => undefined);
        const all = await listTemplates(root);
        if (ctx.out.json) { ctx.out.data(all.map((t) => ({ name: t.name, description: t.description, type: t.type ?? null }))); return; }
        ctx.out.table(all.map((t) => [t.name, t.type ?? "", t.description]), ["TEMPLATE", "KIND", "DESCRIPTION"]);
      }),
    );
}

function countAddenda(notes: readonly NoteRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of notes) if (n.addendumTo) m.set(n.addendumTo, (m.get(n.addendumTo) ?? 0) + 1);
  return m;
}
