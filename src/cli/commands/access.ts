/**
 * chart access request|extend|deny|fulfil|list: the right of access (45 CFR 164.524;
 * docs/access.md). A fulfilled request writes the client's copy of their designated record set
 * and records the fulfilment: access by the client, not a disclosure. (`chart access-log` is a
 * different command: which records each command decrypted.)
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
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
import { collect } from "../options.js";
import type { Registrar } from "../program.js";
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

export function registerAccess(program: Command, reg: Registrar): void {
  const access = program.command("access").description("a client's right of access to their record (HIPAA 164.524): requests, due dates, the client's copy");

  access
    .command("request")
    .description("record a client's request for a copy of their record; due in 30 days")
    .argument("<client>", CLIENT_ARG)
    .option("--received <date>", "when the request was received, YYYY-MM-DD (default today)")
    .option("--format <formats>", "the form asked for: pdf, json, fhir (comma separated or repeated; default all three)", collect)
    .option("--note <text>", "what was asked for, how to deliver it")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const client = await ctx.client(q as string);
        const received = ctx.date(opts.received, "received");
        const formats = checkAccessFormats(opts.format as string[] | undefined);
        const r: AccessRequest = { chart: 1, kind: "access", event: "request", id: ctx.newId("access"), client: client.id, created: stamp(ctx.deps.now()), received, formats };
        if (typeof opts.note === "string" && opts.note.trim()) r.note = opts.note.trim();
        await commitRecords(await ctx.chart(), [r], "chart: record access request");
        const [s] = accessStatuses([r], ctx.today());
        if (ctx.out.json) { ctx.out.data(statusJson(s as AccessStatus)); return; }
        ctx.out.line(r.id);
        ctx.out.info(`due ${(s as AccessStatus).due} (30 days after ${received}); fulfil with: chart access fulfil ${shortId(client.id)} ${shortId(r.id)} --out DIR`);
      }),
    );

  access
    .command("extend")
    .description("extend a request once, by 30 days, with the reason for the delay (tell the client in writing)")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--reason <text>", "why the copy is delayed")
    .option("-d, --date <date>", "when the extension was given (default today)")
    .action(
      reg.action(async (ctx, [q, rq], opts) => {
        const client = await ctx.client(q as string);
        const s = findRequest(await statuses(ctx, client.id), rq as string);
        const date = ctx.date(opts.date, "date");
        const reason = checkExtension(s, date, opts.reason as string | undefined);
        const e: AccessExtension = { chart: 1, kind: "access", event: "extend", id: ctx.newId("access"), client: client.id, created: stamp(ctx.deps.now()), request: s.request.id, date, reason };
        await commitRecords(await ctx.chart(), [e], "chart: record access extension");
        const [after] = accessStatuses([s.request, e], ctx.today());
        if (ctx.out.json) { ctx.out.data(statusJson(after as AccessStatus)); return; }
        ctx.out.info(`request ${shortId(s.request.id)} now due ${(after as AccessStatus).due}; tell the client the reason and this date in writing`);
      }),
    );

  access
    .command("deny")
    .description("deny access to the private passages, with the basis (the copy then carries the denial, the review right and how to complain)")
    .argument("<client>", CLIENT_ARG)
    .argument("<request>", "the request's id or id prefix")
    .option("--private", "what is denied: the passages marked private (the only partial denial chart records)")
    .option("--reason <text>", "the basis for the denial (164.524(a)(3): e.g. a licensed professional's judgment that access is reasonably likely to endanger someone's life or physical safety)")
    .option("-d, --date <date>", "the date of the decision (default today)")
    .action(
      reg.action(async (ctx, [q, rq], opts) => {
        if (!opts.private) throw usageError("E_USAGE", "say what is denied: --private (the passages marked private)", "chart access deny CLIENT REQUEST --private --reason TEXT");
        const reason = typeof opts.reason === "string" ? opts.reason.trim() : "";
        if (!reason) throw invalid("E_ACCESS_REASON", "a denial needs its basis (the client is told it in writing)", 'pass --reason "..."');
        const client = await ctx.client(q as string);
        const s = findRequest(await statuses(ctx, client.id), rq as string);
        if (s.fulfilled) throw conflict("E_ACCESS_DONE", `request ${shortId(s.request.id)} was fulfilled on ${s.fulfilled.date}`, "record a denial before fulfilling");
        if (s.denial) throw conflict("E_ACCESS_DENIED", `request ${shortId(s.request.id)} already has a denial (${s.denial.date})`, "nothing to do");
        const chart = await ctx.chart();
        const d: AccessDenial = { chart: 1, kind: "access", event: "deny", id: ctx.newId("access"), client: client.id, created: stamp(ctx.deps.now()), request: s.request.id, date: ctx.date(opts.date, "date"), scope: "private-passages", reason, by: await clinicianName(ctx.deps.env, chart.root) };
        await commitRecords(chart, [d], "chart: record access denial");
        if (ctx.out.json) { ctx.out.data({ id: d.id, request: s.request.id, scope: d.scope }); return; }
        ctx.out.info(`recorded: the copy for ${shortId(s.request.id)} will withhold private passages and carry the denial statement with the review right`);
      }),
    );

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
    .action(
      reg.action(async (ctx, [q, rq], opts) => {
        const encryptTo = ((opts.encryptTo as string[] | undefined) ?? []).map((r) => r.trim());
        const modes = [encryptTo.length > 0, !!opts.passphrase, !!opts.plaintext].filter(Boolean).length;
        if (modes !== 1) throw usageError("E_USAGE", modes ? "--encrypt-to, --passphrase and --plaintext exclude each other" : "say how to protect the copy: --encrypt-to THE_CLIENT'S_KEY, --passphrase, or --plaintext", "choose one");
        if (typeof opts.out !== "string") throw usageError("E_MISSING", "--out is required", "pass --out DIR (outside the chart repository)");
        const recipients: string[] = [];
        for (const r of encryptTo) recipients.push(await checkRecipient(r));
        const client = await ctx.client(q as string);
        const s = findRequest(await statuses(ctx, client.id), rq as string);
        if (s.fulfilled) throw conflict("E_ACCESS_DONE", `request ${shortId(s.request.id)} was fulfilled on ${s.fulfilled.date}`, "record a new request for a new copy");
        const formats = opts.format ? checkAccessFormats(opts.format as string[]) : s.request.formats;
        const chart = await ctx.chart();
        const target = await checkExportTarget(ctx.deps.cwd, opts.out, "folder", { chart, encrypted: !opts.plaintext, replace: !!opts.yes });
        const encryption = opts.passphrase ? { passphrase: await readPassphrase(ctx, "CHART_ACCESS_PASSPHRASE") } : recipients.length ? { recipients } : undefined;
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
          encryption: opts.passphrase ? "passphrase" : recipients.length ? "recipient" : "none",
          privateWithheld: !!s.denial,
        };
        try {
          await commitRecords(chart, [f], "chart: record access");
        } catch (e) {
          for (const p of written) await rm(p, { force: true });
          if ((await readdir(target.path).catch(() => ["x"])).length === 0) await rm(target.path, { recursive: true, force: true });
          throw e;
        }
        if (ctx.out.json) { ctx.out.data({ id: f.id, request: s.request.id, files: written, encryption: f.encryption, privateWithheld: withheld, late: ctx.today() > s.due }); return; }
        for (const p of written) ctx.out.line(p);
        ctx.out.info(`recorded access ${shortId(f.id)} for request ${shortId(s.request.id)} (not a disclosure)`);
        if (ctx.today() > s.due) ctx.out.warn(`this copy is late: the request was due ${s.due}`);
        if (!encryption) ctx.out.warn(`the copy in ${target.path} is plaintext: deliver it over a secure channel, and delete it once delivered`);
      }),
    );

  access
    .command("list")
    .description("open access requests and their due dates (all clients, or one)")
    .argument("[client]", CLIENT_ARG)
    .option("--all", "include fulfilled requests")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const chart = await ctx.chart();
        let ids: string[];
        if (q) ids = [(await ctx.client(q)).id];
        else ids = (await readdir(join(chart.root, "clients")).catch(() => [] as string[])).filter((d) => d.startsWith("cl_"));
        const all: AccessStatus[] = [];
        for (const id of ids) {
          const has = (await readdir(join(chart.root, "clients", id, "access")).catch(() => [] as string[])).length > 0;
          if (has) all.push(...(await statuses(ctx, id)));
        }
        const shown = all.filter((s) => opts.all || s.open).sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
        if (ctx.out.json) { ctx.out.data(shown.map(statusJson)); return; }
        if (shown.length === 0) { ctx.out.info(opts.all ? "no access requests" : "no open access requests"); return; }
        const c = ctx.out.color;
        ctx.out.table(
          shown.map((s) => [shortId(s.request.id), shortId(s.request.client), s.request.received, s.overdue ? c.red(s.due) : s.due, s.fulfilled ? `fulfilled ${s.fulfilled.date}` : s.overdue ? "OVERDUE" : s.extended ? "open (extended)" : "open", s.request.formats.join(",")]),
          ["ID", "CLIENT", "RECEIVED", "DUE", "STATUS", "FORMAT"],
        );
      }),
    );
}
