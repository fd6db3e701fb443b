/** chart fsck [--decrypt] [--repair] [--adopt]: check every record and the history; recover what a killed command left. */
import type { Command } from "commander";
import { ChartError, invalid } from "../../domain/errors.js";
import { adopt, planAdoption, type AdoptPlan } from "../../store/adopt.js";
import { fsck, repair, type FsckProblem, type FsckReport } from "../../store/fsck.js";
import { recoverPendingShares } from "../../store/pending-shares.js";
import { ensureVerified } from "../../store/verify.js";
import type { Ctx } from "../context.js";
import { print, wire, type CommandSpec } from "../command.js";
import { optFlag } from "../options.js";
import type { Output } from "../output.js";
import { confirm } from "../prompt.js";
import type { Opts, Registrar } from "../program.js";

export interface FsckInput {
  decrypt: boolean;
  repair: boolean;
  adopt: boolean;
  yes: boolean;
}

export const parseFsck = (_args: readonly string[], opts: Opts): FsckInput => ({
  decrypt: optFlag(opts, "decrypt"),
  repair: optFlag(opts, "repair"),
  adopt: optFlag(opts, "adopt"),
  yes: optFlag(opts, "yes"),
});

export type FsckResult =
  | { mode: "adopt"; adopted: string[]; commit?: string | undefined }
  | {
      mode: "check";
      /** Lines about the work tree (a stale index lock, templates not committed): text only. */
      notices: string[];
      report: FsckReport;
      /** The report's problems less those --repair fixed. */
      problems: FsckProblem[];
      repaired: boolean;
      decrypted: boolean;
    };

/** The commits --adopt would take in, shown before its question (text only). */
function printPlan(out: Output, plan: AdoptPlan): void {
  for (const c of plan.commits) {
    out.line(`commit ${c.commit.slice(0, 12)}  ${c.subject.slice(0, 60)}`);
    for (const ch of c.changes) out.line(`  ${ch.status === "D" ? "deleted " : ch.status === "A" ? "added   " : "changed "} ${ch.path}`);
  }
}

async function runAdopt(ctx: Ctx, input: FsckInput): Promise<FsckResult> {
  const chart = await ctx.chartUnverified();
  const plan = await planAdoption(chart);
  if (plan.commits.length === 0) return { mode: "adopt", adopted: [] };
  print(ctx.out, { text: printPlan, json: () => undefined }, plan);
  if (!(await confirm(ctx.deps, input.yes, `Adopt these ${plan.commits.length} commit(s) into the chart's signed history?`))) {
    throw invalid("E_DECLINED", "nothing was adopted");
  }
  const commit = await adopt(chart, plan);
  await ensureVerified(chart, (m) => ctx.out.warn(m));
  return { mode: "adopt", adopted: plan.commits.map((c) => c.commit), commit };
}

export async function runFsck(ctx: Ctx, input: FsckInput): Promise<FsckResult> {
  if (input.adopt) return runAdopt(ctx, input);
  const chart = await ctx.chartUnverified();
  const notices: string[] = [];
  const { clearStaleIndexLock, staleIndexLock } = await import("../../store/index-lock.js");
  if (input.repair && (await clearStaleIndexLock(chart.root, chart.gitDir))) ctx.out.info("removed a stale .git/index.lock that a killed git left");
  else if (!input.repair && (await staleIndexLock(chart.root, chart.gitDir)) === "stale") {
    notices.push(".git/index.lock: left by a git that was killed; git commands fail until it is removed (run chart fsck --repair)");
  }
  // Templates placed in .chart/templates/ by hand: committed when valid (so they sync and no
  // longer block key changes), named when not.
  const { saveTemplate, templatePath, uncommittedTemplates } = await import("../../store/template-records.js");
  const { readFile } = await import("node:fs/promises");
  for (const t of await uncommittedTemplates(chart)) {
    if (t.valid && input.repair) {
      await saveTemplate(chart, t.name, await readFile(`${chart.root}/${templatePath(t.name)}`, "utf8"), "chart: add template");
      ctx.out.info(`committed the template ${t.name}`);
    } else {
      notices.push(`${templatePath(t.name)}: ${t.valid ? "not committed (run chart fsck --repair)" : "not a valid template, not committed (fix it, then chart template edit, or remove it)"}`);
    }
  }
  const decrypt = input.decrypt || input.repair;
  const report = await fsck(chart, { decrypt });
  let problems = report.problems;
  if (input.repair) {
    const shares = await recoverPendingShares(chart);
    if (shares.cleaned) ctx.out.info(`finished ${shares.cleaned} interrupted share(s) (${shares.recorded} disclosure(s) recorded)`);
  }
  if (input.repair && (report.uncommitted.length || report.tempFiles.length)) {
    await repair(chart, report);
    const fixed = new Set(report.uncommitted);
    problems = problems.filter((p) => !(p.code === "E_UNCOMMITTED" && fixed.has(p.path)));
    ctx.out.info(`committed ${report.uncommitted.length} verified record(s), removed ${report.tempFiles.length} temp file(s)`);
  }
  return { mode: "check", notices, report, problems, repaired: input.repair, decrypted: decrypt };
}

export function printFsck(out: Output, r: FsckResult): void {
  if (r.mode === "adopt") {
    if (r.commit === undefined) out.info("nothing to adopt: every commit was made by chart");
    else out.info(`adopted ${r.adopted.length} commit(s) in signed commit ${r.commit.slice(0, 12)}`);
    return;
  }
  for (const n of r.notices) out.line(n);
  for (const p of r.problems) out.line(`${p.path}: ${p.message} [${p.code}]`);
  if (!r.repaired) for (const t of r.report.tempFiles) out.line(`${t}: stale temp file (run chart fsck --repair)`);
  out.info(
    `${r.report.files} record files${r.decrypted ? `, ${r.report.decrypted} decrypted and verified` : ""}, ${r.report.history.checked} commit(s) checked, ${r.problems.length} problem(s)`,
  );
}

export const fsckCommand: CommandSpec<FsckInput, FsckResult> = {
  parse: parseFsck,
  run: runFsck,
  text: printFsck,
  json: (r) => (r.mode === "adopt" ? (r.commit === undefined ? { adopted: [] } : { adopted: r.adopted, commit: r.commit }) : { ...r.report, problems: r.problems, repaired: r.repaired }),
  fail: (r) => {
    if (r.mode === "adopt" || r.problems.length === 0) return undefined;
    const unsigned = r.problems.some((p) => p.code === "E_UNSIGNED");
    return new ChartError(
      "invalid",
      "E_FSCK",
      `${r.problems.length} problem(s) found`,
      unsigned
        ? "commits made with plain git: review and adopt them with `chart fsck --adopt`; restore files with git checkout HEAD -- PATH (docs/verifiable-history.md)"
        : "restore files from the verified history: git checkout HEAD -- PATH (docs/verifiable-history.md)",
    );
  },
};

export function registerFsck(program: Command, reg: Registrar): void {
  program
    .command("fsck")
    .description("check the chart: records, the work tree against the verified history, every commit's signature; --decrypt also verifies every record")
    .option("--decrypt", "decrypt and verify the MAC of every record")
    .option("--repair", "commit complete, verified records a killed command left uncommitted, remove stale temp files (never a deletion, an older version or .chart/)")
    .option("--adopt", "review commits made outside chart (plain git) and adopt them with one signed commit")
    .option("-y, --yes", "with --adopt: do not ask for confirmation")
    .action(wire(reg, fsckCommand));
}
