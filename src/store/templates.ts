/**
 * Note templates: Markdown with YAML front matter, shipped in templates/ and optionally added
 * per chart in .chart/templates/ (plaintext: templates hold no client information).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { invalid } from "../domain/errors.js";
import { compareNames } from "../domain/name-order.js";

export interface Template {
  name: string;
  description: string;
  type?: string;
  body: string;
}

export const BUILTIN_DIR = fileURLToPath(new URL("../../templates/", import.meta.url));

export function parseTemplate(name: string, text: string): Template {
  let meta: Record<string, unknown> = {};
  let body = text;
  if (text.startsWith("---\n")) {
    const end = text.indexOf("\n---\n", 3);
    if (end > 0) {
      let parsed: unknown;
      try {
        parsed = parse(text.slice(4, end), { logLevel: "error" });
      } catch {
        throw invalid("E_BAD_TEMPLATE", `template "${name}" has malformed front matter`, "fix the YAML between the --- lines of the template (quote values that contain a colon)");
      }
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) meta = parsed as Record<string, unknown>;
      body = text.slice(end + 5);
    }
  }
  return {
    name,
    description: typeof meta.description === "string" ? meta.description : "",
    type: typeof meta.type === "string" ? meta.type : undefined,
    body: body.replace(/^\n+/, ""),
  };
}

async function dirTemplates(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".md")).map((f) => f.slice(0, -3));
}

export async function listTemplates(chartRoot?: string): Promise<Template[]> {
  const dirs = chartRoot ? [join(chartRoot, ".chart", "templates"), BUILTIN_DIR] : [BUILTIN_DIR];
  const seen = new Map<string, Template>();
  for (const d of dirs) {
    for (const n of await dirTemplates(d)) {
      if (!seen.has(n)) seen.set(n, parseTemplate(n, await readFile(join(d, `${n}.md`), "utf8")));
    }
  }
  return [...seen.values()].sort((a, b) => compareNames(a.name, b.name));
}

export async function loadTemplate(name: string, chartRoot?: string): Promise<Template> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw invalid("E_BAD_TEMPLATE", `unknown template "${name}"`, "see chart note templates");
  }
  const dirs = chartRoot ? [join(chartRoot, ".chart", "templates"), BUILTIN_DIR] : [BUILTIN_DIR];
  for (const d of dirs) {
    const text = await readFile(join(d, `${name}.md`), "utf8").catch(() => undefined);
    if (text !== undefined) return parseTemplate(name, text);
  }
  const all = (await listTemplates(chartRoot)).map((t) => t.name);
  throw invalid("E_BAD_TEMPLATE", `unknown template "${name}"`, `use one of: ${all.join(", ")}`);
}
