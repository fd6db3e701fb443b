/**
 * The labels a diagnosis event carries: those it names, plus those its code implies
 * (src/domain/icd10.ts, impliedLabels), less those the event explicitly leaves off
 * (`withoutLabels`, recorded in the event itself, set only by an explicit flag or field).
 * Applied when an event is written and again when it is read, so records written before the
 * rule, or by an older version, still carry their implied labels into every view and share.
 */
import { invalid } from "./errors.js";
import { impliedLabels } from "./icd10.js";
import type { Label } from "./labels.js";

export interface LabelledDxEvent {
  event: string;
  code: string;
  labels?: readonly Label[];
  withoutLabels?: readonly Label[];
}

/**
 * Every label a diagnosis event carries. The implied labels come with the add event that starts
 * each episode (the only event that may leave one off); later status events add what they name.
 */
export function dxEventLabels(e: LabelledDxEvent): Label[] {
  if (e.event !== "add") return [...new Set(e.labels ?? [])].sort();
  const without = new Set(e.withoutLabels ?? []);
  const implied = impliedLabels(e.code).filter((l) => !without.has(l));
  return [...new Set([...(e.labels ?? []), ...implied])].sort();
}

/** The labels to store on a new add event, refusing to leave off a label the code does not imply. */
export function labelsForNewDx(code: string, given: readonly Label[], without: readonly Label[]): { labels: Label[]; added: Label[]; without: Label[] } {
  const implied = impliedLabels(code);
  const bad = without.filter((l) => !implied.includes(l));
  if (bad.length) {
    throw invalid(
      "E_LABEL_NOT_IMPLIED",
      `${code} does not imply ${bad.join(", ")}: there is nothing to leave off`,
      implied.length ? `${code} implies ${implied.join(", ")}` : `${code} implies no label`,
    );
  }
  const clash = without.filter((l) => given.includes(l));
  if (clash.length) throw invalid("E_LABEL_CONFLICT", `${clash.join(", ")} is both given and left off`, "pass it with --label or --without-label, not both");
  const added = implied.filter((l) => !without.includes(l) && !given.includes(l));
  return { labels: [...new Set([...given, ...added])].sort(), added, without: [...new Set(without)].sort() };
}
