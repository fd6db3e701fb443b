/**
 * chart access request|extend|deny|fulfil|list: the right of access (45 CFR 164.524;
 * docs/access.md). A fulfilled request writes the client's copy of their designated record set
 * and records the fulfilment: access by the client, not a disclosure. (`chart access-log` is a
 * different command: which records each command decrypted.)
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Option, type Command } from "commander";
import {
  accessStatuses,
  checkAccessFormats,
  checkExtension,
  denialStatement,
  findRequest,
  type AccessDenial,
  type AccessExtension,
  type AccessFormat,
  type AccessFulfilment,
  type AccessRequest,
  type AccessStatus,
} from "../../domain/access.js";
import { clientCopy } from "../../domain/access-copy.js";
import { displayName, type ClientRecord } from "../../domain/client.js";
import { stamp } from "../../domain/dates.js";
import { conflict, invalid, usageError } from "../../domain/errors.js";
import { jsonLine, type ClientData } from "../../domain/export.js";
import { shortId } from "../../domain/ids.js";
import { archiveFhir, archivePdf } from "../../export/archive.js";
import { checkExportTarget, writeExport, type ExportFile } from "../../export/export-out.js";
import { checkRecipient } from "../../store/age.js";
import { clinicianName } from "../../store/clinician.js";
import { readClientsData } from "../../store/export-read.js";
import { sha256Hex } from "../../store/hash.js";
import { commitRecords, readKind } from "../../store/records.js";
import type { Ctx } from "../context.js";
import { arg, collect, optFlag, optList, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { readPassphrase } from "../passphrase.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";

async function statuses(ctx: Ctx, client: string): Promise<AccessStatus[]> {
  const { records, failures } = await readKind(await ctx.chart(), "access", client);
  ctx.reportFailures(failures);
  return accessStatuses(records, ctx.today());
}

function statusJson(s: AccessStatus) {
  return {
    id: s.request.id,
    client: s.request.client,
    received: s.request.received,
    formats: s.request.formats,
    due: s.due,
    open: s.open,
    overdue: s.overdue,
    ...(s.extended ? { extended: { date: s.extended.date, reason: s.extended.reason } } : {}),
    ...(s.denial ? { denial: { scope: s.denial.scope, reason: s.denial.reason, date: s.denial.date } } : {}),
    ...(s.fulfilled ? { fulfilled: { date: s.fulfilled.date, files: s.fulfilled.files.map((f) => f.name), encryption: s.fulfilled.encryption } } : {}),
  };
}

const FILE: Record<AccessFormat, string> = { pdf: "record.pdf", json: "record.json", fhir: "record.fhir.json" };

async function renderCopy(ctx: Ctx, client: ClientRecord, s: AccessStatus, formats: readonly AccessFormat[]): Promise<{ files: ExportFile[]; withheld: number }> {
  const chart = await ctx.chart();
  const { clients, failures } = await readClientsData(chart, [client.id]);
  ctx.reportFailures(failures);
  if (failures.length) throw invalid("E_ACCESS_UNREADABLE", `${failures.length} record(s) of this client cannot be read; no copy was written`, "restore them from git history (chart fsck), then fulfil the request");
  const data = clients[0] as ClientData;
  const copy = clientCopy(data, { withholdPrivate: !!s.denial });
  const now = stamp(ctx.deps.now());
  const clinician = await clinicianName(ctx.deps.env, chart.root);
  const notice = s.denial ? denialStatement(s.denial, clinician) : [];
  const files: ExportFile[] = [];
  const text = (name: string, t: string): ExportFile => ({ name, data: new TextEncoder().encode(t) });
  for (const f of formats) {
    if (f === "pdf") {
      files.push({
        name: FILE.pdf,
        data: await archivePdf(copy.data, now, clinician, {
          title: `Your health record: ${displayName(client)}`,
          intro: `A copy of your record at ${clinician}, made ${now.slice(0, 10)} at your request of ${s.request.received}. Psychotherapy notes are not part of this copy (45 CFR 164.524(a)(1)). Records marked VOIDED were entered in error and are shown as they were.`,
          notice,
        }),
      });
    } else if (f === "fhir") {
      files.push(text(FILE.fhir, `${JSON.stringify(archiveFhir(copy.live, now, clinician), null, 2)}\n`));
    } else {
      const strip = (xs: readonly { chart: 1 }[]) => xs.map((r) => JSON.parse(jsonLine(r as never)) as unknown);
      const d = copy.data;
      files.push(
        text(
          FILE.json,
          `${JSON.stringify(
            {
              format: "chart-client-copy",
              version: 1,
              generatedAt: now,
              request: { id: s.request.id, received: s.request.received },
              profile: JSON.parse(jsonLine(d.profile)) as unknown,
              diagnosisEvents: strip(d.dx),
              medicationEvents: strip(d.meds),
              notes: strip(d.notes),
              consents: strip(d.consents),
              disclosures: strip(d.disclosures),
              voided: strip(d.voids),
              ...(notice.length ? { denial: notice } : {}),
            },
            null,
            2,
          )}\n`,
        ),
      );
    }
  }
  return { files, withheld: copy.privateWithheld };
}

// ---- access request --------------------------------------------------------------------------

export interface AccessRequestInput {
  client: string;
  received?: string | undefined;
  formats: AccessFormat[];
  note?: string | undefined;
}

export const parseAccessRequest = (args: readonly string[], opts: Opts): AccessRequestInput => ({
  client: arg(args, 0, "CLIENT"),
  received: optString(opts, "date") ?? optString(opts, "received"),
  formats: checkAccessFormats(optList(opts, "format")),
  note: optString(opts, "note")?.trim() || undefined,
});

export async function runAccessRequest(ctx: Ctx, input: AccessRequestInput): Promise<{ status: AccessStatus; client: string }> {
  const client = await ctx.client(input.client);
  const received = ctx.date(input.received, "received");
  const r: AccessRequest = { chart: 1, kind: "access", event: "request", id: ctx.newId("access"), client: client.id, created: stamp(ctx.deps.now()), received, formats: input.formats };
  if (input.note) r.note = input.note;
  await commitRecords(await ctx.chart(), [r], "chart: record access request");
  const [status] = accessStatuses([r], ctx.today());
  if (!status) throw invalid("E_ACCESS_UNREADABLE", `request ${shortId(r.id)} has no status`);
  return { status, client: client.id };
}

export const accessRequest: CommandSpec<AccessRequestInput, { status: AccessStatus; client: string }> = {
  parse: parseAccessRequest,
  run: runAccessRequest,
  text: (out, { status: s, client }) => {
    out.line(s.request.id);
    out.info(`due ${s.due} (30 days after ${s.request.received}); fulfil with: chart access fulfil ${shortId(client)} ${shortId(s.request.id)} --out DIR`);
  },
  json: (r) => statusJson(r.status),
};

// ---- access extend ---------------------------------------------------------------------------

export interface AccessExtendInput {
  client: string;
  request: string;
  reason?: string | undefined;
  date?: string | undefined;
}

export const parseAccessExtend = (args: readonly string[], opts: Opts): AccessExtendInput => ({
  client: arg(args, 0, "CLIENT"),
  request: arg(args, 1, "REQUEST"),
  reason: optString(opts, "reason"),
  date: optString(opts, "date"),
});

export async function runAccessExtend(ctx: Ctx, input: AccessExtendInput): Promise<AccessStatus> {
  const client = await ctx.client(input.client);
  const s = findRequest(await statuses(ctx, client.id), input.request);
  const date = ctx.date(input.date, "date");
  const reason = checkExtension(s, date, input.reason);
  const e: AccessExtension = { chart: 1, kind: "access", event: "extend", id: ctx.newId("access"), client: client.id, created: stamp(ctx.deps.now()), request: s.request.id, date, reason };
  await commitRecords(await ctx.chart(), [e], "chart: record access extension");
  const [after] = accessStatuses([s.request, e], ctx.today());
  if (!after) throw invalid("E_ACCESS_UNREADABLE", `request ${shortId(s.request.id)} has no status`);
  return after;
}

export const accessExtend: CommandSpec<AccessExtendInput, AccessStatus> = {
  parse: parseAccessExtend,
  run: runAccessExtend,
  text: (out, s) => out.info(`request ${shortId(s.request.id)} now due ${s.due}; tell the client the reason and this date in writing`),
  json: statusJson,
};

// ---- access deny -----------------------------------------------------------------------------

export interface AccessDenyInput {
  client: string;
  request: string;
  reason: string;
  date?: string | undefined;
}

export function parseAccessDeny(args: readonly string[], opts: Opts): AccessDenyInput {
  if (!optFlag(opts, "private")) throw usageError("E_USAGE", "say what is denied: --private (the passages marked private)", "chart access deny CLIENT REQUEST --private --reason TEXT");
  const reason = optString(opts, "reason")?.trim() ?? "";
  if (!reason) throw invalid("E_ACCESS_REASON", "a denial needs its basis (the client is told it in writing)", 'pass --reason "..."');
  return { client: arg(args, 0, "CLIENT"), request: arg(args, 1, "REQUEST"), reason, date: optString(opts, "date") };
}

export async function runAccessDeny(ctx: Ctx, input: AccessDenyInput): Promise<AccessDenial> {
  const client = await ctx.client(input.client);
  const s = findRequest(await statuses(ctx, client.id), input.request);
  if (s.fulfilled) throw conflict("E_ACCESS_DONE", `request ${shortId(s.request.id)} was fulfilled on ${s.fulfilled.date}`, "record a denial before fulfilling");
  if (s.denial) throw conflict("E_ACCESS_DENIED", `request ${shortId(s.request.id)} already has a denial (${s.denial.date})`, "nothing to do");
  const chart = await ctx.chart();
  const d: AccessDenial = { chart: 1, kind: "access", event: "deny", id: ctx.newId("access"), client: client.id, created: stamp(ctx.deps.now()), request: s.request.id, date: ctx.date(input.date, "date"), scope: "private-passages", reason: input.reason, by: await clinicianName(ctx.deps.env, chart.root) };
  await commitRecords(chart, [d], "chart: record access denial");
  return d;
}

export const accessDeny: CommandSpec<AccessDenyInput, AccessDenial> = {
  parse: parseAccessDeny,
  run: runAccessDeny,
  text: (out, d) => out.info(`recorded: the copy for ${shortId(d.request)} will withhold private passages and carry the denial statement with the review right`),
  json: (d) => ({ id: d.id, request: d.request, scope: d.scope }),
};

// ---- access fulfil ---------------------------------------------------------------------------

export interface AccessFulfilInput {
  client: string;
  request: string;
  out: string;
  formats?: AccessFormat[] | undefined;
  encryptTo: string[];
  passphrase: boolean;
  plaintext: boolean;
  yes: boolean;
}

export function parseAccessFulfil(args: readonly string[], opts: Opts): AccessFulfilInput {
  const encryptTo = optList(opts, "encryptTo").map((r) => r.trim());
  const passphrase = optFlag(opts, "passphrase");
  const plaintext = optFlag(opts, "plaintext");
  const modes = [encryptTo.length > 0, passphrase, plaintext].filter(Boolean).length;
  if (modes !== 1) throw usageError("E_USAGE", modes ? "--encrypt-to, --passphrase and --plaintext exclude each other" : "say how to protect the copy: --encrypt-to THE_CLIENT'S_KEY, --passphrase, or --plaintext", "choose one");
  const out = optString(opts, "out");
  if (out === undefined) throw usageError("E_MISSING", "--out is required", "pass --out DIR (outside the chart repository)");
  const format = optList(opts, "format");
  return {
    client: arg(args, 0, "CLIENT"),
    request: arg(args, 1, "REQUEST"),
    out,
    formats: format.length ? checkAccessFormats(format) : undefined,
    encryptTo,
    passphrase,
    plaintext,
    yes: optFlag(opts, "yes"),
  };
}

export interface AccessFulfilResult {
  fulfilment: AccessFulfilment;
  dir: string;
  files: string[];
  privateWithheld: number;
  late: boolean;
  due: string;
}

export async function runAccessFulfil(ctx: Ctx, input: AccessFulfilInput): Promise<AccessFulfilResult> {
  const recipients: string[] = [];
  for (const r of input.encryptTo) recipients.push(await checkRecipient(r));
  const client = await ctx.client(input.client);
  const s = findRequest(await statuses(ctx, client.id), input.request);
  if (s.fulfilled) throw conflict("E_ACCESS_DONE", `request ${shortId(s.request.id)} was fulfilled on ${s.fulfilled.date}`, "record a new request for a new copy");
  const formats = input.formats ?? s.request.formats;
  const chart = await ctx.chart();
  const target = await checkExportTarget(ctx.deps.cwd, input.out, "folder", { chart, encrypted: !input.plaintext, replace: input.yes });
  const encryption = input.passphrase ? { passphrase: await readPassphrase(ctx, "CHART_ACCESS_PASSPHRASE") } : recipients.length ? { recipients } : undefined;
  const { files, withheld } = await renderCopy(ctx, client, s, formats);
  const written = await writeExport(target, files, encryption);
  const now = ctx.deps.now();
  const f: AccessFulfilment = {
    chart: 1,
    kind: "access",
    event: "fulfil",
    id: ctx.newId("access"),
    client: client.id,
    created: stamp(now),
    request: s.request.id,
    date: ctx.today(),
    at: stamp(now),
    by: await clinicianName(ctx.deps.env, chart.root),
    formats: [...formats],
    files: files.map((x) => ({ name: x.name, sha256: sha256Hex(x.data) })),
    encryption: input.passphrase ? "passphrase" : recipients.length ? "recipient" : "none",
    privateWithheld: !!s.denial,
  };
  try {
    await commitRecords(chart, [f], "chart: record access");
  } catch (e) {
    for (const p of written) await rm(p, { force: true });
    if ((await readdir(target.path).catch(() => ["x"])).length === 0) await rm(target.path, { recursive: true, force: true });
    throw e;
  }
  return { fulfilment: f, dir: target.path, files: written, privateWithheld: withheld, late: ctx.today() > s.due, due: s.due };
}

export function printAccessFulfil(out: Output, r: AccessFulfilResult): void {
  for (const p of r.files) out.line(p);
  out.info(`recorded access ${shortId(r.fulfilment.id)} for request ${shortId(r.fulfilment.request)} (not a disclosure)`);
  if (r.late) out.warn(`this copy is late: the request was due ${r.due}`);
  if (r.fulfilment.encryption === "none") out.warn(`the copy in ${r.dir} is plaintext: deliver it over a secure channel, and delete it once delivered`);
}

export const accessFulfil: CommandSpec<AccessFulfilInput, AccessFulfilResult> = {
  parse: parseAccessFulfil,
  run: runAccessFulfil,
  text: printAccessFulfil,
  json: (r) => ({ id: r.fulfilment.id, request: r.fulfilment.request, files: r.files, encryption: r.fulfilment.encryption, privateWithheld: r.privateWithheld, late: r.late }),
};

// ---- access list -----------------------------------------------------------------------------

export const parseAccessList = (args: readonly string[], opts: Opts): { client?: string | undefined; all: boolean } => ({ client: args[0] || undefined, all: optFlag(opts, "all") });

export async function runAccessList(ctx: Ctx, input: { client?: string | undefined; all: boolean }): Promise<{ all: boolean; shown: AccessStatus[] }> {
  const chart = await ctx.chart();
  let ids: string[];
  if (input.client) ids = [(await ctx.client(input.client)).id];
  else ids = (await readdir(join(chart.root, "clients")).catch(() => [] as string[])).filter((d) => d.startsWith("cl_"));
  const all: AccessStatus[] = [];
  for (const id of ids) {
    const has = (await readdir(join(chart.root, "clients", id, "access")).catch(() => [] as string[])).length > 0;
    if (has) all.push(...(await statuses(ctx, id)));
  }
  return { all: input.all, shown: all.filter((s) => input.all || s.open).sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0)) };
}

export function printAccessList(out: Output, { all, shown }: { all: boolean; shown: AccessStatus[] }): void {
  if (shown.length === 0) {
    out.info(all ? "no access requests" : "no open access requests");
    return;
  }
  const c = out.color;
  out.table(
    shown.map((s) => [shortId(s.request.id), shortId(s.request.client), s.request.received, s.overdue ? c.red(s.due) : s.due, s.fulfilled ? `fulfilled ${s.fulfilled.date}` : s.overdue ? "OVERDUE" : s.extended ? "open (extended)" : "open", s.request.formats.join(",")]),
    ["ID", "CLIENT", "RECEIVED", "DUE", "STATUS", "FORMAT"],
  );
}

export const accessList: CommandSpec<{ client?: string | undefined; all: boolean }, { all: boolean; shown: AccessStatus[] }> = {
  parse: parseAccessList,
  run: runAccessList,
  text: printAccessList,
  json: (r) => r.shown.map(statusJson),
};

export function registerAccess(program: Command, reg: Registrar): void {
  const access = program.command("access").description("a client's right of access to their record (HIPAA 164.524): requests, due dates, the client's copy");

  access
    .command("request")
    .description("record a client's request for a copy of their record; due in 30 days")
    .argument("<client>", CLIENT_ARG)
    .option("-d, --date <date>", "when the request was received (default today)")
    .addOption(new Option("--received <date>", "the old name of --date").hideHelp())
    .option("--format <formats>", "the form asked for: pdf, json, fhir (comma separated or repeated; default all three)", collect)
    .option("--note <text>", "what was asked for, how to deliver it")
    .action(wire(reg, accessRequest));

  access
    .command("extend")
    .description("extend a request once, by 30 days, with the reason for the delay (tell the client in writing)")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--reason <text>", "why the copy is delayed")
    .option("-d, --date <date>", "when the extension was given (default today)")
    .action(wire(reg, accessExtend));

  access
    .command("deny")
    .description("deny access to the private passages, with the basis (the copy then carries the denial, the review right and how to complain)")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--private", "what is denied: the passages marked private (the only partial denial chart records)")
    .option("--reason <text>", "the basis for the denial (164.524(a)(3): e.g. a licensed professional's judgment that access is reasonably likely to endanger someone's life or physical safety)")
    .option("-d, --date <date>", "the date of the decision (default today)")
    .action(wire(reg, accessDeny));

  access
    .command("fulfil")
    .alias("fulfill")
    .description("write the client's copy (PDF, JSON, FHIR; psychotherapy notes excluded) and record the access")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("-o, --out <dir>", "a new or empty folder outside the chart repository")
    .option("--format <formats>", "override the request's formats: pdf, json, fhir", collect)
    .option("--encrypt-to <recipient>", "encrypt to the client's age key (repeatable)", collect)
    .option("--passphrase", "encrypt with a passphrase ($CHART_ACCESS_PASSPHRASE, or asked on the terminal); give it to the client by another channel")
    .option("--plaintext", "write unencrypted files (chart warns)")
    .option("-y, --yes", "replace files of the same names in the folder")
    .action(wire(reg, accessFulfil));

  access
    .command("list")
    .description("open access requests and their due dates (all clients, or one)")
    .argument("[client]", CLIENT_ARG)
    .option("--all", "include fulfilled requests")
    .action(wire(reg, accessList));
}
