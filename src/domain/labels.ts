/**
 * Sensitivity labels from the HL7 DS4P vocabulary (v3 ActCode, "InformationSensitivityPolicy").
 * Labelled items are shared only when a consent names that sensitivity.
 */
import { invalid } from "./errors.js";

export const LABELS = {
  SUD: "substance use disorder information sensitivity",
  ETH: "substance abuse information sensitivity",
  HIV: "HIV/AIDS information sensitivity",
  SDV: "sexual assault, abuse, or domestic violence information sensitivity",
  PSY: "psychiatry disorder information sensitivity",
  PSYTHPN: "psychotherapy note information sensitivity",
  BH: "behavioral health information sensitivity",
  SEX: "sexuality and reproductive health information sensitivity",
  STD: "sexually transmitted disease information sensitivity",
  GDIS: "genetic disease information sensitivity",
  MH: "mental health information sensitivity",
} as const;

/** Labels whose items are 42 CFR Part 2 material (substance use disorder records). */
export const PART2_LABELS: readonly Label[] = ["SUD", "ETH"];

export type Label = keyof typeof LABELS;

export const LABEL_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

export function checkLabel(s: string): Label {
  const l = s.trim().toUpperCase();
  if (l in LABELS) return l as Label;
  throw invalid("E_BAD_LABEL", `unknown sensitivity label "${s}"`, `use one of: ${Object.keys(LABELS).join(", ")}`);
}

export function checkLabels(list: readonly string[] | undefined): Label[] | undefined {
  if (!list || list.length === 0) return undefined;
  return [...new Set(list.flatMap((s) => s.split(",")).filter((s) => s.trim() !== "").map(checkLabel))].sort();
}
