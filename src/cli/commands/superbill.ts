/** chart superbill CLIENT --month YYYY-MM --out DIR: a one-page statement of a month's services for the client's insurer. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { stamp } from "../../domain/dates.js";
import { conflict, usageError } from "../../domain/errors.js";
import { checkMonth, superbillData } from "../../domain/superbill.js";
import { checkOutDir } from "../../export/bundle.js";
import { existingFiles, stageBundle } from "../../export/stage-files.js";
import { clinicianName } from "../../store/clinician.js";
import { sha256Hex } from "../../store/hash.js";
import { readPractice } from "../../store/practice.js";
import { readKind } from "../../store/records.js";
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";
import { textOf } from "../../domain/text-of.js";

export function registerSuperbill(program: Command, reg: Registrar): void {
  program
    .command("superbill")
    .description("a one-page superbill of a client's month: provider NPI and licence, dates of service, CPT, minutes, diagnosis codes")
    .argument("<client>", "id, id prefix, or a unique part of the name")
    .requiredOption("--month <YYYY-MM>", "the month of service")
    .option("-o, --out <dir>", "the directory to write superbill-YYYY-MM.pdf to (outside the chart repository)")
    .option("-y, --yes", "replace a superbill already in the output directory")
    .action(
      reg.action(async (ctx, [q], opts) => {
        const month = checkMonth(String(opts.month));
        if (!opts.out) throw usageError("E_USAGE", "--out is required", "name a directory outside the chart, e.g. --out ~/superbills");
        const chart = await ctx.chart();
        const dir = await checkOutDir(resolve(ctx.deps.cwd, textOf(opts.out)), chart);
        const client = await ctx.client(q as string);
        const [notes, dx] = [await readKind(chart, "note", client.id), await readKind(chart, "dx", client.id)];
        const failures = [...notes.failures, ...dx.failures];
        ctx.reportFailures(failures);
        if (failures.length) throw usageError("E_SUPERBILL_UNREADABLE", `${failures.length} record(s) could not be read; a superbill could leave a session out`, "run chart fsck --decrypt");
        const data = superbillData(notes.records, dx.records, month);
        const name = `superbill-${month}.pdf`;
        const present = await existingFiles(dir, [name]);
        if (present.length && !(await confirm(ctx.deps, !!opts.yes, `Replace ${name} in ${dir}?`))) {
          throw conflict("E_SUPERBILL_EXISTS", `${name} already in ${dir}; nothing was written`, "pass --yes to replace it");
        }
        const practice = await readPractice(chart);
        const { renderSuperbillPdf } = await import("../../export/superbill.js");
        const pdf = await renderSuperbillPdf({
          data,
          client: { name: client.name, ...(client.dob ? { dob: client.dob } : {}), ...(client.phone ? { phone: client.phone } : {}) },
          practice,
          clinician: await clinicianName(ctx.deps.env, chart.root),
          generatedAt: stamp(ctx.deps.now()),
        });
        const staged = await stageBundle(dir, [{ name, data: pdf, sha256: sha256Hex(pdf) }]);
        const [path] = await staged.publish();
        if (!practice.npi) ctx.out.warn("the practice profile has no NPI: insurers need it (chart practice set --npi ...)");
        if (data.unsigned) ctx.out.warn(`${data.unsigned} unsigned note(s) with a CPT code in ${month} are not on the superbill: sign them first`);
        if (ctx.out.json) { ctx.out.data({ file: path, month, services: data.services.length, diagnoses: data.diagnoses.map((d) => d.code) }); return; }
        ctx.out.line(path ?? "");
        ctx.out.info(`${data.services.length} service(s) in ${month}; the file is plaintext: give it to the client securely`);
      }),
    );
}
