/**
 * chart disclosures CLIENT: the record of disclosures, in three parts — the accounting
 * (disclosures without an authorization, 45 CFR 164.528, each with its 164.512 basis),
 * disclosures under an authorization (exempt from the accounting by 164.528(a)(1)(iv), kept),
 * and accountings provided to the client (164.528(d)).
 * chart disclosures add CLIENT ...: record a disclosure made without a bundle.
 * chart disclosures report CLIENT --out DIR: the accounting the client asked for (PDF + JSON,
 * six years), recorded as provided.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  accountingEntries,
  accountingStart,
  basisText,
  BASES,
  checkBasis,
  classOf,
  isAuthorized,
  type AccountableDisclosure,
  type AccountingProvided,
  type AnyDisclosure,
} from "../../domain/accounting.js";
import { stamp } from "../../domain/dates.js";
import { conflict, invalid, usageError } from "../../domain/errors.js";
import { shortId } from "../../domain/ids.js";
import { checkOutDir } from "../../export/bundle.js";
import { existingFiles, stageBundle } from "../../export/stage-files.js";
import { readPractice } from "../../store/practice.js";
import { sha256Hex } from "../../store/hash.js";
import { clinicianName } from "../../store/clinician.js";
import { commitRecords, readKind } from "../../store/records.js";
import type { Ctx } from "../context.js";
import { incompleteError } from "../incomplete.js";
import { arg, collect, optFlag, optList, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { confirm } from "../prompt.js";
import { recordJson } from "../../domain/record.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex

function text(value: string | undefined, what: string, max = 2000): string {
  const s = (value ?? "").trim();
  if (s === "") throw usageError("E_USAGE", `${what} is empty`);
  if (s.length > max) throw invalid("E_DISCLOSURE_FIELD", `${what} is longer than ${max} characters`);
  if (CONTROL.test(s)) throw invalid("E_DISCLOSURE_FIELD", `${what} holds control characters`, "type plain text");
  return s;
}

/** A listing names unreadable records and ends non-zero; a report refuses (it must be whole). */
async function loadAll(ctx: Ctx, clientId: string, o: { refuse?: boolean } = {}): Promise<AnyDisclosure[]> {
  const { records, failures } = await readKind(await ctx.chart(), "disclosure", clientId);
  if (failures.length && o.refuse) throw incompleteError(failures);
  ctx.incomplete(failures);
  return records;
}

const to = (d: AnyDisclosure): string => {
  const addr = (d as AccountableDisclosure).address ?? d.recipient.contact;
  return [d.recipient.name, d.recipient.organization, addr].filter(Boolean).join(", ");
};

// ---- disclosures CLIENT ----------------------------------------------------------------------

export interface DisclosuresInput {
  client: string;
  since?: string | undefined;
  /** A discharged client in name matching. */
  all: boolean;
}

export function parseDisclosures(args: readonly string[], opts: Opts): DisclosuresInput {
  const q = args[0];
  if (q === undefined) throw usageError("E_USAGE", "name a client", "chart disclosures CLIENT, or chart disclosures add|report CLIENT");
  return { client: q, since: optString(opts, "since"), all: optFlag(opts, "all") };
}

export async function runDisclosures(ctx: Ctx, input: DisclosuresInput): Promise<AnyDisclosure[]> {
  const client = await ctx.client(input.client, { all: input.all });
  const since = ctx.optionalDate(input.since, "since", { allowFuture: true });
  return (await loadAll(ctx, client.id))
    .filter((d) => !since || d.date >= since)
    .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.id < b.id ? -1 : 1));
}

export function printDisclosures(out: Output, shown: AnyDisclosure[]): void {
  if (shown.length === 0) {
    out.info("no disclosures recorded");
    return;
  }
  const part = (title: string, rows: string[][], head: string[]) => {
    out.line(title);
    if (rows.length) out.table(rows, head);
    else out.line("  none");
    out.line("");
  };
  const of = (c: string) => shown.filter((d) => classOf(d) === c);
  part(
    "Accounting of disclosures (45 CFR 164.528): disclosures without an authorization",
    of("accountable").map((d) => [d.date, shortId(d.id), to(d), d.purposes.join("; "), d.description, basisText(d)]),
    ["DATE", "ID", "TO", "PURPOSE", "DISCLOSED", "BASIS"],
  );
  part(
    "Disclosures under an authorization (exempt from the accounting, 164.528(a)(1)(iv); kept for the record)",
    shown.filter(isAuthorized).map((s) => [s.date, shortId(s.id), to(s), s.purposes.join("; "), shortId(s.consent ?? ""), s.description, `${s.bundleHash ? `${s.bundleHash.slice(0, 19)}…` : ""}${s.encrypted ? " (encrypted)" : ""}`]),
    ["DATE", "ID", "TO", "PURPOSE", "CONSENT", "DISCLOSED", "BUNDLE"],
  );
  const provided = of("provided") as AccountingProvided[];
  if (provided.length) {
    part(
      "Accountings provided to the client (164.528(d))",
      provided.map((d) => [d.date, shortId(d.id), d.requested, `${d.from} to ${d.until}`, String(d.items.length)]),
      ["PROVIDED", "ID", "REQUESTED", "PERIOD", "ENTRIES"],
    );
  }
}

