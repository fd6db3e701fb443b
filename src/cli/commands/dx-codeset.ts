/**
 * dx add against the installed ICD-10-CM code set (src/store/icd10cm.ts): a billable code is
 * accepted (its official short description, when the set has one, fills in a missing one; the
 * shipped set, built from the list of billable codes, has none); a header code is refused
 * with its billable codes listed; an unknown code is refused unless --force, which the event
 * records. Without an installed code set, codes are checked by format only.
 */
import { checkCode } from "../../domain/icd10-set.js";
import { invalid } from "../../domain/errors.js";
import { loadCodeSet } from "../../store/icd10cm.js";
import type { Ctx } from "../context.js";

export interface CodeSetResult {
  installed: boolean;
  description?: string;
  forced?: { codeSet: string };
}

export function checkAgainstCodeSet(ctx: Ctx, code: string, force: boolean): CodeSetResult {
  const set = loadCodeSet(ctx.deps.env.CHART_ICD10CM_DIR || undefined);
  if (!set) return { installed: false };
  const r = checkCode(set, code);
  if (r.kind === "billable") return r.short ? { installed: true, description: r.short } : { installed: true };
  if (r.kind === "header") {
    const shown = r.children.slice(0, 12);
    const more = r.children.length > shown.length ? ` and ${r.children.length - shown.length} more` : "";
    throw invalid(
      "E_ICD10_HEADER",
      `${code}${r.short ? ` (${r.short})` : ""} is a header, not a billable ICD-10-CM code (FY${set.year})`,
      r.children.length ? `use one of: ${shown.join(", ")}${more}` : "use a more specific code",
    );
  }
  if (!force) {
    throw invalid("E_ICD10_UNKNOWN", `${code} is not in the ICD-10-CM code set of FY${set.year}`, "check the code; to record it anyway (e.g. a code newer than the installed set), pass --force");
  }
  ctx.out.warn(`${code} is not in the ICD-10-CM code set of FY${set.year}; recorded with --force`);
  return { installed: true, forced: { codeSet: set.year } };
}
