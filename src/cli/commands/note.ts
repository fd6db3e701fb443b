/** chart note add|list|show|edit|sign|amend|templates */
import type { Command } from "commander";
import { displayName } from "../../domain/client.js";
import { parseDate, stamp } from "../../domain/dates.js";
import { ChartError, errorFor, invalid, notFound, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { isPsychotherapyNote } from "../../domain/psychotherapy.js";
import { checkLabels, type Label } from "../../domain/labels.js";
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
import { arg, collect, optFlag, optLimit, optList, optString, optTextSource } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { textFromFlagsOrEditor, type TextSource } from "../text-input.js";
import { timeInZone } from "../../domain/timezone.js";
import { bufferBase } from "../editor.js";
import { join } from "node:path";
import { recordJson } from "../../domain/record.js";
import { otherVersions, registerNoteResolve } from "./note-resolve.js";

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

/** NOTE, or CLIENT NOTE (the client narrows the search). */
export interface NoteRef {
  client?: string | undefined;
  note: string;
}

/** Pure: NOTE or CLIENT NOTE; more is a usage error. */
export function parseNoteRef(args: readonly string[]): NoteRef {
  if (args.length > 2) throw usageError("E_USAGE", "give NOTE, or CLIENT NOTE", "e.g. chart note show nt_ab3");
  const b = args[1];
  return b === undefined ? { note: arg(args, 0, "NOTE") } : { client: arg(args, 0, "CLIENT"), note: b };
}

/** Resolve NOTE, or CLIENT NOTE (the client narrows the search). */
async function findNote(ctx: Ctx, ref: NoteRef, o: { allowVoided?: boolean } = {}): Promise<NoteRecord & { voided?: VoidMark }> {
  const chart = await ctx.chart();
  const client = ref.client !== undefined ? (await ctx.client(ref.client, o)).id : undefined;
  const where = await locate(chart, "note", ref.note, client);
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

function printNote(out: Output, n: NoteRecord, addenda: NoteRecord[], clientName: string, zone: string): void {
  const c = out.color;
  const at = (instant: string) => timeInZone(instant, zone);
  const meta = [
    `${c.bold(n.type)} note ${n.id}`,
    `client:   ${clientName}`,
    `date:     ${n.date}${n.duration ? `, ${n.duration} min` : ""}${n.cpt ? `, CPT ${n.cpt}` : ""}`,
    `template: ${n.template}`,
    n.labels?.length ? `labels:   ${n.labels.join(", ")}` : "",
    n.status === "signed" && n.signed ? `status:   signed by ${n.signed.by} at ${at(n.signed.at)}` : "status:   draft",
  ].filter(Boolean);
  for (const l of meta) out.line(l);
  out.line("");
  out.text(n.body);
  for (const a of addenda) {
    out.line("");
    out.line(c.bold(`Addendum ${a.id} (${a.date}${a.signed ? `, signed by ${a.signed.by} at ${at(a.signed.at)}` : ""})`));
    out.line("");
    out.text(a.body);
  }
}

// ---- note add --------------------------------------------------------------------------------

/** What `note add` and `note edit` both take: the date of service, billing fields, labels, the text. */
interface NoteFieldsInput {
  date?: string | undefined;
  allowFuture: boolean;
  duration?: number | undefined;
  cpt?: string | undefined;
  labels?: Label[] | undefined;
  text: TextSource;
}

export interface NoteAddInput extends NoteFieldsInput {
  client: string;
  kind?: NoteType | undefined;
  template?: string | undefined;
  sign: boolean;
}

/** Everything the user typed is checked here, before an editor opens or anything is written. */
export const parseNoteAdd = (args: readonly string[], opts: Opts): NoteAddInput => {
  const kind = optString(opts, "kind");
  const duration = optString(opts, "duration");
  const cpt = optString(opts, "cpt");
  return {
    client: arg(args, 0, "CLIENT"),
    kind: kind ? checkNoteType(kind) : undefined,
    template: optString(opts, "template"),
    date: optString(opts, "date"),
    allowFuture: optFlag(opts, "allowFuture"),
    duration: duration !== undefined ? checkDuration(duration) : undefined,
    cpt: cpt !== undefined ? checkCpt(cpt) : undefined,
    labels: checkLabels(optList(opts, "label")),
    text: optTextSource(opts),
    sign: optFlag(opts, "sign"),
  };
};

export interface NoteAddResult {
  id: string;
  client: string;
  status: NoteRecord["status"];
}

export async function runNoteAdd(ctx: Ctx, input: NoteAddInput): Promise<NoteAddResult> {
  const { deps } = ctx;
  const kindFlag = input.kind;
  const client = await ctx.client(input.client);
  const chart = await ctx.chart();
  // After the chart is open: "today" is the practice's, whose time zone is read with the chart.
  const date = ctx.date(input.date, "date", { allowFuture: input.allowFuture });
  const hasText = input.text.message !== undefined || input.text.file !== undefined;
  const templateName =
    input.template ??
    (kindFlag && kindFlag !== "progress" && kindFlag !== "contact" ? kindFlag : undefined) ??
    (hasText ? "free" : (deps.env.CHART_TEMPLATE || "soap"));
  const template = await loadTemplate(templateName, chart.root);
  const type: NoteType = kindFlag ?? (template.type ? checkNoteType(template.type) : TEMPLATE_DEFAULT_TYPE[templateName] ?? "progress");
  const { text, edited } = await textFromFlagsOrEditor(deps, input.text, template.body, () => preflightWrite(chart));
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
  if (input.duration !== undefined) rec.duration = input.duration;
  if (input.cpt !== undefined) rec.cpt = input.cpt;
  if (input.labels) rec.labels = input.labels;
  if (input.sign) rec = await sign(ctx, rec);
  await commitKeeping(ctx, [rec], "chart: add note", edited);
  return { id: rec.id, client: client.id, status: rec.status };
}

export const noteAdd: CommandSpec<NoteAddInput, NoteAddResult> = { parse: parseNoteAdd, run: runNoteAdd, text: (out, r) => out.line(r.id) };

// ---- note list -------------------------------------------------------------------------------

export interface NoteListInput {
  client?: string | undefined;
  allClients: boolean;
  psychotherapy: boolean;
  unsigned: boolean;
  kind?: NoteType | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit?: number | undefined;
}

export function parseNoteList(args: readonly string[], opts: Opts): NoteListInput {
  const kindRaw = optString(opts, "kind");
  const kind = kindRaw ? checkNoteType(kindRaw) : undefined;
  const psychotherapy = optFlag(opts, "psychotherapy");
  if (kind === "psychotherapy" && !psychotherapy) {
    throw invalid("E_PSYCHOTHERAPY_APART", "psychotherapy notes are kept apart", "list them with --psychotherapy");
  }
  const limit = optLimit(opts);
  const client = args[0];
  const allClients = optFlag(opts, "allClients");
  if (!client && !allClients) throw usageError("E_MISSING", "name a client, or pass --all-clients", "chart note list CLIENT, or chart note list --unsigned --all-clients");
  if (client && allClients) throw usageError("E_USAGE", "a client and --all-clients exclude each other", "drop one");
  return { client, allClients, psychotherapy, unsigned: optFlag(opts, "unsigned"), kind, since: optString(opts, "since"), until: optString(opts, "until"), limit };
}

export interface NoteListResult {
  notes: NoteRecord[];
  addenda: Map<string, number>;
  /** Client names, for the CLIENT column of --all-clients. */
  names?: Map<string, string> | undefined;
  /** Unsigned psychotherapy notes in the worklist: listed without their text. */
  apart: Set<string>;
  unsigned: boolean;
}

export async function runNoteList(ctx: Ctx, input: NoteListInput): Promise<NoteListResult> {
  await ctx.chart(); // first: "today" is the practice's, whose time zone is read with the chart
  const since = ctx.optionalDate(input.since, "since", { allowFuture: true });
  const until = ctx.optionalDate(input.until, "until", { allowFuture: true });
  const chart = await ctx.chart();
  const clients: { id: string; name: string }[] = [];
  if (input.client === undefined) {
    const all = await readKind(chart, "client");
    ctx.incomplete(all.failures);
    const { voided } = await voidedClients(chart, all.records.map((c) => c.id));
    clients.push(...all.records.filter((c) => c.status === "active" && !voided.has(c.id)).map((c) => ({ id: c.id, name: displayName(c) })));
  } else {
    const c = await ctx.client(input.client);
    clients.push({ id: c.id, name: displayName(c) });
  }
  const records: NoteRecord[] = [];
  for (const c of clients) {
    const res = await readLive(chart, "note", c.id);
    ctx.incomplete(res.failures);
    records.push(...res.records);
  }
  const unsigned = input.unsigned;
  const shown = records
    .filter((n) => (unsigned ? n.status !== "signed" : n.type !== "addendum"))
    .filter((n) => unsigned || (input.psychotherapy ? isPsychotherapyNote(n) : !isPsychotherapyNote(n)))
    .filter((n) => !input.kind || n.type === input.kind)
    .filter((n) => (!since || n.date >= since) && (!until || n.date <= until))
    .sort(byNewest)
    .slice(0, input.limit);
  const apart = new Set(shown.filter((n) => unsigned && n.type === "psychotherapy" && !input.psychotherapy).map((n) => n.id));
  return { notes: shown, addenda: countAddenda(records), names: input.allClients ? new Map(clients.map((c) => [c.id, c.name])) : undefined, apart, unsigned };
}

export function printNoteList(out: Output, r: NoteListResult): void {
  if (r.notes.length === 0) {
    out.info(r.unsigned ? "no unsigned notes" : "no notes");
    return;
  }
  const names = r.names;
  const row = (n: NoteRecord) => {
    const cells = noteRow(n, r.addenda.get(n.id) ?? 0);
    if (r.apart.has(n.id)) cells[5] = "(psychotherapy note)";
    return names ? [cells[0] ?? "", names.get(n.client) ?? shortId(n.client), ...cells.slice(1)] : cells;
  };
  out.table(r.notes.map(row), names ? ["ID", "CLIENT", "DATE", "KIND", "STATUS", "LABELS", "FIRST LINE"] : ["ID", "DATE", "KIND", "STATUS", "LABELS", "FIRST LINE"]);
}

export const noteList: CommandSpec<NoteListInput, NoteListResult> = {
  parse: parseNoteList,
  run: runNoteList,
  text: printNoteList,
  json: (r) => r.notes.map((n) => (r.apart.has(n.id) ? { id: n.id, client: n.client, type: n.type, date: n.date, status: n.status } : { ...recordJson(n), addenda: r.addenda.get(n.id) ?? 0 })),
};

// ---- note show -------------------------------------------------------------------------------

export interface NoteShowResult {
  note: NoteRecord & { voided?: VoidMark };
  addenda: NoteRecord[];
  clientName: string;
  /** The practice's time zone: times print in it. */
  zone: string;
}

export async function runNoteShow(ctx: Ctx, ref: NoteRef): Promise<NoteShowResult> {
  const n = await findNote(ctx, ref, { allowVoided: true });
  const chart = await ctx.chart();
  const client = await readRecord(chart, "client", n.client, n.client);
  const all = await readKind(chart, "note", n.client);
  ctx.incomplete(all.failures);
  const addenda = all.records.filter((a) => a.addendumTo === n.id).sort((a, b) => (a.created < b.created ? -1 : 1));
  return { note: n, addenda, clientName: displayName(client), zone: ctx.timeZone() };
}

export function printNoteShow(out: Output, { note: n, addenda, clientName, zone }: NoteShowResult): void {
  if (n.voided) out.line(out.color.bold(`VOIDED on ${timeInZone(n.voided.at, zone)} by ${n.voided.by}: ${n.voided.reason}`));
  printNote(out, n, addenda, clientName, zone);
  const versions = otherVersions(n).length;
  if (versions) out.warn(`this note was edited on two devices: ${versions + 1} versions are kept; see and settle them with chart note resolve ${shortId(n.id)}`);
}

export const noteShow: CommandSpec<NoteRef, NoteShowResult> = {
  parse: parseNoteRef,
  run: runNoteShow,
  text: printNoteShow,
  json: (r) => ({ ...recordJson(r.note), addenda: r.addenda.map(recordJson) }),
};

// ---- note edit -------------------------------------------------------------------------------

export interface NoteEditInput extends NoteFieldsInput {
  ref: NoteRef;
  /** Replaces the labels when --label is given. */
  labels?: Label[] | undefined;
  /** Only fields changed: no text given, so no editor. */
  metaOnly: boolean;
}

export function parseNoteEdit(args: readonly string[], opts: Opts): NoteEditInput {
  const date = optString(opts, "date");
  const duration = optString(opts, "duration");
  const cpt = optString(opts, "cpt");
  const label = opts.label === undefined ? undefined : optList(opts, "label");
  const text = optTextSource(opts);
  return {
    ref: parseNoteRef(args),
    date: date || undefined,
    allowFuture: optFlag(opts, "allowFuture"),
    duration: duration !== undefined ? checkDuration(duration) : undefined,
    cpt: cpt !== undefined ? checkCpt(cpt) : undefined,
    labels: label ? checkLabels(label) : undefined,
    text,
    metaOnly: !!(date || duration || cpt || label) && text.message === undefined && text.file === undefined,
  };
}

export interface NoteEditResult {
  id: string;
  changed: boolean;
}

export async function runNoteEdit(ctx: Ctx, input: NoteEditInput): Promise<NoteEditResult> {
  const n = await findNote(ctx, input.ref);
  assertEditable(n);
  const next: NoteRecord = { ...n };
  if (input.date) next.date = parseDate(input.date, "date", ctx.today(), { allowFuture: input.allowFuture });
  if (input.duration !== undefined) next.duration = input.duration;
  if (input.cpt !== undefined) next.cpt = input.cpt;
  if (input.labels) next.labels = input.labels;
  let edited = false;
  if (!input.metaOnly) {
    const chart = await ctx.chart();
    const got = await textFromFlagsOrEditor(ctx.deps, input.text, n.body, () => preflightWrite(chart));
    next.body = checkBody(got.text);
    edited = got.edited;
  }
  if (JSON.stringify(recordJson(next)) === JSON.stringify(recordJson(n))) return { id: n.id, changed: false };
  next.updated = stamp(ctx.deps.now());
  await commitKeeping(ctx, [next], "chart: edit note", edited);
  return { id: n.id, changed: true };
}

export const noteEdit: CommandSpec<NoteEditInput, NoteEditResult> = {
  parse: parseNoteEdit,
  run: runNoteEdit,
  text: (out, r) => out.info(r.changed ? `updated ${shortId(r.id)}` : "no changes; nothing written"),
};

// ---- note sign -------------------------------------------------------------------------------

export const parseNoteSign = (args: readonly string[]): { refs: string[] } => {
  if (args.length === 0) throw usageError("E_USAGE", "missing argument NOTE");
  return { refs: [...args] };
};

export async function runNoteSign(ctx: Ctx, { refs }: { refs: string[] }): Promise<NoteRecord[]> {
  // NOTE NOTE ... (each found on its own), or the older CLIENT NOTE form.
  let notes: NoteRecord[];
  try {
    notes = [];
    for (const r of refs) notes.push(await findNote(ctx, { note: r }));
  } catch (e) {
    if (refs.length !== 2) throw e;
    notes = [await findNote(ctx, parseNoteRef(refs))];
  }
  notes = [...new Map(notes.map((n) => [n.id, n])).values()];
  const done = notes.filter((n) => n.status === "signed");
  const [firstDone] = done;
  if (firstDone) throw invalid("E_NOTE_SIGNED", `${done.length === 1 ? "note" : "notes"} ${done.map((n) => shortId(n.id)).join(", ")} ${done.length === 1 ? "is" : "are"} already signed; nothing was signed`, `add a correction with: chart note amend ${shortId(firstDone.id)}`);
  const [split] = notes.filter((n) => otherVersions(n).length);
  if (split) throw invalid("E_NOTE_VERSIONS", `note ${shortId(split.id)} has versions from two devices`, `pick or merge them first: chart note resolve ${shortId(split.id)}`);
  const signed: NoteRecord[] = [];
  for (const n of notes) signed.push(await sign(ctx, n));
  await commitRecords(await ctx.chart(), signed, "chart: sign note");
  return signed;
}

export const noteSign: CommandSpec<{ refs: string[] }, NoteRecord[]> = {
  parse: parseNoteSign,
  run: runNoteSign,
  text: (out, signed) => {
    for (const s of signed) out.info(`signed ${shortId(s.id)} (${s.signed?.hash.slice(0, 19)}…)`);
  },
  json: (signed) => {
    const shape = (s: NoteRecord) => ({ id: s.id, status: "signed", signed: s.signed });
    return signed.length === 1 && signed[0] ? shape(signed[0]) : signed.map(shape);
  },
};

// ---- note amend ------------------------------------------------------------------------------

export interface NoteAmendInput {
  ref: NoteRef;
  date?: string | undefined;
  text: TextSource;
}

export const parseNoteAmend = (args: readonly string[], opts: Opts): NoteAmendInput => ({ ref: parseNoteRef(args), date: optString(opts, "date"), text: optTextSource(opts) });

export async function runNoteAmend(ctx: Ctx, input: NoteAmendInput): Promise<{ id: string; addendumTo: string }> {
  const n = await findNote(ctx, input.ref);
  if (n.type === "addendum") throw invalid("E_ADDENDUM_OF_ADDENDUM", "addenda attach to the original note", `amend ${shortId(n.addendumTo ?? "")} instead`);
  if (n.status !== "signed") throw invalid("E_NOTE_DRAFT", `note ${shortId(n.id)} is a draft: edit it instead`, `chart note edit ${shortId(n.id)}`);
  const date = ctx.date(input.date, "date");
  const chart = await ctx.chart();
  const { text, edited } = await textFromFlagsOrEditor(ctx.deps, input.text, "", () => preflightWrite(chart));
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
  return { id: signedAdd.id, addendumTo: n.id };
}

export const noteAmend: CommandSpec<NoteAmendInput, { id: string; addendumTo: string }> = { parse: parseNoteAmend, run: runNoteAmend, text: (out, r) => out.line(r.id) };

// ---- note recover ----------------------------------------------------------------------------

export interface NoteRecoverInput {
  draft?: string | undefined;
  discard: boolean;
}

export const parseNoteRecover = (args: readonly string[], opts: Opts): NoteRecoverInput => ({ draft: args[0], discard: optFlag(opts, "discard") });

type Draft = Awaited<ReturnType<typeof listDrafts>>["drafts"][number];
export type NoteRecoverResult = { drafts: Draft[] } | { discarded: string } | { draft: string; written: string[] };

export async function runNoteRecover(ctx: Ctx, input: NoteRecoverInput): Promise<NoteRecoverResult> {
  const chart = await ctx.chart();
  const { drafts, unreadable } = await listDrafts(chart, draftFallback(ctx));
  for (const u of unreadable) ctx.out.warn(`draft ${u} cannot be decrypted with this identity (skipped)`);
  if (input.draft === undefined) return { drafts };
  const which = input.draft;
  const d = drafts.find((x) => x.id === which);
  if (!d) throw notFound("E_NO_DRAFT", `no draft ${which}`, "list them with: chart note recover");
  if (input.discard) {
    await removeDraft(chart, d.id, draftFallback(ctx));
    return { discarded: d.id };
  }
  // A draft replacing a note (an edit) is written only while that note is still a draft.
  for (const r of d.records) {
    const current = await readRecord(chart, "note", r.client, r.id).catch(() => undefined);
    if (current) assertEditable(current);
  }
  await commitRecords(chart, d.records, d.message);
  await removeDraft(chart, d.id, draftFallback(ctx));
  return { draft: d.id, written: d.records.map((r) => r.id) };
}

export function printNoteRecover(out: Output, r: NoteRecoverResult): void {
  if ("discarded" in r) out.info(`discarded ${r.discarded}`);
  else if ("written" in r) for (const id of r.written) out.line(id);
  else if (r.drafts.length === 0) out.info("no drafts");
  else {
    out.table(
      r.drafts.map((d) => {
        const n = d.records[0];
        return [d.id, d.saved, n ? shortId(n.client) : "", n?.type ?? "", n ? firstLine(n.body) : ""];
      }),
      ["DRAFT", "SAVED", "CLIENT", "KIND", "FIRST LINE"],
    );
  }
}

export const noteRecover: CommandSpec<NoteRecoverInput, NoteRecoverResult> = {
  parse: parseNoteRecover,
  run: runNoteRecover,
  text: printNoteRecover,
  json: (r) => ("discarded" in r ? undefined : "written" in r ? r : r.drafts.map((d) => ({ id: d.id, saved: d.saved, records: d.records.map((x) => recordJson(x)) }))),
};

// ---- note move -------------------------------------------------------------------------------

export interface NoteMoveInput {
  note: string;
  to: string;
  reason?: string | undefined;
  yes: boolean;
}

export function parseNoteMove(args: readonly string[], opts: Opts): NoteMoveInput {
  const to = optString(opts, "to");
  if (to === undefined) throw usageError("E_MISSING", "--to is required", "pass --to CLIENT");
  return { note: arg(args, 0, "NOTE"), to, reason: optString(opts, "reason"), yes: optFlag(opts, "yes") };
}

export type NoteMoveResult =
  | { cancelled: true }
  | { cancelled: false; id: string; from: string; client: string; clientName: string; addenda: string[]; void: string; resigned: boolean };

export async function runNoteMove(ctx: Ctx, input: NoteMoveInput): Promise<NoteMoveResult> {
  const n = await findNote(ctx, { note: input.note });
  if (n.type === "addendum") throw invalid("E_ADDENDUM_OF_ADDENDUM", "move the original note: its addenda go with it", `chart note move ${shortId(n.addendumTo ?? "")} --to ...`);
  const to = await ctx.client(input.to);
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
  const reason = checkVoid({ target: n, reason: input.reason ?? "written on the wrong client", voids, siblings: [] });
  if (!(await confirm(ctx.deps, input.yes, `Move note ${shortId(n.id)}${addenda.length ? ` and ${addenda.length} addend${addenda.length === 1 ? "um" : "a"}` : ""} to ${displayName(to)}?`))) return { cancelled: true };
  const v: VoidRecord = { chart: 1, kind: "void", id: ctx.newId("void"), client: n.client, created: now, target: n.id, targetKind: "note", date: ctx.today(), at: now, by: await clinicianName(ctx.deps.env, chart.root), reason: `${reason}; moved as ${moved.id}` };
  await commitRecords(chart, [moved, ...movedAddenda, v], "chart: move note");
  return { cancelled: false, id: moved.id, from: n.id, client: to.id, clientName: displayName(to), addenda: movedAddenda.map((a) => a.id), void: v.id, resigned: n.status === "signed" };
}

export const noteMove: CommandSpec<NoteMoveInput, NoteMoveResult> = {
  parse: parseNoteMove,
  run: runNoteMove,
  text: (out, r) => {
    if (r.cancelled) return;
    out.line(r.id);
    out.info(`moved: ${shortId(r.from)} is voided on its old client, ${shortId(r.id)} is on ${r.clientName}${r.resigned ? " (signed again by you, now)" : ""}`);
  },
  json: (r) => (r.cancelled ? undefined : { id: r.id, from: r.from, client: r.client, addenda: r.addenda, void: r.void }),
  exit: (r) => (r.cancelled ? 1 : 0),
};

// ---- note templates --------------------------------------------------------------------------

type TemplateInfo = Awaited<ReturnType<typeof listTemplates>>[number];

export const noteTemplates: CommandSpec<Record<string, never>, TemplateInfo[]> = {
  parse: () => ({}),
  run: async (ctx) => {
    const root = await ctx.chart().then((c) => c.root, () => undefined);
    return listTemplates(root);
  },
  text: (out, all) => out.table(all.map((t) => [t.name, t.type ?? "", t.description]), ["TEMPLATE", "KIND", "DESCRIPTION"]),
  json: (all) => all.map((t) => ({ name: t.name, description: t.description, type: t.type ?? null })),
};

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
    .action(wire(reg, noteAdd));

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
    .action(wire(reg, noteList));

  note
    .command("show")
    .description("show a note with its addenda")
    .argument("<note...>", "NOTE, or CLIENT NOTE (id or id prefix)")
    .action(wire(reg, noteShow));

  textOptions(note.command("edit").description("change a draft note (signed notes take addenda: chart note amend)"))
    .argument("<note...>", "NOTE, or CLIENT NOTE")
    .option("-d, --date <date>", "change the date of service")
    .option("--duration <minutes>", "change the session length")
    .option("--cpt <code>", "change the CPT code")
    .option("-l, --label <label>", "replace the sensitivity labels (repeatable)", collect)
    .option("--allow-future", "accept a date of service in the future")
    .action(wire(reg, noteEdit));

  note
    .command("sign")
    .description("sign and lock notes (several at once: one commit); they can then only take addenda")
    .argument("<note...>", "NOTE..., or CLIENT NOTE")
    .action(wire(reg, noteSign));

  textOptions(note.command("amend").description("add a signed addendum to a signed note"))
    .argument("<note...>", "NOTE, or CLIENT NOTE")
    .option("-d, --date <date>", "date of the addendum (default today)")
    .action(wire(reg, noteAmend));

  note
    .command("recover")
    .description("list notes kept (encrypted to this device) when a write failed after the editor closed; write one back")
    .argument("[draft]", "the draft to write (dr_...)")
    .option("--discard", "delete the draft instead of writing it")
    .action(wire(reg, noteRecover));

  note
    .command("move")
    .description("a note written on the wrong client: void it there and write it again, with its addenda, on the right client")
    .argument("<note>", "the note's id or id prefix")
    .option("--to <client>", "the client the note belongs to")
    .option("--reason <text>", 'why (default "written on the wrong client")')
    .option("-y, --yes", "do not ask for confirmation")
    .action(wire(reg, noteMove));

  note
    .command("templates")
    .description("list the note templates (built in, and the chart's own in .chart/templates/)")
    .action(wire(reg, noteTemplates));
}

function countAddenda(notes: readonly NoteRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of notes) if (n.addendumTo) m.set(n.addendumTo, (m.get(n.addendumTo) ?? 0) + 1);
  return m;
}