export const disclosures: CommandSpec<DisclosuresInput, AnyDisclosure[]> = {
  parse: parseDisclosures,
  run: runDisclosures,
  text: printDisclosures,
  json: (shown) => shown.map((d) => ({ ...recordJson(d), class: classOf(d), legalBasis: basisText(d) })),
};

// ---- disclosures add -------------------------------------------------------------------------

export interface DisclosureAddInput {
  client: string;
  basis: AccountableDisclosure["basis"];
  date?: string | undefined;
  recipient: AccountableDisclosure["recipient"];
  address?: string | undefined;
  purposes: string[];
  description: string;
}

export function parseDisclosureAdd(args: readonly string[], opts: Opts): DisclosureAddInput {
  const basis = checkBasis(optString(opts, "basis") ?? "");
  const recipient: AccountableDisclosure["recipient"] = { name: text(optString(opts, "to"), "--to", 200) };
  const org = optString(opts, "org");
  if (org !== undefined) recipient.organization = text(org, "--org", 200);
  const address = optString(opts, "address");
  return {
    client: arg(args, 0, "CLIENT"),
    basis,
    date: optString(opts, "date"),
    recipient,
    address: address !== undefined ? text(address, "--address", 500) : undefined,
    purposes: optList(opts, "purpose").map((p) => text(p, "--purpose", 500)),
    description: text(optString(opts, "description"), "--description"),
  };
}

export async function runDisclosureAdd(ctx: Ctx, input: DisclosureAddInput): Promise<AccountableDisclosure> {
  const client = await ctx.client(input.client);
  const date = ctx.date(input.date, "date");
  const now = ctx.deps.now();
  const rec: AccountableDisclosure = {
    chart: 1,
    kind: "disclosure",
    id: ctx.newId("disclosure"),
    client: client.id,
    created: stamp(now),
    basis: input.basis,
    date,
    at: stamp(now),
    recipient: input.recipient,
    purposes: input.purposes,
    description: input.description,
    items: [],
  };
  if (input.address !== undefined) rec.address = input.address;
  await commitRecords(await ctx.chart(), [rec], "chart: record disclosure");
  return rec;
}

export const disclosureAdd: CommandSpec<DisclosureAddInput, AccountableDisclosure> = {
  parse: parseDisclosureAdd,
  run: runDisclosureAdd,
  text: (out, rec) => {
    out.line(rec.id);
    out.info(`recorded: ${basisText(rec)}; it will appear in the client's accounting of disclosures`);
  },
  json: (rec) => ({ ...recordJson(rec), class: "accountable", legalBasis: basisText(rec) }),
};

// ---- disclosures report ----------------------------------------------------------------------

export interface DisclosureReportInput {
  client: string;
  out?: string | undefined;
  requested?: string | undefined;
  from?: string | undefined;
  dryRun: boolean;
  yes: boolean;
}

export function parseDisclosureReport(args: readonly string[], opts: Opts): DisclosureReportInput {
  const dryRun = optFlag(opts, "dryRun");
  const out = optString(opts, "out") || undefined;
  if (!dryRun && !out) throw usageError("E_USAGE", "--out is required (or --dry-run)", "name a directory outside the chart, e.g. --out ~/accounting");
  return { client: arg(args, 0, "CLIENT"), out, requested: optString(opts, "requested"), from: optString(opts, "from"), dryRun, yes: optFlag(opts, "yes") };
}

export type DisclosureReportResult =
  | { dryRun: true; from: string; until: string; entries: AccountableDisclosure[] }
  | { dryRun: false; provided: AccountingProvided; dir: string; files: string[] };

