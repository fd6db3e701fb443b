/**
 * Field rules: what a value of each record field may be (docs/decisions.md, "Records: one union,
 * one set of field rules"). A rule is a type guard and the words that say what it wants, so a
 * problem names the field and never echoes the value: `'duration' must be a whole number of
 * minutes (1 to 1440)`. The record shapes (record-shape.ts), `chart import` and the command
 * checks (checkCpt, checkDuration) all use these; none writes its own.
 */
import { isIsoDate, type IsoDate } from "./dates.js";
import { isIdOf, type IdKind } from "./ids.js";
import { LABELS, type Label } from "./labels.js";

export interface Rule<T = unknown> {
  check(v: unknown): v is T;
  /** What the value must be, after the field's name: "must be text". */
  says: string;
}

export const rule = <T>(check: (v: unknown) => v is T, says: string): Rule<T> => ({ check, says });

export const text = rule((v): v is string => typeof v === "string", "must be text");
export const bool = rule((v): v is boolean => typeof v === "boolean", "must be true or false");
export const count = rule((v): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0, "must be a whole number");

export const date = rule((v): v is IsoDate => typeof v === "string" && isIsoDate(v), "is not a date (YYYY-MM-DD)");

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
export const instant = rule(
  (v): v is string => typeof v === "string" && INSTANT_RE.test(v) && !Number.isNaN(Date.parse(v)),
  "is not an ISO timestamp (e.g. 2024-05-01T14:00:00Z)",
);

/** A CPT code as chart stores it: five characters, four digits then a digit or letter. */
export const cpt = rule((v): v is string => typeof v === "string" && /^\d{4}[0-9A-Z]$/.test(v), "must be five characters, e.g. 90837");

/** A session's length in minutes: 1 to 24 hours. */
export const minutes = rule(
  (v): v is number => typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 24 * 60,
  "must be a whole number of minutes (1 to 1440)",
);

export const idOf = (kind: IdKind, name: string = kind): Rule<string> => rule((v): v is string => typeof v === "string" && isIdOf(kind, v), `is not a ${name} id`);

export const oneOf = <T extends string>(values: readonly T[]): Rule<T> =>
  rule((v): v is T => typeof v === "string" && (values as readonly string[]).includes(v), `must be one of: ${values.join(", ")}`);

export const listOf = <T>(item: Rule<T>, says: string): Rule<T[]> => rule((v): v is T[] => Array.isArray(v) && v.every((x) => item.check(x)), says);

export const textList = listOf(text, "must be a list of text");

export const labels = listOf(
  rule((v): v is Label => typeof v === "string" && v in LABELS, "a label name"),
  `must be a list of label names (known: ${Object.keys(LABELS).join(", ")})`,
);

/** Fields of an object: required ones with their rules, optional ones with theirs. */
export interface Fields {
  required: Readonly<Record<string, Rule>>;
  optional?: Readonly<Record<string, Rule>>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Problems of an object against its fields, each naming the field (with `prefix` for a nested
 * one: 'recipient.name'). Absent means undefined; other keys are not looked at.
 */
export function fieldProblems(obj: Record<string, unknown>, fields: Fields, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, r] of Object.entries(fields.required)) {
    const v = obj[k];
    if (v === undefined) out.push(`missing '${prefix}${k}'`);
    else if (!r.check(v)) out.push(`'${prefix}${k}' ${r.says}`);
  }
  for (const [k, r] of Object.entries(fields.optional ?? {})) {
    const v = obj[k];
    if (v !== undefined && !r.check(v)) out.push(`'${prefix}${k}' ${r.says}`);
  }
  return out;
}

/** A nested object (a recipient, a signature) with fields of its own. */
export const object = <T>(fields: Fields, says: string): Rule<T> =>
  rule((v): v is T => isMap(v) && fieldProblems(v, fields).length === 0, says);
