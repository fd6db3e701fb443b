/**
 * chart export: one client or all, a date range or a month, as JSONL (the `chart import`
 * shape), JSON, Markdown, PDF, FHIR or CSV; to stdout or --out; optionally encrypted
 * (docs/export.md). Every input is checked before anything is read; files are written under
 * temporary names and renamed into place, so a failure leaves nothing half-written.
 */
import type { Command } from "commander";
import { stamp } from "../../domain/dates.js";
import { ChartError, usageError } from "../../domain/errors.js";
import {
  checkExportFormat,
  checkRange,
  FOLDER_FORMATS,
  monthRange,
  recordCount,
  selectClient,
  toJson,
  toJsonl,
  type ClientData,
  type DateRange,
  type ExportFormat,
} from "../../domain/export.js";
import { clinicianName } from "../../store/clinician.js";
import { checkRecipient } from "../../store/age.js";
import { readClientsData } from "../../store/export-read.js";
import { CSV_TABLES, csvTables } from "../../export/csv.js";
import { checkExportTarget, writeExport, type ExportFile } from "../../export/export-out.js";
import type { Ctx } from "../context.js";
import { collect, optFlag, optList, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import { readPassphrase } from "../passphrase.js";
import type { Opts, Registrar } from "../program.js";


/** The dates asked for: a month (checked here), or --since/--until as typed. */
type RangeInput = { month: DateRange } | { since?: string | undefined; until?: string | undefined };

function rangeInput(opts: Opts): RangeInput {
  const month = optString(opts, "month");
  const since = optString(opts, "since");
  const until = optString(opts, "until");
  if (month !== undefined && (since !== undefined || until !== undefined)) {
    throw usageError("E_USAGE", "--month excludes --since and --until", "give a month, or a range");
  }
  return month !== undefined ? { month: monthRange(month) } : { since, until };
}

/**
 * The range's dates. Their syntax is checked before the chart is read (checkRangeSyntax); their
 * values ("today", "yesterday") are taken once it is open, in the practice's time zone
 * (docs/decisions.md, "Dates and time zones").
 */
function checkRangeSyntax(ctx: Ctx, r: RangeInput): void {
  if ("month" in r) return;
  ctx.optionalDate(r.since, "since", { allowFuture: true });
  ctx.optionalDate(r.until, "until", { allowFuture: true });
}

function rangeOf(ctx: Ctx, r: RangeInput): DateRange {
  if ("month" in r) return r.month;
  const since = ctx.optionalDate(r.since, "since", { allowFuture: true });
  const until = ctx.optionalDate(r.until, "until", { allowFuture: true });
  return checkRange({ ...(since ? { since } : {}), ...(until ? { until } : {}) });
}

export interface ExportInput {
  format: ExportFormat;
  range: RangeInput;
  clients: string[];
  encryptTo: string[];
  passphrase: boolean;
  out?: string | undefined;
  table?: string | undefined;
  withVoided: boolean;
  yes: boolean;
}

/** Everything about the request that can be checked without the chart or the terminal. */
export function parseExport(_args: readonly string[], opts: Opts): ExportInput {
  const format = checkExportFormat(optString(opts, "format"), "jsonl");
  const range = rangeInput(opts);
  const clients = optList(opts, "client");
  if (clients.length && optFlag(opts, "all")) throw usageError("E_USAGE", "--client and --all exclude each other", "name clients, or export all");
  const encryptTo = optList(opts, "encryptTo").map((r) => r.trim());
  const passphrase = optFlag(opts, "passphrase");
  if (encryptTo.length && passphrase) throw usageError("E_USAGE", "--encrypt-to and --passphrase exclude each other", "choose one way to protect the export");
  const out = optString(opts, "out");
  const tableOpt = optString(opts, "table");
  if (out === undefined && FOLDER_FORMATS.includes(format) && !(format === "csv" && tableOpt)) {
    throw usageError("E_EXPORT_OUT", `--format ${format} writes several files: it needs --out FOLDER`, format === "csv" ? "pass --out FOLDER, or --table sessions to print one table" : "pass --out FOLDER");
  }
  return { format, range, clients, encryptTo, passphrase, out, table: tableOpt, withVoided: optFlag(opts, "withVoided"), yes: optFlag(opts, "yes") };
}

export type ExportResult =
  | { to: "stdout" }
  | { to: "nothing"; out?: string | undefined }
  | { to: "files"; clients: number; records: number; format: ExportFormat; encrypted: boolean; written: string[]; path: string };

export async function runExport(ctx: Ctx, input: ExportInput): Promise<ExportResult> {
  const { deps } = ctx;
  const { format, out } = input;
  // Everything about the request is checked before the chart is read.
  checkRangeSyntax(ctx, input.range);
  const recipients = [];
  for (const r of input.encryptTo) recipients.push(await checkRecipient(r));
  const encrypted = recipients.length > 0 || input.passphrase;
  const folder = FOLDER_FORMATS.includes(format);
  let table: string | undefined;
  if (out === undefined && deps.isTTY.stdout) {
    throw usageError("E_EXPORT_TTY", encrypted ? "will not write encrypted bytes to the terminal" : "will not print the export on the terminal", "pipe it (chart export ... > file), or pass --out PATH");
  }
  if (input.table !== undefined) {
    if (format !== "csv" || out !== undefined) throw usageError("E_USAGE", "--table is for --format csv to standard output", "drop --table, or use --format csv without --out");
    table = input.table.trim().toLowerCase();
    if (!(CSV_TABLES as readonly string[]).includes(table)) throw usageError("E_EXPORT_TABLE", `unknown table "${table.slice(0, 20)}"`, `use one of: ${CSV_TABLES.join(", ")}`);
  }
  const chart = await ctx.chart();
  const range = rangeOf(ctx, input.range);
  const target = out === undefined ? undefined : await checkExportTarget(deps.cwd, out, folder ? "folder" : "file", { chart, encrypted, replace: input.yes });
  const passphrase = input.passphrase ? await readPassphrase(ctx, "CHART_EXPORT_PASSPHRASE") : undefined;

  // Which clients: named ones (must exist and be live), else all.
  let ids: string[] | "all" = "all";
  if (input.clients.length) {
    const found: string[] = [];
    for (const q of input.clients) found.push((await ctx.client(q, { allowVoided: input.withVoided })).id);
    ids = [...new Set(found)];
  }
  const progress = deps.isTTY.stderr && !ctx.opts.quiet && !ctx.out.json;
  let shown = 0;
  const { clients: data, failures } = await readClientsData(chart, ids, (done, total) => {
    if (!progress || total < 10) return;
    const pct = Math.floor((done / total) * 10);
    if (pct !== shown || done === total) {
      shown = pct;
      deps.stderr.write(`\rreading ${done}/${total} clients…${done === total ? "\n" : ""}`);
    }
  });
  ctx.reportFailures(failures);
  if (failures.length) {
    throw new ChartError("invalid", "E_EXPORT_UNREADABLE", `${failures.length} record(s) cannot be read; nothing was exported`, "restore them from git history (chart fsck), then export again");
  }
  const withVoided = input.withVoided;
  const selected = data
    .map((d) => selectClient(d, { ...range, withVoided }))
    .filter((c): c is ClientData => c !== undefined)
    .sort((a, b) => (a.profile.id < b.profile.id ? -1 : 1));
  const records = selected.reduce((n, c) => n + recordCount(c), 0);
  if (selected.length === 0) {
    ctx.out.warn(`nothing to export${range.since || range.until ? ` between ${range.since ?? "the start"} and ${range.until ?? "today"}` : ""}; nothing was written`);
    return { to: "nothing", out };
  }
  const meta = { exportedAt: stamp(deps.now()), clinician: await clinicianName(deps.env, chart.root), ...range, withVoided };
  let files = await render(format, selected, meta);
  if (table) files = files.filter((f) => f.name === `${table}.csv`);
  const encryption = passphrase !== undefined ? { passphrase } : recipients.length ? { recipients } : undefined;
  if (target === undefined) {
    // The export itself is the output: written to stdout here, as bytes.
    const { encryptFor } = await import("../../store/age.js");
    const bytes = files[0]?.data ?? new Uint8Array();
    deps.stdout.write(encryption ? await encryptFor(bytes, encryption) : bytes);
    if (!ctx.opts.quiet && deps.isTTY.stderr) ctx.out.info(`exported ${records} records of ${selected.length} client${selected.length === 1 ? "" : "s"}`);
    return { to: "stdout" };
  }
  const written = await writeExport(target, files, encryption);
  return { to: "files", clients: selected.length, records, format, encrypted: !!encryption, written, path: target.path };
}

export function printExport(out: Output, r: ExportResult): void {
  if (r.to !== "files") return;
  out.info(`exported ${r.records} records of ${r.clients} client${r.clients === 1 ? "" : "s"} to ${r.path}${r.encrypted ? " (encrypted)" : ""}`);
  if (!r.encrypted) out.warn(`${r.path} is plaintext: keep it on an encrypted disk, and delete it when no longer needed`);
}

export const exportCommand: CommandSpec<ExportInput, ExportResult> = {
  parse: parseExport,
  run: runExport,
  text: printExport,
  json: (r) =>
    r.to === "files"
      ? { clients: r.clients, records: r.records, format: r.format, encrypted: r.encrypted, written: r.written }
      : r.to === "nothing" && r.out !== undefined
        ? { clients: 0, records: 0, written: [] }
        : undefined,
};

/** The files a format makes (names relative to the output folder), or the one stream for stdout. */
async function render(format: ExportFormat, clients: readonly ClientData[], meta: { exportedAt: string; clinician: string } & DateRange & { withVoided: boolean }): Promise<ExportFile[]> {
  const text = (name: string, t: string): ExportFile => ({ name, data: new TextEncoder().encode(t) });
  if (format === "jsonl") return [text("export.jsonl", toJsonl(clients))];
  if (format === "json") return [text("export.json", toJson(clients, meta))];
  if (format === "csv") return csvTables(clients).map((t) => text(t.name, t.text));
  if (format === "md") {
    const { clientMarkdown } = await import("../../export/markdown.js");
    return clients.flatMap((c) => clientMarkdown(c).map((f) => text(`${c.profile.id}/${f.name}`, f.text)));
  }
  const { archiveFhir, archivePdf } = await import("../../export/archive.js");
  if (format === "fhir") return clients.map((c) => text(`${c.profile.id}.fhir.json`, `${JSON.stringify(archiveFhir(c, meta.exportedAt, meta.clinician), null, 2)}\n`));
  const out: ExportFile[] = [];
  for (const c of clients) out.push({ name: `${c.profile.id}.pdf`, data: await archivePdf(c, meta.exportedAt, meta.clinician) });
  return out;
}

export function registerExport(program: Command, reg: Registrar): void {
  program
    .command("export")
    .description("export records (one client or all, a date range or a month) as JSONL, JSON, Markdown, PDF, FHIR or CSV")
    .option("-c, --client <client>", "only this client (repeatable): id, id prefix, or a unique part of the name", collect)
    .option("--all", "every client (the default)")
    .option("--since <date>", "from this date of service or event, YYYY-MM-DD")
    .option("--until <date>", "to this date of service or event, YYYY-MM-DD")
    .option("--month <YYYY-MM>", "that calendar month")
    .option("-f, --format <format>", "jsonl (default), json, md, pdf, fhir, csv")
    .option("-o, --out <path>", "a file (jsonl, json) or a folder (md, pdf, fhir, csv); default standard output")
    .option("--table <name>", `with --format csv to standard output: the one table to print (${CSV_TABLES.join(", ")})`)
    .option("--encrypt-to <recipient>", "encrypt to this age recipient (repeatable), e.g. an offline key", collect)
    .option("--passphrase", "encrypt with a passphrase ($CHART_EXPORT_PASSPHRASE, or asked on the terminal)")
    .option("--with-voided", "also export voided records and their voids (the full history; imports back as it was)")
    .option("-y, --yes", "replace an existing output file, or files of the same names in the output folder")
    .action(wire(reg, exportCommand));
}
