/** chart template add|edit|list|remove: the practice's own note templates, committed and synced. */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { invalid, notFound } from "../../domain/errors.js";
import { checkTemplateName, checkTemplateText } from "../../domain/template-check.js";
import { readChartTemplate, removeTemplate, saveTemplate } from "../../store/template-records.js";
import { BUILTIN_DIR, listTemplates } from "../../store/templates.js";
import { editText } from "../editor.js";
import type { Registrar } from "../program.js";
import { confirm } from "../prompt.js";
import { textFromFlags } from "../text-input.js";

const skeleton = (name: string) => `---\ndescription: ${name}\ntype: progress\n---\n## Heading\n\n`;

export function registerTemplate(program: Command, reg: Registrar): void {
  const template = program.command("template").description("the practice's own note templates: committed, synced, checked");
  template
    .command("list")
    .description("list the templates: the chart's own, then the built-in ones")
    .action(
      reg.action(async (ctx) => {
        const chart = await ctx.chart();
        const builtin = new Set((await listTemplates()).map((t) => t.name));
        const all = await listTemplates(chart.root);
        const rows = await Promise.all(
          all.map(async (t) => ({ ...t, source: (await readChartTemplate(chart, t.name)) !== undefined ? (builtin.has(t.name) ? "chart (replaces built-in)" : "chart") : "built-in" })),
        );
        if (ctx.out.json) { ctx.out.data(rows.map((t) => ({ name: t.name, description: t.description, type: t.type ?? null, source: t.source }))); return; }
        ctx.out.table(rows.map((t) => [t.name, t.type ?? "", t.source, t.description]), ["TEMPLATE", "KIND", "SOURCE", "DESCRIPTION"]);
      }),
    );
  template
    .command("add")
    .description("add a template (from -F FILE or -, or the editor on a skeleton); checked, then committed")
    .argument("<name>", "lowercase letters, digits and - (e.g. couples-intake)")
    .option("-F, --file <file>", "read the template from FILE, or - for standard input")
    .action(
      reg.action(async (ctx, [name], opts) => {
        const n = checkTemplateName(String(name));
        const chart = await ctx.chart();
        if ((await readChartTemplate(chart, n)) !== undefined) throw invalid("E_TEMPLATE_EXISTS", `the chart already has a template "${n}"`, `change it with chart template edit ${n}`);
        const text = (await textFromFlags(ctx.deps, { file: opts.file as string | undefined })) ?? (await editText(ctx.deps, skeleton(n), `${n}.md`));
        checkTemplateText(n, text);
        await saveTemplate(chart, n, text, "chart: add template");
        if (ctx.out.json) ctx.out.data({ name: n, added: true });
        else ctx.out.info(`added template ${n}; use it with chart note add CLIENT --template ${n}`);
      }),
    );
  template
    .command("edit")
    .description("change one of the chart's templates (a built-in one is copied into the chart first)")
    .argument("<name>")
    .option("-F, --file <file>", "read the new text from FILE, or - for standard input")
    .action(
      reg.action(async (ctx, [name], opts) => {
        const n = checkTemplateName(String(name));
        const chart = await ctx.chart();
        const current = (await readChartTemplate(chart, n)) ?? (await readFile(join(BUILTIN_DIR, `${n}.md`), "utf8").catch(() => undefined));
        if (current === undefined) throw notFound("E_NO_TEMPLATE", `no template "${n}"`, "see chart template list, or add it with chart template add");
        const text = (await textFromFlags(ctx.deps, { file: opts.file as string | undefined })) ?? (await editText(ctx.deps, current, `${n}.md`));
        const changed = await saveTemplate(chart, n, text, "chart: edit template");
        if (ctx.out.json) ctx.out.data({ name: n, changed });
        else ctx.out.info(changed ? `updated template ${n}` : "no changes; nothing written");
      }),
    );
  template
    .command("remove")
    .description("remove one of the chart's own templates (notes written with it are unchanged)")
    .argument("<name>")
    .option("-y, --yes", "do not ask for confirmation")
    .action(
      reg.action(async (ctx, [name], opts) => {
        const n = checkTemplateName(String(name));
        const chart = await ctx.chart();
        if (!(await confirm(ctx.deps, !!opts.yes, `Remove the template "${n}"?`))) throw invalid("E_DECLINED", "nothing was changed");
        await removeTemplate(chart, n);
        if (ctx.out.json) ctx.out.data({ name: n, removed: true });
        else ctx.out.info(`removed template ${n}`);
      }),
    );
}
