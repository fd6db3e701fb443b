/** chart fsck [--decrypt] [--repair]: check every record; recover what a killed command left. */
import type { Command } from "commander";
import { ChartError } from "../../domain/errors.js";
import { fsck, repair } from "../../store/fsck.js";
import { recoverPendingShares } from "../../store/pending-shares.js";
import type { Registrar } from "../program.js";

export function registerFsck(program: Command, reg: Registrar): void {
  program
    .command("fsck")
    .description("check the chart: file names and age headers; --decrypt also decrypts and verifies every record")
    .option("--decrypt", "decrypt and verify the MAC of every record")
    .option("--repair", "commit complete records a killed command left uncommitted, remove stale temp files")
    .action(
      reg.action(async (ctx, _a, opts) => {
        const chart = await ctx.chart();
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
        if (opts.repair) {
          const shares = await recoverPendingShares(chart);
          if (shares.cleaned) ctx.out.info(`finished ${shares.cleaned} interrupted share(s) (${shares.recorded} disclosure(s) recorded)`);
        }
        if (opts.repair && (report.uncommitted.length || report.tempFiles.length)) {
          await repair(chart, report);
          ctx.out.info(`recovered ${report.uncommitted.length} uncommitted file(s), removed ${report.tempFiles.length} temp file(s)`);
        }
        if (ctx.out.json) ctx.out.data({ ...report, repaired: !!opts.repair });
        else {
          for (const p of report.problems) ctx.out.line(`${p.path}: ${p.message} [${p.code}]`);
          if (!opts.repair) {
            for (const u of report.uncommitted) ctx.out.line(`${u}: not committed (run chart fsck --repair)`);
            for (const t of report.tempFiles) ctx.out.line(`${t}: stale temp file (run chart fsck --repair)`);
          }
          ctx.out.info(`${report.files} record files${decrypt ? `, ${report.decrypted} decrypted and verified` : ""}, ${report.problems.length} problem(s)`);
        }
        if (report.problems.length) {
          throw new ChartError("invalid", "E_FSCK", `${report.problems.length} record file(s) failed the check`, "restore them from git history: git checkout HEAD -- PATH (or an earlier commit: git log -- PATH)");
        }
      }),
    );
}