export async function runDisclosureReport(ctx: Ctx, input: DisclosureReportInput): Promise<DisclosureReportResult> {
  const client = await ctx.client(input.client);
  const today = ctx.today();
  const earliest = accountingStart(today);
  const from = ctx.optionalDate(input.from, "from") ?? earliest;
  if (from < earliest) throw invalid("E_ACCOUNTING_PERIOD", `the accounting covers at most six years (from ${earliest})`, "164.528(a)(3): the client may ask for a shorter period");
  const requested = ctx.date(input.requested, "requested");
  const all = await loadAll(ctx, client.id, { refuse: true });
  const entries = accountingEntries(all, from, today);
  if (input.dryRun || input.out === undefined) return { dryRun: true, from, until: today, entries };
  const chart = await ctx.chart();
  const dir = await checkOutDir(resolve(ctx.deps.cwd, input.out), chart);
  const names = ["accounting.pdf", "accounting.json"];
  const present = await existingFiles(dir, names);
  if (present.length && !(await confirm(ctx.deps, input.yes, `Replace ${present.join(", ")} in ${dir}?`))) {
    throw conflict("E_ACCOUNTING_EXISTS", `${present.join(", ")} already in ${dir}; nothing was written`, "pass --yes to replace them, or choose another --out");
  }
  const now = ctx.deps.now();
  const practice = await readPractice(chart);
  const doc = {
    client: { name: client.name, ...(client.dob ? { dob: client.dob } : {}) },
    from,
    until: today,
    requested,
    generatedAt: stamp(now),
    practice,
    discloser: await clinicianName(ctx.deps.env, ctx.deps.cwd),
    entries,
  };
  const { accountingJson, renderAccountingPdf } = await import("../../export/accounting.js");
  const pdf = await renderAccountingPdf(doc);
  const json = new TextEncoder().encode(`${JSON.stringify(accountingJson(doc), null, 2)}\n`);
  const files = [
    { name: "accounting.pdf", data: pdf, sha256: sha256Hex(pdf) },
    { name: "accounting.json", data: json, sha256: sha256Hex(json) },
  ];
  const staged = await stageBundle(dir, files);
  const rec: AccountingProvided = {
    chart: 1,
    kind: "disclosure",
    id: ctx.newId("disclosure"),
    client: client.id,
    created: stamp(now),
    basis: "individual",
    date: today,
    at: stamp(now),
    requested,
    recipient: { name: "the client" },
    purposes: ["accounting of disclosures requested by the client (45 CFR 164.528)"],
    description: `accounting of disclosures from ${from} to ${today}, ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`,
    items: entries.map((d) => d.id),
    from,
    until: today,
    files: files.map(({ name, sha256 }) => ({ name, sha256 })),
  };
  try {
    await commitRecords(chart, [rec], "chart: record accounting provided");
  } catch (e) {
    await staged.abort();
    throw e;
  }
  const paths = await staged.publish();
  return { dryRun: false, provided: rec, dir, files: paths };
}

const entriesText = (n: number): string => `${n} entr${n === 1 ? "y" : "ies"}`;

export function printDisclosureReport(out: Output, r: DisclosureReportResult): void {
  if (r.dryRun) {
    out.line(`Accounting of disclosures from ${r.from} to ${r.until}: ${entriesText(r.entries.length)}`);
    if (r.entries.length) out.table(r.entries.map((d) => [d.date, to(d), d.description, basisText(d)]), ["DATE", "TO", "DISCLOSED", "BASIS"]);
    out.info("dry run: nothing was written");
    return;
  }
  for (const p of r.files) out.line(p);
  out.warn(`the accounting in ${r.dir} is plaintext: give it to the client securely, then delete it`);
  out.info(`recorded as provided (${shortId(r.provided.id)}); requested ${r.provided.requested}, ${entriesText(r.provided.items.length)}`);
}

export const disclosureReport: CommandSpec<DisclosureReportInput, DisclosureReportResult> = {
  parse: parseDisclosureReport,
  run: runDisclosureReport,
  text: printDisclosureReport,
  json: (r) =>
    r.dryRun
      ? { dryRun: true, from: r.from, until: r.until, entries: r.entries.map(recordJson) }
      : { provided: r.provided.id, from: r.provided.from, until: r.provided.until, entries: r.provided.items.length, files: r.files },
};

export function registerDisclosures(program: Command, reg: Registrar): void {
  const cmd = program
    .command("disclosures")
    .description("the record of disclosures: the accounting (164.528), shares under an authorization, accountings provided")
    .argument("[client]", CLIENT_ARG)
    .option("--since <date>", "only disclosures on or after this date")
    .option("--all", "a discharged client named by name too")
    .action(wire(reg, disclosures));

  cmd
    .command("add")
    .description("record a disclosure made without an authorization (a mandated report, a court order, duty to warn...)")
    .argument("<client>", CLIENT_ARG)
    .requiredOption("--to <name>", "who received the information")
    .option("--org <organization>", "the recipient's organization")
    .option("--address <address>", "the recipient's address, if known")
    .requiredOption("--purpose <text>", "a brief statement of the purpose (repeatable)", collect)
    .requiredOption("--description <text>", "a brief description of what was disclosed")
    .requiredOption("--basis <basis>", `the legal basis: ${Object.keys(BASES).join(", ")}`)
    .option("-d, --date <date>", "when it was disclosed (default today)")
    .action(wire(reg, disclosureAdd));

  cmd
    .command("report")
    .description("the accounting of disclosures the client asked for (PDF and JSON, six years), recorded as provided (164.528(d))")
    .argument("<client>", CLIENT_ARG)
    .option("-o, --out <dir>", "the directory to write accounting.pdf and accounting.json to (outside the chart repository)")
    .option("--requested <date>", "when the client asked (default today)")
    .option("--from <date>", "start of the period (default six years before today; the client may ask for less)")
    .option("--dry-run", "show the entries; write and record nothing")
    .option("-y, --yes", "replace files already in the output directory")
    .action(wire(reg, disclosureReport));
}
