/** chart fsck [--decrypt] [--repair] [--adopt]: check every record and the history; recover what a killed command left. */
import type { Command } from "commander";
import { ChartError, invalid } from "../../domain/errors.js";
import { adopt, planAdoption } from "../../store/adopt.js";
import { fsck, repair } from "../../store/fsck.js";
import { recoverPendingShares } from "../../store/pending-shares.js";
import { ensureVerified } from "../../store/verify.js";
import { confirm } from "../prompt.js";
import type { Registrar } from "../program.js";

export function registerFsck(program: Command, reg: Registrar): void {
  program
    .command("fsck")
    .description("check the chart: records, the work tree against the verified history, every commit's signature; --decrypt also verifies every record")
    .option("--decrypt", "decrypt and verify the MAC of every record")
    .option("--repair", "commit complete, verified records a killed command left uncommitted, remove stale temp files (never a deletion, an older version or .chart/)")
    .option("--adopt", "review commits made outside chart (plain git) and adopt them with one signed commit")
    .option("-y, --yes", "with --adopt: do not ask for confirmation")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chartUnverified();
        if (opts.adopt) {
          const plan = await planAdoption(chart);
          if (plan.commits.length === 0) {
            if (ctx.out.json) ctx.out.data({ adopted: [] });
            else ctx.out.info("nothing to adopt: every commit was made by chart");
            return;
          }
          if (!ctx.out.json) {
            for (const c of plan.commits) {
              ctx.out.line(`commit ${c.commit.slice(0, 12)}  ${c.subject.slice(0, 60)}`);
              for (const ch of c.changes) ctx.out.line(`  ${ch.status === "D" ? "deleted " : ch.status === "A" ? "added   " : "changed "} ${ch.path}`);
            }
          }
          if (!(await confirm(ctx.deps, !!opts.yes, `Adopt these ${plan.commits.length} commit(s) into the chart's signed history?`))) {
            throw invalid("E_DECLINED", "nothing was adopted");
          }
          const commit = await adopt(chart, plan);
          await ensureVerified(chart, (m) => ctx.out.warn(m));
          if (ctx.out.json) ctx.out.data({ adopted: plan.commits.map((c) => c.commit), commit });
          else ctx.out.info(`adopted ${plan.commits.length} commit(s) in signed commit ${commit.slice(0, 12)}`);
          return;
        }
        const { clearStaleIndexLock, staleIndexLock } = await import("../../store/index-lock.js");
        if (opts.repair && (await clearStaleIndexLock(chart.root, chart.gitDir))) ctx.out.info("removed a stale .git/index.lock that a killed git left");
        else if (!opts.repair && !ctx.out.json && (await staleIndexLock(chart.root, chart.gitDir)) === "stale") {
          ctx.out.line(".git/index.lock: left by a git that was killed; git commands fail until it is removed (run chart fsck --repair)");
        }
        // Templates placed in .chart/templates/ by hand: committed when valid (so they sync and no
        // longer block key changes), named when not.
        const { saveTemplate, templatePath, uncommittedTemplates } = await import("../../store/template-records.js");
        const { readFile } = await import("node:fs/promises");
        for (const t of await uncommittedTemplates(chart)) {
          if (t.valid && opts.repair) {
            await saveTemplate(chart, t.name, await readFile(`${chart.root}/${templatePath(t.name)}`, "utf8"), "chart: add template");
            ctx.out.info(`committed the template ${t.name}`);
          } else if (!ctx.out.json) {
            ctx.out.line(`${templatePath(t.name)}: ${t.valid ? "not committed (run chart fsck --repair)" : "not a valid template, not committed (fix it, then chart template edit, or remove it)"}`);
          }
        }
        const decrypt = !!opts.decrypt || !!opts.repair;
        const report = await fsck(chart, { decrypt });
        let problems = report.problems;
        if (opts.repair) {
          const shares = await recoverPendingShares(chart);
          if (shares.cleaned) ctx.out.info(`finished ${shares.cleaned} interrupted share(s) (${shares.recorded} disclosure(s) recorded)`);
        }
        if (opts.repair && (report.uncommitted.length || report.tempFiles.length)) {
          await repair(chart, report);
          const fixed = new Set(report.uncommitted);
          problems = problems.filter((p) => !(p.code === "E_UNCOMMITTED" && fixed.has(p.path)));
          ctx.out.info(`committed ${report.uncommitted.length} verified record(s), removed ${report.tempFiles.length} temp file(s)`);
        }
        if (ctx.out.json) ctx.out.data({ ...report, problems, repaired: !!opts.repair });
        else {
          for (const p of problems) ctx.out.line(`${p.path}: ${p.message} [${p.code}]`);
          if (!opts.repair) for (const t of report.tempFiles) ctx.out.line(`${t}: stale temp file (run chart fsck --repair)`);
          ctx.out.info(
            `${report.files} record files${decrypt ? `, ${report.decrypted} decrypted and verified` : ""}, ${report.history.checked} commit(s) checked, ${problems.length} problem(s)`,
          );
        }
        if (problems.length) {
          const unsigned = problems.some((p) => p.code === "E_UNSIGNED");
          throw new ChartError(
            "invalid",
            "E_FSCK",
            `${problems.length} problem(s) found`,
            unsigned
              ? "commits made with plain git: review and adopt them with `chart fsck --adopt`; restore files with git checkout HEAD -- PATH (docs/verifiable-history.md)"
              : "restore files from the verified history: git checkout HEAD -- PATH (docs/verifiable-history.md)",
          );
        }
      }),
    );
}
