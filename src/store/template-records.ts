/**
 * The practice's own templates, committed in .chart/templates/NAME.md (plaintext: templates hold
 * no client information) so they sync like every record. Each change is one commit.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { notFound } from "../domain/errors.js";
import { checkTemplateName, checkTemplateText } from "../domain/template-check.js";
import { writeFileAtomic } from "./atomic.js";
import { commitPaths } from "./git.js";
import type { Chart } from "./repo.js";
import { withWriteLock } from "./write-lock.js";

export const templatePath = (name: string): string => `.chart/templates/${name}.md`;

export async function readChartTemplate(chart: Chart, name: string): Promise<string | undefined> {
  return readFile(join(chart.root, templatePath(checkTemplateName(name))), "utf8").catch(() => undefined);
}

/** Write (add or replace) a checked template, as one commit; false when nothing changed. */
export async function saveTemplate(chart: Chart, name: string, text: string, message: string): Promise<boolean> {
  const clean = checkTemplateText(checkTemplateName(name), text);
  const git = await chart.git();
  return withWriteLock(chart, async () => {
    const path = templatePath(name);
    const before = await readFile(join(chart.root, path), "utf8").catch(() => undefined);
    if (before === clean) {
      const tracked = (await git.raw(["ls-files", "--", path])).trim() !== "";
      if (tracked) return false;
    }
    await writeFileAtomic(join(chart.root, path), clean, 0o644);
    try {
      await commitPaths(git, [path], message);
    } catch (e) {
      if (before === undefined) await rm(join(chart.root, path), { force: true });
      else await writeFileAtomic(join(chart.root, path), before, 0o644);
      throw e;
    }
    return true;
  });
}

export async function removeTemplate(chart: Chart, name: string): Promise<void> {
  const path = templatePath(checkTemplateName(name));
  const git = await chart.git();
  await withWriteLock(chart, async () => {
    const text = await readFile(join(chart.root, path), "utf8").catch(() => undefined);
    if (text === undefined) throw notFound("E_NO_TEMPLATE", `the chart has no template "${name}" of its own`, "see chart template list (built-in templates cannot be removed)");
    await rm(join(chart.root, path), { force: true });
    const tracked = (await git.raw(["ls-files", "--", path])).trim() !== "";
    if (tracked) await commitPaths(git, [path], "chart: remove template");
  });
}

/** Templates placed in .chart/templates/ by hand and never committed (fsck --repair commits valid ones). */
export async function uncommittedTemplates(chart: Chart): Promise<{ name: string; valid: boolean }[]> {
  const git = await chart.git();
  const status = await git.raw(["status", "--porcelain", "--untracked-files=all", "--", ".chart/templates"]);
  const out: { name: string; valid: boolean }[] = [];
  const names = new Set((await readdir(join(chart.root, ".chart", "templates")).catch(() => [] as string[])).filter((f) => f.endsWith(".md")).map((f) => f.slice(0, -3)));
  for (const line of status.split("\n")) {
    const m = /^.. \.chart\/templates\/([^/]+)\.md$/.exec(line.trim().length ? line : "");
    if (!m || !names.has(m[1] as string)) continue;
    const name = m[1] as string;
    let valid = true;
    try {
      checkTemplateName(name);
      checkTemplateText(name, await readFile(join(chart.root, templatePath(name)), "utf8"));
    } catch {
      valid = false;
    }
    out.push({ name, valid });
  }
  return out;
}
