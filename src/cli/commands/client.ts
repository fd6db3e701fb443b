/** chart client add|list|show|edit|discharge */
import type { Command } from "commander";
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
import { recordJson } from "../views.js";
import { clientSummary } from "./client-summary.js";
import { textOf } from "../../domain/text-of.js";

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

/** Profile fields from flags, validated; dates checked against today. */
function fieldsFrom(ctx: Ctx, opts: Opts): Partial<Record<ClientEditable, string>> {
  const f: Partial<Record<ClientEditable, string>> = {};
  for (const k of CLIENT_EDITABLE) {
    const v = opts[k];
    if (typeof v === "string") f[k] = v.trim();
  }
  if (f.dob) f.dob = parseDate(f.dob, "dob", ctx.today());
  checkClientFields(f);
  return f;
}

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
    .option("--admitted <date>", "date care began (default today)")
    .action(
      reg.action(async (ctx, _args, opts) => {
        // On a terminal with no profile flags at all, ask for the rest too (Enter skips).
        const interactive = canPrompt(ctx.deps) && CLIENT_EDITABLE.every((k) => opts[k] === undefined);
        const name = await required(ctx.deps, opts.name as string | undefined, "--name", "Client's full name");
        const asked: Opts = {};
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
        const fields = fieldsFrom(ctx, { ...opts, ...asked, name });
        const chart = await ctx.chart();
        const id = ctx.newId("client");
        const rec: ClientRecord = {
          chart: 1,
          kind: "client",
          id,
          client: id,
          created: stamp(ctx.deps.now()),
          name: fields.name as string,
          status: "active",
          admitted: ctx.date(opts.admitted, "admitted"),
        };
        const full = applyFields(rec, fields);
        // The same person twice is the mistake voids and merges then have to clean up: warn.
        const existing = await readKind(chart, "client");
        const { voided } = await voidedClients(chart, existing.records.map((c) => c.id));
        const same = (a: string) => a.trim().toLowerCase().replace(/\s+/g, " ");
        const dups = existing.records.filter((c) => !voided.has(c.id) && same(c.name) === same(full.name) && (!c.dob || !full.dob || c.dob === full.dob));
        await commitRecords(chart, [full], "chart: add client");
        for (const d of dups) ctx.out.warn(`a client named ${JSON.stringify(d.name)}${d.dob ? ` born ${d.dob}` : ""} already exists: ${shortId(d.id)} (${d.status}); if this is the same person: chart client merge ${shortId(id)} --into ${shortId(d.id)}`);
        if (ctx.out.json) ctx.out.data(dups.length ? { id, possibleDuplicates: dups.map((d) => d.id) } : { id });
        else ctx.out.line(id);
      }),
    );

  client
    .command("list")
    .description("list clients (active ones unless --all)")
    .option("--all", "include discharged and voided clients")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chart();
        const { records, failures } = await readKind(chart, "client");
        ctx.incomplete(failures);
        const { voided, failures: vf } = await voidedClients(chart, records.map((r) => r.id));
        ctx.incomplete(vf);
        const shown = records
          .filter((c) => (opts.all ? true : c.status === "active" && !voided.has(c.id)))
          .map((c) => (voided.has(c.id) ? { ...c, status: "voided" as ClientRecord["status"] } : c))
          .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
        if (ctx.out.json) { ctx.out.data(shown.map(recordJson)); return; }
        if (shown.length === 0) {
          ctx.out.info(records.length ? "no active clients (see --all)" : "no clients yet: chart client add --name NAME");
          return;
        }
        ctx.out.table(
          shown.map((c) => [shortId(c.id), displayName(c), c.pronouns ?? "", c.status, c.admitted]),
          ["ID", "NAME", "PRONOUNS", "STATUS", "SINCE"],
        );
      }),
    );

  client
    .command("show")
    .description("show a client's profile, with a summary of the chart")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .action(
      reg.action(async (ctx, [q]) => {
        const c = await ctx.client(q as string, { all: true });
        const chart = await ctx.chart();
        const notes = await readLive(chart, "note", c.id);
        ctx.incomplete(notes.failures);
        const lastService = notes.records.filter((n) => n.type !== "addendum").map((n) => n.date).sort().at(-1);
        const summary = await clientSummary(ctx, c);
        const view = {
          ...recordJson(c),
          lastService: lastService ?? null,
          retainUntil: retentionDate(c, lastService),
          notes: notes.records.filter((n) => !isPsychotherapyNote(n) && n.type !== "addendum").length,
          psychotherapyNotes: notes.records.filter((n) => n.type !== "addendum" && isPsychotherapyNote(n)).length,
          ...summary.json,
        };
        if (ctx.out.json) { ctx.out.data(view); return; }
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
          ["last service", lastService],
          ["retain until", view.retainUntil],
          ["notes", `${view.notes}${view.psychotherapyNotes ? ` (+${view.psychotherapyNotes} psychotherapy notes, kept apart)` : ""}`],
        ];
        ctx.out.table(rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== "").map(([k, v]) => [ctx.out.color.dim(k), v]));
        for (const line of summary.lines) ctx.out.line(line);
      }),
    );

  profileOptions(client.command("edit").description("change a client's profile (flags, or the editor when none are given)"))
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const c = await ctx.client(q as string);
        let fields = fieldsFrom(ctx, opts);
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
        if (!changed) {
          ctx.out.info("no changes");
          if (ctx.out.json) ctx.out.data({ id: c.id, changed: false });
          return;
        }
        next.updated = stamp(ctx.deps.now());
        await commitRecords(await ctx.chart(), [next], "chart: edit client");
        if (ctx.out.json) ctx.out.data({ id: c.id, changed: true });
        else ctx.out.info(`updated ${shortId(c.id)}: ${Object.keys(fields).map((k) => FLAG[k as ClientEditable]).join(" ")}`);
      }),
    );

  client
    .command("readmit")
    .description("admit a discharged client again (the earlier episode stays in history)")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("--date <date>", "readmission date (default today)")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const c = await ctx.client(q as string);
        if (c.status !== "discharged") throw invalid("E_NOT_DISCHARGED", `client ${shortId(c.id)} is active`, "nothing to do");
        const date = ctx.date(opts.date, "date");
        if (c.discharged && date < c.discharged) throw invalid("E_BAD_DATE", `readmission date ${date} is before the discharge (${c.discharged})`, "check --date");
        const next: ClientRecord = { ...c, status: "active", admitted: date, updated: stamp(ctx.deps.now()) };
        delete next.discharged;
        delete next.dischargeReason;
        await commitRecords(await ctx.chart(), [next], "chart: readmit client");
        if (ctx.out.json) ctx.out.data({ id: c.id, status: "active", admitted: date });
        else ctx.out.info(`readmitted ${shortId(c.id)} on ${date}`);
      }),
    );

  client
    .command("discharge")
    .description("mark a client discharged (the chart is kept)")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .option("--date <date>", "discharge date (default today)")
    .option("--reason <text>", "reason, e.g. treatment completed")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const c = await ctx.client(q as string, { all: true });
        if (c.status === "discharged") {
          throw invalid("E_ALREADY_DISCHARGED", `client ${shortId(c.id)} is already discharged (${c.discharged ?? "?"})`, "see chart client show");
        }
        const date = ctx.date(opts.date, "date");
        if (date < c.admitted) throw invalid("E_BAD_DATE", `discharge date ${date} is before admission ${c.admitted}`, "check --date");
        const next: ClientRecord = { ...c, status: "discharged", discharged: date, updated: stamp(ctx.deps.now()) };
        if (opts.reason) next.dischargeReason = textOf(opts.reason);
        await commitRecords(await ctx.chart(), [next], "chart: discharge client");
        if (ctx.out.json) ctx.out.data({ id: c.id, status: "discharged", discharged: date });
        else ctx.out.info(`discharged ${shortId(c.id)} on ${date}`);
      }),
    );
}
