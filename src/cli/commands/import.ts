/**
 * chart import FILE|-: JSONL in the `--json` record shape (clients, notes, medication and
 * diagnosis events), every line validated before anything is written, then one commit.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { stamp } from "../../domain/dates.js";
import { ChartError, notFound } from "../../domain/errors.js";
import type { DxEventRecord } from "../../domain/dx.js";
import { checkHistories, parseImport, replayImport, type ImportCounts, type ImportEnv, type ImportIssue } from "../../domain/import.js";
import type { MedEventRecord } from "../../domain/med.js";
import { KIND_DIR, type RecordKind } from "../../domain/record.js";
import { commitNewRecords } from "../../store/bulk.js";
import { clinicianName } from "../../store/clinician.js";
import { contentHash } from "../../store/hash.js";
import { eachLimit } from "../../store/pool.js";
import { listDir } from "../../store/records.js";
import { readLive } from "../../store/voids.js";
import { refuseIncomplete } from "../incomplete.js";
import type { Chart } from "../../store/repo.js";
import type { Ctx } from "../context.js";
import type { Opts, Registrar } from "../program.js";
import { print, wire, type CommandSpec } from "../command.js";
import { arg, optFlag } from "../options.js";
import { readStream } from "../text-input.js";
import { terminalSafe } from "../safe-text.js";

/** Every record id in the chart with its client id, from file names alone (nothing decrypted). */
async function existingIds(chart: Chart): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const clients = (await listDir(chart, "clients")).filter((d) => d.startsWith("cl_"));
  const dirs = Object.values<string | null>(KIND_DIR).filter((d): d is string => d !== null);
  await eachLimit(clients, async (cid) => {
    ids.set(cid, cid);
    for (const dir of dirs) {
      const files = await listDir(chart, `clients/${cid}/${dir}`);
      for (const f of files) if (f.endsWith(".age") && !f.startsWith(".")) ids.set(f.slice(0, -4), cid);
    }
  });
  return ids;
}

/** The input's bytes (UTF-8; its lines are decoded one at a time: src/domain/import.ts). */
async function readInput(ctx: Ctx, file: string): Promise<string | Uint8Array> {
  if (file === "-") return readStream(ctx.deps.stdin);
  try {
    return await readFile(resolve(ctx.deps.cwd, file));
  } catch {
    throw notFound("E_NO_FILE", `cannot read ${file}`, "check the path, or pass - to read standard input");
  }
}

function refuse(ctx: Ctx, file: string, issues: readonly ImportIssue[], capped: boolean): never {
  // The lines on stderr before the error (with --json they are in the error's details).
  const lines = { text: () => issues.forEach((i) => ctx.deps.stderr.write(`line ${i.line}: ${terminalSafe(i.message)}\n`)), json: () => undefined };
  print(ctx.out, lines, issues);
  const n = issues.length;
  throw new ChartError(
    "invalid",
    "E_IMPORT_INVALID",
    `${capped ? `${n} or more` : n} problem${n === 1 ? "" : "s"} in ${file === "-" ? "standard input" : file}; nothing was imported`,
    "fix the lines named above and run the import again",
    { issues: issues.map((i) => ({ line: i.line, message: i.message })) },
  );
}

const extraCounts = (c: ImportCounts): string =>
  ([["consents", "authorization record"], ["disclosures", "disclosure"], ["voids", "void"], ["requests", "access or amendment record"]] as const)
    .filter(([k]) => c[k])
    .map(([k, w]) => `, ${c[k]} ${w}${c[k] === 1 ? "" : "s"}`)
    .join("");

export interface ImportInput {
  /** A path, or - for standard input. */
  file: string;
  dryRun: boolean;
  allowFuture: boolean;
  autoLabel: boolean;
}

export const parseImportCommand = (args: readonly string[], opts: Opts): ImportInput => ({
  file: arg(args, 0, "FILE"),
  dryRun: optFlag(opts, "dryRun"),
  allowFuture: optFlag(opts, "allowFuture"),
  autoLabel: optFlag(opts, "autoLabel"),
});

export interface ImportResult {
  counts: ImportCounts;
  total: number;
  dryRun: boolean;
}

