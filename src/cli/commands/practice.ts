/**
 * chart practice set|show: the practice profile used by every document (letterhead, signature
 * block, licence and NPI, time zone). Stored encrypted and committed: .chart/practice.age.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { HIPAA_TOPICS, missingTopics, PART2_TOPICS, statementParagraphs } from "../../domain/authorization-statements.js";
import { usageError } from "../../domain/errors.js";
import { flagName, mergePractice, PRACTICE_FIELDS, TEXT_FIELDS, type Practice, type PracticeField } from "../../domain/practice.js";
import { readPractice, writePractice } from "../../store/practice.js";
import type { Ctx } from "../context.js";
import { collect, optList } from "../options.js";
import type { Output } from "../output.js";
import type { Opts, Registrar } from "../program.js";
import { wire, type CommandSpec } from "../command.js";

const LABEL: Record<PracticeField, string> = {
  name: "practice",
  address: "address",
  phone: "phone",
  fax: "fax",
  email: "email",
  clinician: "clinician",
  credentials: "credentials",
  license: "licence",
  licenseState: "licence state",
  npi: "NPI",
  timeZone: "time zone",
  statements: "statements",
  part2Statements: "Part 2 statements",
};

const HELP: Record<PracticeField, string> = {
  name: "the practice's name (letterhead)",
  address: "postal address (use \\n or commas between lines)",
  phone: "phone number",
  fax: "fax number",
  email: "email address",
  clinician: "the clinician's name, as signed",
  credentials: "credentials after the name, e.g. LCSW, PhD",
  license: "licence number",
  licenseState: "the licensing state, two letters (e.g. NY)",
  npi: "10-digit National Provider Identifier (check digit verified)",
  timeZone: "IANA time zone, e.g. America/Chicago (times in documents are shown in it)",
  statements: "a file: the practice's wording of the 45 CFR 164.508(c)(2) statements every authorization records, one per paragraph; {practice} stands for the practice's name and address (default: chart's wording)",
  part2Statements: "a file: the practice's wording of the 42 CFR 2.31 statements for substance use disorder records, likewise",
};

/** A statements file as stored: its paragraphs, one blank line apart; warns of a required statement it seems to miss. */
async function readStatementsFile(ctx: Ctx, f: PracticeField, file: string): Promise<string> {
  const raw = await readFile(resolve(ctx.deps.cwd, file), "utf8").catch(() => {
    throw usageError("E_CONSENT_STATEMENTS_FILE", `--${flagName(f)}: cannot read ${file}`, "name a text file, one statement per paragraph");
  });
  const paras = statementParagraphs(raw, `--${flagName(f)} ${file}`);
  for (const t of missingTopics(paras, f === "statements" ? HIPAA_TOPICS : PART2_TOPICS)) ctx.out.warn(`--${flagName(f)}: no statement seems to say ${t.says} (${t.rule})`);
  return paras.join("\n\n");
}

/** What `practice set` was given: field values as typed (statement fields name files), fields to remove. */
export interface PracticeSetInput {
  given: Partial<Record<PracticeField, string>>;
  unset: PracticeField[];
}

export function parsePracticeSet(_args: readonly string[], opts: Opts): PracticeSetInput {
  const given: Partial<Record<PracticeField, string>> = {};
  for (const f of PRACTICE_FIELDS) {
    const v = opts[f];
    if (typeof v === "string") given[f] = v;
  }
  const unset = optList(opts, "unset").map((u) => {
    const f = PRACTICE_FIELDS.find((x) => flagName(x) === u.trim() || x === u.trim());
    if (!f) throw usageError("E_USAGE", `--unset: unknown field "${u.slice(0, 30)}"`, `one of: ${PRACTICE_FIELDS.map(flagName).join(", ")}`);
    return f;
  });
  if (Object.keys(given).length === 0 && unset.length === 0) {
    throw usageError("E_USAGE", "nothing to set", `give one or more of: ${PRACTICE_FIELDS.map((f) => `--${flagName(f)}`).join(", ")}`);
  }
  const both = unset.filter((f) => given[f] !== undefined);
  if (both.length) throw usageError("E_USAGE", `--${flagName(both[0] as PracticeField)} is both set and unset`);
  return { given, unset };
}

export async function runPracticeSet(ctx: Ctx, input: PracticeSetInput): Promise<Practice> {
  const given: Partial<Record<PracticeField, string>> = {};
  for (const f of PRACTICE_FIELDS) {
    const v = input.given[f];
    if (v === undefined) continue;
    given[f] = TEXT_FIELDS.includes(f) ? await readStatementsFile(ctx, f, v) : v.replace(/\\n/g, "\n");
  }
  const chart = await ctx.chart();
  const next = mergePractice(await readPractice(chart), given, input.unset);
  await writePractice(chart, next);
  return next;
}

/** The profile as text: one aligned line per field set (JSON: the profile itself). */
export function printPractice(out: Output, p: Practice): void {
  const set = PRACTICE_FIELDS.filter((f) => p[f] !== undefined);
  if (set.length === 0) {
    out.info("no practice profile yet: set one with chart practice set --name ... --clinician ... --npi ...");
    return;
  }
  const width = Math.max(...set.map((f) => LABEL[f].length));
  for (const f of set) out.line(`${LABEL[f].padEnd(width)}  ${(p[f] ?? "").replace(/\n/g, `\n${" ".repeat(width + 2)}`)}`);
}

export const practiceSet: CommandSpec<PracticeSetInput, Practice> = { parse: parsePracticeSet, run: runPracticeSet, text: printPractice };

export const practiceShow: CommandSpec<Record<string, never>, Practice> = {
  parse: () => ({}),
  run: async (ctx) => readPractice(await ctx.chart()),
  text: printPractice,
};

export function registerPractice(program: Command, reg: Registrar): void {
  const practice = program.command("practice").description("the practice profile used on every document (letterhead, signature, licence, NPI, time zone)");

  const set = practice
    .command("set")
    .description("set fields of the practice profile (others are kept); commits .chart/practice.age");
  for (const f of PRACTICE_FIELDS) set.option(`--${flagName(f)} <${TEXT_FIELDS.includes(f) ? "file" : "text"}>`, HELP[f]);
  set
    .option("--unset <field>", `remove a field (repeatable): ${PRACTICE_FIELDS.map(flagName).join(", ")}`, collect)
    .action(wire(reg, practiceSet));

  practice.command("show").description("show the practice profile").action(wire(reg, practiceShow));
}
