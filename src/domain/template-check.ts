/**
 * Checking a practice template before it is committed (docs/sync.md): Markdown with YAML front
 * matter holding `description` (required) and `type` (a note kind, optional), nothing else.
 * Templates are plaintext in the repository, so they must hold no client information.
 */
import { parse } from "yaml";
import { invalid } from "./errors.js";
import { USER_NOTE_TYPES } from "./note.js";
import { textOf } from "./text-of.js";

export const TEMPLATE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const TEMPLATE_MAX_BYTES = 32 * 1024;
const ALLOWED = new Set(["description", "type"]);

export function checkTemplateName(name: string): string {
  if (!TEMPLATE_NAME_RE.test(name)) throw invalid("E_TEMPLATE_NAME", `"${name.slice(0, 40)}" is not a template name`, "lowercase letters, digits and -, up to 40 (e.g. couples-intake)");
  return name;
}

/** The normalised template text, or an exit-3 error saying what is wrong. */
export function checkTemplateText(name: string, text: string): string {
  const t = text.replace(/\r\n?/g, "\n");
  if (Buffer.byteLength(t) > TEMPLATE_MAX_BYTES) throw invalid("E_BAD_TEMPLATE", `template "${name}" is larger than 32 KiB`);
  if (!t.startsWith("---\n")) throw invalid("E_BAD_TEMPLATE", `template "${name}" has no front matter`, "start it with ---, a line description: …, optionally type: progress, then ---");
  const end = t.indexOf("\n---\n", 3);
  if (end < 0) throw invalid("E_BAD_TEMPLATE", `template "${name}": the front matter is not closed by a --- line`);
  let meta: unknown;
  try {
    meta = parse(t.slice(4, end + 1), { logLevel: "error", uniqueKeys: true });
  } catch {
    throw invalid("E_BAD_TEMPLATE", `template "${name}" has malformed front matter`, "fix the YAML between the --- lines (quote values that contain a colon)");
  }
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) throw invalid("E_BAD_TEMPLATE", `template "${name}": the front matter is not a map`, "e.g. description: Couples intake");
  const m = meta as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !ALLOWED.has(k));
  if (unknown.length) throw invalid("E_BAD_TEMPLATE", `template "${name}": unknown front matter field ${unknown.join(", ")}`, "fields: description, type");
  if (typeof m.description !== "string" || m.description.trim() === "") throw invalid("E_BAD_TEMPLATE", `template "${name}" needs a description`, "add a line description: … to the front matter");
  if (m.type !== undefined && !(typeof m.type === "string" && (USER_NOTE_TYPES as readonly string[]).includes(m.type))) {
    throw invalid("E_BAD_TEMPLATE", `template "${name}": unknown kind "${textOf(m.type).slice(0, 30)}"`, `type is one of: ${USER_NOTE_TYPES.join(", ")}`);
  }
  if (t.slice(end + 5).trim() === "") throw invalid("E_BAD_TEMPLATE", `template "${name}" has no body`, "write the headings or prompts below the front matter");
  return t.endsWith("\n") ? t : `${t}\n`;
}
