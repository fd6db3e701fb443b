/** chart template add|edit|list|remove: the practice's own note templates, committed and synced. */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { invalid, notFound } from "../../domain/errors.js";
import { checkTemplateName, checkTemplateText } from "../../domain/template-check.js";
import { readChartTemplate, removeTemplate, saveTemplate } from "../../store/template-records.js";
import { BUILTIN_DIR, listTemplates } from "../../store/templates.js";
import { editText } from "../editor.js";
import type { Opts, Registrar } from "../program.js";
import { arg, optFlag, optString } from "../options.js";
import { wire, type CommandSpec } from "../command.js";
import { confirm } from "../prompt.js";
import { textFromFlags } from "../text-input.js";

const skeleton = (name: string) => `---\ndescription: ${name}\ntype: progress\n---\n## Heading\n\n`;

type TemplateRow = Awaited<ReturnType<typeof listTemplates>>[number] & { source: string };

export const templateList: CommandSpec<Record<string, never>, TemplateRow[]> = {
  parse: () => ({}),
  run: async (ctx) => {
    const chart = await ctx.chart();
    const builtin = new Set((await listTemplates()).map((t) => t.name));
    const all = await listTemplates(chart.root);
    return Promise.all(
      all.map(async (t) => ({ ...t, source: (await readChartTemplate(chart, t.name)) !== undefined ? (builtin.has(t.name) ? "chart (replaces built-in)" : "chart") : "built-in" })),
    );
  },
  text: (out, rows) => out.table(rows.map((t) => [t.name, t.type ?? "", t.source, t.description]), ["TEMPLATE", "KIND", "SOURCE", "DESCRIPTION"]),
  json: (rows) => rows.map((t) => ({ name: t.name, description: t.description, type: t.type ?? null, source: t.source })),
};

export interface TemplateInput {
  name: string;
  file?: string | undefined;
}

export const parseTemplate = (args: readonly string[], opts: Opts): TemplateInput => ({ name: checkTemplateName(arg(args, 0, "NAME")), file: optString(opts, "file") });

export const templateAdd: CommandSpec<TemplateInput, { name: string; added: true }> = {
  parse: parseTemplate,
  run: async (ctx, { name: n, file }) => {
    const chart = await ctx.chart();
    if ((await readChartTemplate(chart, n)) !== undefined) throw invalid("E_TEMPLATE_EXISTS", `the chart already has a template "${n}"`, `change it with chart template edit ${n}`);
    const text = (await textFromFlags(ctx.deps, { file })) ?? (await editText(ctx.deps, skeleton(n), `${n}.md`));
    checkTemplateText(n, text);
    await saveTemplate(chart, n, text, "chart: add template");
    return { name: n, added: true };
  },
  text: (out, r) => out.info(`added template ${r.name}; use it with chart note add CLIENT --template ${r.name}`),
};

export const templateEdit: CommandSpec<TemplateInput, { name: string; changed: boolean }> = {
  parse: parseTemplate,
  run: async (ctx, { name: n, file }) => {
    const chart = await ctx.chart();
    const current = (await readChartTemplate(chart, n)) ?? (await readFile(join(BUILTIN_DIR, `${n}.md`), "utf8").catch(() => undefined));
    if (current === undefined) throw notFound("E_NO_TEMPLATE", `no template "${n}"`, "see chart template list, or add it with chart template add");
    const text = (await textFromFlags(ctx.deps, { file })) ?? (await editText(ctx.deps, current, `${n}.md`));
    return { name: n, changed: await saveTemplate(chart, n, text, "chart: edit template") };
  },
  text: (out, r) => out.info(r.changed ? `updated template ${r.name}` : "no changes; nothing written"),
};

export const templateRemove: CommandSpec<{ name: string; yes: boolean }, { name: string; removed: true }> = {
  parse: (args, opts) => ({ name: checkTemplateName(arg(args, 0, "NAME")), yes: optFlag(opts, "yes") }),
  run: async (ctx, { name: n, yes }) => {
    const chart = await ctx.chart();
    if (!(await confirm(ctx.deps, yes, `Remove the template "${n}"?`))) throw invalid("E_DECLINED", "nothing was changed");
    await removeTemplate(chart, n);
    return { name: n, removed: true };
  },
  text: (out, r) => out.info(`removed template ${r.name}`),
};

export function registerTemplate(program: Command, reg: Registrar): void {
  const template = program.command("template").description("the practice's own note templates: committed, synced, checked");
  template
    .command("list")
    .description("list the templates: the chart's own, then the built-in ones")
    .action(wire(reg, templateList));
  template
    .command("add")
    .description("add a template (from -F FILE or -, or the editor on a skeleton); checked, then committed")
    .argument("<name>", "lowercase letters, digits and - (e.g. couples-intake)")
    .option("-F, --file <file>", "read the template from FILE, or - for standard input")
    .action(wire(reg, templateAdd));
  template
    .command("edit")
    .description("change one of the chart's templates (a built-in one is copied into the chart first)")
    .argument("<name>")
    .option("-F, --file <file>", "read the new text from FILE, or - for standard input")
    .action(wire(reg, templateEdit));
  template
    .command("remove")
    .description("remove one of the chart's own templates (notes written with it are unchanged)")
    .argument("<name>")
    .option("-y, --yes", "do not ask for confirmation")
    .action(wire(reg, templateRemove));
}
