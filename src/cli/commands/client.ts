/** chart client add|list|show|edit|discharge */
import { Option, type Command } from "commander";
import { parse as parseYaml, stringify } from "yaml";
import {
  CLIENT_EDITABLE,
  checkClientFields,
  displayName,
  retentionDate,
  type ClientEditable,
  type ClientRecord,
} from "../../domain/client.js";
import { parseDate, stamp } from "../../domain/dates.js";
import { invalid } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { isPsychotherapyNote } from "../../domain/psychotherapy.js";
import { commitRecords, readKind } from "../../store/records.js";
import { readLive, voidedClients } from "../../store/voids.js";
import type { Ctx } from "../context.js";
import { assertCanEdit, editText } from "../editor.js";
import { preflightWrite } from "../../store/preflight.js";
import type { Opts, Registrar } from "../program.js";
import { canPrompt, prompter, required } from "../prompt.js";
import { recordJson } from "../../domain/record.js";
import { clientSummary } from "./client-summary.js";
import { arg, optFlag, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import { textOf } from "../../domain/text-of.js";
import { compareNames } from "../../domain/name-order.js";

const FLAG: Record<ClientEditable, string> = {
  name: "--name",
  preferredName: "--preferred-name",
  pronouns: "--pronouns",
  dob: "--dob",
  email: "--email",
  phone: "--phone",
  emergencyContact: "--emergency-contact",
};

const OPTIONAL_PROMPTS: [ClientEditable, string][] = [
  ["preferredName", "Preferred name"],
  ["pronouns", "Pronouns"],
  ["dob", "Date of birth (YYYY-MM-DD)"],
  ["email", "Email"],
  ["phone", "Phone"],
  ["emergencyContact", "Emergency contact (name and phone)"],
];

function profileOptions(cmd: Command): Command {
  return cmd
    .option("--name <name>", "full legal name")
    .option("--preferred-name <name>", "name the client goes by")
    .option("--pronouns <pronouns>", "e.g. she/her")
    .option("--dob <date>", "date of birth, YYYY-MM-DD")
    .option("--email <email>", "email address")
    .option("--phone <phone>", "phone number")
    .option("--emergency-contact <text>", "name and phone of the emergency contact");
}

type Profile = Partial<Record<ClientEditable, string>>;

/** Pure: the profile flags given (trimmed and checked by checkProfile once "today" is known). */
export function profileFrom(opts: Opts): Profile {
  const f: Profile = {};
  for (const k of CLIENT_EDITABLE) {
    const v = opts[k];
    if (typeof v === "string") f[k] = v;
  }
  return f;
}

/** Profile fields trimmed and validated; the date of birth checked against today. */
function checkProfile(ctx: Ctx, given: Profile): Profile {
  const f: Profile = {};
  for (const k of CLIENT_EDITABLE) {
    const v = given[k];
    if (v !== undefined) f[k] = v.trim();
  }
  if (f.dob) f.dob = parseDate(f.dob, "dob", ctx.today());
  checkClientFields(f);
  return f;
}

const fieldsFrom = (ctx: Ctx, opts: Opts): Profile => checkProfile(ctx, profileFrom(opts));

// ---- client add ------------------------------------------------------------------------------

export interface ClientAddInput {
  profile: Profile;
  admitted?: string | undefined;
}

export const parseClientAdd = (_args: readonly string[], opts: Opts): ClientAddInput => ({ profile: profileFrom(opts), admitted: optString(opts, "date") ?? optString(opts, "admitted") });

export interface ClientAddResult {
  id: string;
  possibleDuplicates: string[];
}

export async function runClientAdd(ctx: Ctx, input: ClientAddInput): Promise<ClientAddResult> {
  // Opened first: a date of birth is checked against the practice's today (its time zone), which
  // is known once the chart is open (docs/decisions.md, "Dates and time zones").
  const chart = await ctx.chart();
  // On a terminal with no profile flags at all, ask for the rest too (Enter skips).
  const interactive = canPrompt(ctx.deps) && Object.keys(input.profile).length === 0;
  const name = await required(ctx.deps, input.profile.name, "--name", "Client's full name");
  const asked: Profile = {};
  if (interactive) {
    const p = await prompter(ctx.deps);
    for (const [k, message] of OPTIONAL_PROMPTS) {
      const validate = (v: string): true | string => {
        try {
          fieldsFrom(ctx, { [k]: v });
          return true;
        } catch (e) {
          return (e as Error).message;
        }
      };
      const v = (await p.input({ message: `${message} (optional)`, validate })).trim();
      if (v !== "") asked[k] = v;
    }
  }
  const fields = checkProfile(ctx, { ...input.profile, ...asked, name });
  const id = ctx.newId("client");
  const rec: ClientRecord = {
    chart: 1,
    kind: "client",
    id,
    client: id,
    created: stamp(ctx.deps.now()),
    name: fields.name ?? name.trim(),
    status: "active",
    admitted: ctx.date(input.admitted, "admitted"),
  };
  const full = applyFields(rec, fields);
  // The same person twice is the mistake voids and merges then have to clean up: warn.
  const existing = await readKind(chart, "client");
  const { voided } = await voidedClients(chart, existing.records.map((c) => c.id));
  const same = (a: string) => a.trim().toLowerCase().replace(/\s+/g, " ");
  const dups = existing.records.filter((c) => !voided.has(c.id) && same(c.name) === same(full.name) && (!c.dob || !full.dob || c.dob === full.dob));
  await commitRecords(chart, [full], "chart: add client");
  for (const d of dups) ctx.out.warn(`a client named ${JSON.stringify(d.name)}${d.dob ? ` born ${d.dob}` : ""} already exists: ${shortId(d.id)} (${d.status}); if this is the same person: chart client merge ${shortId(id)} --into ${shortId(d.id)}`);
  return { id, possibleDuplicates: dups.map((d) => d.id) };
}

export const clientAdd: CommandSpec<ClientAddInput, ClientAddResult> = {
  parse: parseClientAdd,
  run: runClientAdd,
  text: (out, r) => out.line(r.id),
  json: (r) => (r.possibleDuplicates.length ? r : { id: r.id }),
};

// ---- client list -----------------------------------------------------------------------------

export const parseClientList = (_args: readonly string[], opts: Opts): { all: boolean } => ({ all: optFlag(opts, "all") });

export interface ClientListResult {
  any: boolean;
  shown: ClientRecord[];
}

export async function runClientList(ctx: Ctx, input: { all: boolean }): Promise<ClientListResult> {
  const chart = await ctx.chart();
  const { records, failures } = await readKind(chart, "client");
  ctx.incomplete(failures);
  const { voided, failures: vf } = await voidedClients(chart, records.map((r) => r.id));
  ctx.incomplete(vf);
  const shown = records
    .filter((c) => (input.all ? true : c.status === "active" && !voided.has(c.id)))
    .map((c) => (voided.has(c.id) ? { ...c, status: "voided" as ClientRecord["status"] } : c))
    .sort((a, b) => compareNames(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { any: records.length > 0, shown };
}

export function printClientList(out: Output, r: ClientListResult): void {
  if (r.shown.length === 0) {
    out.info(r.any ? "no active clients (see --all)" : "no clients yet: chart client add --name NAME");
    return;
  }
  out.table(
    r.shown.map((c) => [shortId(c.id), displayName(c), c.pronouns ?? "", c.status, c.admitted]),
    ["ID", "NAME", "PRONOUNS", "STATUS", "SINCE"],
  );
}

export const clientList: CommandSpec<{ all: boolean }, ClientListResult> = { parse: parseClientList, run: runClientList, text: printClientList, json: (r) => r.shown.map(recordJson) };

// ---- client show -----------------------------------------------------------------------------

export interface ClientShowResult {
  client: ClientRecord;
  lastService?: string | undefined;
  retainUntil: ReturnType<typeof retentionDate>;
  notes: number;
  psychotherapyNotes: number;
  summary: Awaited<ReturnType<typeof clientSummary>>;
}

export async function runClientShow(ctx: Ctx, input: { client: string }): Promise<ClientShowResult> {
  const c = await ctx.client(input.client, { all: true });
  const chart = await ctx.chart();
  const notes = await readLive(chart, "note", c.id);
  ctx.incomplete(notes.failures);
  const lastService = notes.records.filter((n) => n.type !== "addendum").map((n) => n.date).sort().at(-1);
  const summary = await clientSummary(ctx, c);
  return {
    client: c,
    lastService,
    retainUntil: retentionDate(c, lastService),
    notes: notes.records.filter((n) => !isPsychotherapyNote(n) && n.type !== "addendum").length,
    psychotherapyNotes: notes.records.filter((n) => n.type !== "addendum" && isPsychotherapyNote(n)).length,
    summary,
  };
}

export function printClientShow(out: Output, view: ClientShowResult): void {
  const c = view.client;
  const rows: [string, string | undefined][] = [
    ["id", c.id],
    ["name", c.name],
    ["preferred name", c.preferredName],
    ["pronouns", c.pronouns],
    ["date of birth", c.dob],
    ["email", c.email],
    ["phone", c.phone],
    ["emergency contact", c.emergencyContact],
    ["status", c.status === "active" ? `active since ${c.admitted}` : `discharged ${c.discharged ?? ""}${c.dischargeReason ? ` (${c.dischargeReason})` : ""}`],
    ["other versions", Array.isArray(c.alternatives) && c.alternatives.length ? `${(c.alternatives as { field: string; value: unknown }[]).map((a) => `${a.field}: ${a.value === null ? "(cleared)" : textOf(a.value)}`).join("; ")} (from a sync of two devices' edits; keep one with chart client edit)` : undefined],
    ["last service", view.lastService],
    ["retain until", view.retainUntil],
    ["notes", `${view.notes}${view.psychotherapyNotes ? ` (+${view.psychotherapyNotes} psychotherapy notes, kept apart)` : ""}`],
  ];
  out.table(rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== "").map(([k, v]) => [out.color.dim(k), v]));
  for (const line of view.summary.lines) out.line(line);
}

export const clientShow: CommandSpec<{ client: string }, ClientShowResult> = {
  parse: (args) => ({ client: arg(args, 0, "CLIENT") }),
  run: runClientShow,
  text: printClientShow,
  json: (v) => ({
    ...recordJson(v.client),
    lastService: v.lastService ?? null,
    retainUntil: v.retainUntil,
    notes: v.notes,
    psychotherapyNotes: v.psychotherapyNotes,
    ...v.summary.json,
  }),
};

// ---- client edit -----------------------------------------------------------------------------

export const parseClientEdit = (args: readonly string[], opts: Opts): { client: string; profile: Profile } => ({ client: arg(args, 0, "CLIENT"), profile: profileFrom(opts) });

export interface ClientEditResult {
  id: string;
  changed: boolean;
  fields: ClientEditable[];
}

export async function runClientEdit(ctx: Ctx, input: { client: string; profile: Profile }): Promise<ClientEditResult> {
  const c = await ctx.client(input.client);
  let fields = checkProfile(ctx, input.profile);
  if (Object.keys(fields).length === 0) {
    const current = Object.fromEntries(CLIENT_EDITABLE.map((k) => [k, c[k] ?? ""]));
    assertCanEdit(ctx.deps);
    await preflightWrite(await ctx.chart()); // the lock and keys, before anything is typed
    const text = await editText(ctx.deps, `# Edit the profile; clear a value to remove it. Lines starting with # are ignored.\n${stringify(current, { lineWidth: 0 })}`, "profile.yaml");
    let parsed: unknown;
    try {
      parsed = parseYaml(text, { logLevel: "error" }); // warnings would echo the text
    } catch {
      throw invalid("E_MALFORMED", "the edited profile is not valid YAML; nothing was written", "run the command again");
    }
    if (typeof parsed !== "object" || parsed === null) throw invalid("E_MALFORMED", "the edited profile is empty; nothing was written");
    const p = parsed as Record<string, unknown>;
    const unknown = Object.keys(p).filter((k) => !(CLIENT_EDITABLE as readonly string[]).includes(k));
    if (unknown.length) throw invalid("E_UNKNOWN_FIELD", `unknown profile field: ${unknown.join(", ")}`, `fields: ${CLIENT_EDITABLE.join(", ")}`);
    const asFlags: Opts = {};
    for (const k of CLIENT_EDITABLE) asFlags[k] = p[k] === null || p[k] === undefined ? "" : textOf(p[k]);
    fields = fieldsFrom(ctx, asFlags);
    if (!fields.name) throw invalid("E_CLIENT_NAME", "a client needs a name; nothing was written");
  }
  const next = applyFields(c, fields);
  const changed = CLIENT_EDITABLE.some((k) => (next[k] ?? "") !== (c[k] ?? ""));
  if (!changed) return { id: c.id, changed: false, fields: [] };
  next.updated = stamp(ctx.deps.now());
  await commitRecords(await ctx.chart(), [next], "chart: edit client");
  return { id: c.id, changed: true, fields: CLIENT_EDITABLE.filter((k) => k in fields) };
}

export const clientEdit: CommandSpec<{ client: string; profile: Profile }, ClientEditResult> = {
  parse: parseClientEdit,
  run: runClientEdit,
  text: (out, r) => out.info(r.changed ? `updated ${shortId(r.id)}: ${r.fields.map((k) => FLAG[k]).join(" ")}` : "no changes"),
  json: (r) => ({ id: r.id, changed: r.changed }),
};

// ---- client readmit / discharge --------------------------------------------------------------

export const parseClientReadmit = (args: readonly string[], opts: Opts): { client: string; date?: string | undefined } => ({ client: arg(args, 0, "CLIENT"), date: optString(opts, "date") });

export async function runClientReadmit(ctx: Ctx, input: { client: string; date?: string | undefined }): Promise<{ id: string; status: "active"; admitted: string }> {
  // Only a discharged client can be readmitted: name matching includes them.
  const c = await ctx.client(input.client, { all: true });
  if (c.status !== "discharged") throw invalid("E_NOT_DISCHARGED", `client ${shortId(c.id)} is active`, "nothing to do");
  const date = ctx.date(input.date, "date");
  if (c.discharged && date < c.discharged) throw invalid("E_BAD_DATE", `readmission date ${date} is before the discharge (${c.discharged})`, "check --date");
  const next: ClientRecord = { ...c, status: "active", admitted: date, updated: stamp(ctx.deps.now()) };
  delete next.discharged;
  delete next.dischargeReason;
  await commitRecords(await ctx.chart(), [next], "chart: readmit client");
  return { id: c.id, status: "active", admitted: date };
}

export const clientReadmit: CommandSpec<{ client: string; date?: string | undefined }, { id: string; status: "active"; admitted: string }> = {
  parse: parseClientReadmit,
  run: runClientReadmit,
  text: (out, r) => out.info(`readmitted ${shortId(r.id)} on ${r.admitted}`),
};

export interface ClientDischargeInput {
  client: string;
  date?: string | undefined;
  reason?: string | undefined;
}

export const parseClientDischarge = (args: readonly string[], opts: Opts): ClientDischargeInput => ({ client: arg(args, 0, "CLIENT"), date: optString(opts, "date"), reason: optString(opts, "reason") || undefined });

export async function runClientDischarge(ctx: Ctx, input: ClientDischargeInput): Promise<{ id: string; status: "discharged"; discharged: string }> {
  const c = await ctx.client(input.client, { all: true });
  if (c.status === "discharged") {
    throw invalid("E_ALREADY_DISCHARGED", `client ${shortId(c.id)} is already discharged (${c.discharged ?? "?"})`, "see chart client show");
  }
  const date = ctx.date(input.date, "date");
  if (date < c.admitted) throw invalid("E_BAD_DATE", `discharge date ${date} is before admission ${c.admitted}`, "check --date");
  const next: ClientRecord = { ...c, status: "discharged", discharged: date, updated: stamp(ctx.deps.now()) };
  if (input.reason) next.dischargeReason = input.reason;
  await commitRecords(await ctx.chart(), [next], "chart: discharge client");
  return { id: c.id, status: "discharged", discharged: date };
}

export const clientDischarge: CommandSpec<ClientDischargeInput, { id: string; status: "discharged"; discharged: string }> = {
  parse: parseClientDischarge,
  run: runClientDischarge,
  text: (out, r) => out.info(`discharged ${shortId(r.id)} on ${r.discharged}`),
};

function applyFields(c: ClientRecord, f: Partial<Record<ClientEditable, string>>): ClientRecord {
  const next: ClientRecord = { ...c };
  for (const k of CLIENT_EDITABLE) {
    if (!(k in f)) continue;
    const v = f[k];
    if (v === undefined || v === "") {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- k runs over the client record's own field names
      if (k !== "name") delete (next as Partial<ClientRecord>)[k];
    } else (next as unknown as Record<string, string>)[k] = v;
  }
  return next;
}

export function registerClient(program: Command, reg: Registrar): void {
  const client = program.command("client").description("clients: add, list, show, edit, discharge");

  profileOptions(client.command("add").description("add a client (prompts for missing values on a terminal)"))
    .option("-d, --date <date>", "date care began (default today)")
    .addOption(new Option("--admitted <date>", "the old name of --date").hideHelp())
    .action(wire(reg, clientAdd));

  client
    .command("list")
    .description("list clients (active ones unless --all)")
    .option("--all", "include discharged and voided clients")
    .action(wire(reg, clientList));

  client
    .command("show")
    .description("show a client's profile, with a summary of the chart")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .action(wire(reg, clientShow));

  profileOptions(client.command("edit").description("change a client's profile (flags, or the editor when none are given)"))
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .action(wire(reg, clientEdit));

  client
    .command("readmit")
    .description("admit a discharged client again (the earlier episode stays in history)")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("-d, --date <date>", "readmission date (default today)")
    .action(wire(reg, clientReadmit));

  client
    .command("discharge")
    .description("mark a client discharged (the chart is kept)")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("-d, --date <date>", "discharge date (default today)")
    .option("--reason <text>", "reason, e.g. treatment completed")
    .action(wire(reg, clientDischarge));
}
