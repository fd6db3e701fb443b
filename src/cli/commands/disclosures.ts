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
import { collect } from "../options.js";
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";
import { recordJson } from "../views.js";
import { textOf } from "../../domain/text-of.js";

const CLIENT_ARG = "id, id prefix, or a unique part of the name";
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex

function text(value: unknown, what: string, max = 2000): string {
  const s = textOf(value ?? "").trim();
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

export function registerDisclosures(program: Command, reg: Registrar): void {
  const cmd = program
    .command("disclosures")
    .description("the record of disclosures: the accounting (164.528), shares under an authorization, accountings provided")
    .argument("[client]", CLIENT_ARG)
    .option("--since <date>", "only disclosures on or after this date")
    .action(
      reg.action(async (ctx, [q], opts) => {
        if (q === undefined) throw usageError("E_USAGE", "name a client", "chart disclosures CLIENT, or chart disclosures add|report CLIENT");
        const client = await ctx.client(q);
        const since = ctx.optionalDate(opts.since, "since", { allowFuture: true });
        const shown = (await loadAll(ctx, client.id))
          .filter((d) => !since || d.date >= since)
          .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.id < b.id ? -1 : 1));
        if (ctx.out.json) { ctx.out.data(shown.map((d) => ({ ...recordJson(d), class: classOf(d), legalBasis: basisText(d) }))); return; }
        if (shown.length === 0) { ctx.out.info("no disclosures recorded"); return; }
        const part = (title: string, rows: string[][], head: string[]) => {
          ctx.out.line(title);
          if (rows.length) ctx.out.table(rows, head);
          else ctx.out.line("  none");
          ctx.out.line("");
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
      }),
    );

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
    .option("--date <date>", "when it was disclosed (default today)")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const basis = checkBasis(String(opts.basis));
        const client = await ctx.client(q as string);
        const date = ctx.date(opts.date, "date");
        const now = ctx.deps.now();
        const recipient: AccountableDisclosure["recipient"] = { name: text(opts.to, "--to", 200) };
        if (opts.org !== undefined) recipient.organization = text(opts.org, "--org", 200);
        const rec: AccountableDisclosure = {
          chart: 1,
          kind: "disclosure",
          id: ctx.newId("disclosure"),
          client: client.id,
          created: stamp(now),
          basis,
          date,
          at: stamp(now),
          recipient,
          purposes: (opts.purpose as string[]).map((p) => text(p, "--purpose", 500)),
          description: text(opts.description, "--description"),
          items: [],
        };
        if (opts.address !== undefined) rec.address = text(opts.address, "--address", 500);
        await commitRecords(await ctx.chart(), [rec], "chart: record disclosure");
        if (ctx.out.json) { ctx.out.data({ ...recordJson(rec), class: "accountable", legalBasis: basisText(rec) }); return; }
        ctx.out.line(rec.id);
        ctx.out.info(`recorded: ${basisText(rec)}; it will appear in the client's accounting of disclosures`);
      }),
    );

  cmd
    .command("report")
    .description("the accounting of disclosures the client asked for (PDF and JSON, six years), recorded as provided (164.528(d))")
    .argument("<client>", CLIENT_ARG)
    .option("-o, --out <dir>", "the directory to write accounting.pdf and accounting.json to (outside the chart repository)")
    .option("--requested <date>", "when the client asked (default today)")
    .option("--from <date>", "start of the period (default six years before today; the client may ask for less)")
    .option("-n, --dry-run", "show the entries; write and record nothing")
    .option("-y, --yes", "replace files already in the output directory")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const client = await ctx.client(q as string);
        const today = ctx.today();
        const earliest = accountingStart(today);
        const from = ctx.optionalDate(opts.from, "from") ?? earliest;
        if (from < earliest) throw invalid("E_ACCOUNTING_PERIOD", `the accounting covers at most six years (from ${earliest})`, "164.528(a)(3): the client may ask for a shorter period");
        const requested = ctx.date(opts.requested, "requested");
        const all = await loadAll(ctx, client.id, { refuse: true });
        const entries = accountingEntries(all, from, today);
        if (opts.dryRun || !opts.out) {
          if (!opts.dryRun) throw usageError("E_USAGE", "--out is required (or --dry-run)", "name a directory outside the chart, e.g. --out ~/accounting");
          if (ctx.out.json) { ctx.out.data({ dryRun: true, from, until: today, entries: entries.map(recordJson) }); return; }
          ctx.out.line(`Accounting of disclosures from ${from} to ${today}: ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`);
          if (entries.length) ctx.out.table(entries.map((d) => [d.date, to(d), d.description, basisText(d)]), ["DATE", "TO", "DISCLOSED", "BASIS"]);
          ctx.out.info("dry run: nothing was written"); return;
        }
        const chart = await ctx.chart();
        const dir = await checkOutDir(resolve(ctx.deps.cwd, textOf(opts.out)), chart);
        const names = ["accounting.pdf", "accounting.json"];
        const present = await existingFiles(dir, names);
        if (present.length && !(await confirm(ctx.deps, !!opts.yes, `Replace ${present.join(", ")} in ${dir}?`))) {
          throw conflict("E_ACCOUNTING_EXISTS", `${present.join(", ")} already in ${dir}; nothing was written`, "pass --yes to replace them, or choose another --out");
        }
        const now = ctx.deps.now();
        const practice = await readPractice(chart);
        const input = {
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
        const pdf = await renderAccountingPdf(input);
        const json = new TextEncoder().encode(`${JSON.stringify(accountingJson(input), null, 2)}\n`);
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
        if (ctx.out.json) { ctx.out.data({ provided: rec.id, from, until: today, entries: entries.length, files: paths }); return; }
        for (const p of paths) ctx.out.line(p);
        ctx.out.warn(`the accounting in ${dir} is plaintext: give it to the client securely, then delete it`);
        ctx.out.info(`recorded as provided (${shortId(rec.id)}); requested ${requested}, ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`);
      }),
    );
}