export async function runImport(ctx: Ctx, input: ImportInput): Promise<ImportResult> {
  const text = await readInput(ctx, input.file);
  const chart = await ctx.chart();
  const existing = await existingIds(chart);
  const now = stamp(ctx.deps.now());
  const MAX = 100;
  const env: ImportEnv = {
    today: ctx.today(),
    now,
    allowFuture: input.allowFuture,
    autoLabel: input.autoLabel,
    newId: (k) => ctx.newId(k),
    hash: contentHash,
    signer: { by: await clinicianName(ctx.deps.env, chart.root), key: chart.identity.recipient },
    existing,
  };
  const result = parseImport(
    text,
    env,
    MAX,
    // Notes are kept as stubs and made again from their lines as they are written (replayImport),
    // so memory holds the input's bytes and a stub per note, not every record too.
    { light: true },
  );
  if (result.issues.length) refuse(ctx, input.file, result.issues, result.issues.length >= MAX);
  // The rules over medication and diagnosis histories, with the chart's own events.
  const touched = new Set(
    result.items.filter((i) => (i.record.kind === "med" || i.record.kind === "dx") && existing.has(i.record.client)).map((i) => i.record.client),
  );
  const meds: MedEventRecord[] = [];
  const dx: DxEventRecord[] = [];
  for (const cid of touched) {
    for (const [kind, into] of [["med", meds], ["dx", dx]] as [RecordKind, unknown[]][]) {
      const r = await readLive(chart, kind, cid);
      if (r.failures.length) {
        ctx.reportFailures(r.failures);
        throw refuseIncomplete(r.failures, "the histories this import adds to");
      }
      into.push(...r.records);
    }
  }
  const issues: ImportIssue[] = [];
  checkHistories(result.items, { meds, dx }, issues);
  if (issues.length) refuse(ctx, input.file, issues.sort((a, b) => a.line - b.line).slice(0, MAX), issues.length > MAX);
  if (result.ignored.size) {
    const names = [...result.ignored.entries()].slice(0, 8).map(([k, n]) => `${k} (${n})`);
    ctx.out.warn(`ignored unknown field${result.ignored.size === 1 ? "" : "s"}: ${names.join(", ")}${result.ignored.size > 8 ? ", ..." : ""}`);
  }
  if (result.signedOnImport) {
    ctx.out.warn(`${result.signedOnImport} note${result.signedOnImport === 1 ? "" : "s"} marked signed had no signature: signed on import by you, now`);
  }
  if (result.unlabelled) {
    ctx.out.warn(`${result.unlabelled} diagnosis event${result.unlabelled === 1 ? " leaves" : "s leave"} off a label the code implies ('withoutLabels'), as the file asks; each event records it`);
  }
  const counts = result.counts;
  const total = counts.clients + counts.notes + counts.meds + counts.dx + (counts.consents ?? 0) + (counts.disclosures ?? 0) + (counts.voids ?? 0) + (counts.requests ?? 0);
  if (!input.dryRun && total > 0) {
    const started = Date.now();
    let shown = "";
    await commitNewRecords(
      chart,
      result.items.map((i) => i.record),
      "chart: import",
      (phase) => {
        if (phase !== shown && total >= 200) {
          shown = phase;
          ctx.out.info(phase === "encrypt" ? `encrypting ${total} records…` : phase === "write" ? "writing…" : "committing…");
        }
      },
      replayImport(text, env, result.generated),
    );
    if (total >= 200) ctx.out.info(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return { counts, total, dryRun: input.dryRun };
}

export const importCommand: CommandSpec<ImportInput, ImportResult> = {
  parse: parseImportCommand,
  run: runImport,
  text: (out, { counts, dryRun }) => {
    const verb = dryRun ? "would import" : "imported";
    out.line(`${verb} ${counts.clients} client${counts.clients === 1 ? "" : "s"}, ${counts.notes} note${counts.notes === 1 ? "" : "s"}, ${counts.meds} medication event${counts.meds === 1 ? "" : "s"}, ${counts.dx} diagnosis event${counts.dx === 1 ? "" : "s"}${extraCounts(counts)}`);
  },
  json: (r) => ({ ...r.counts, total: r.total, dryRun: r.dryRun }),
};

export function registerImport(program: Command, reg: Registrar): void {
  program
    .command("import")
    .description("import clients, notes, medication and diagnosis events, authorizations, disclosures and voids from JSONL (the shape chart export writes), in one commit")
    .argument("<file>", "a .jsonl file, or - for standard input")
    .option("--dry-run", "check every line and print the counts; write nothing")
    .option("--allow-future", "accept dates in the future")
    .option("--auto-label", "no effect: the labels diagnosis codes imply (SUD, HIV) are always added; a line leaves one off with 'withoutLabels'")
    .action(wire(reg, importCommand));
}
