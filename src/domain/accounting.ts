/**
 * The accounting of disclosures (45 CFR 164.528). Three kinds of disclosure records share the
 * `disclosure` kind:
 * - shares under an authorization (`chart share`; no `basis`): exempt from the accounting by
 *   164.528(a)(1)(iv), kept and shown apart (42 CFR Part 2 and good practice ask for them);
 * - accountable disclosures recorded by hand (`chart disclosures add`), with a 164.512 basis:
 *   mandated abuse reports, duty to warn, court orders, health oversight...;
 * - accountings provided to the client (`chart disclosures report`, basis "individual"), which
 *   164.528(d) asks to document (the request date, the date provided, what was provided).
 *
 * Pure: types, the bases and their citations, checks and the report's selection.
 */
import type { ConsentRecipient, DisclosureRecord } from "./consent.js";
import { addYears, type IsoDate } from "./dates.js";
import { invalid } from "./errors.js";
import type { BaseRecord } from "./record.js";

/** 164.512 bases (uses and disclosures for which an authorization is not required). */
export const BASES = {
  "required-by-law": { cite: "45 CFR 164.512(a)", label: "required by law" },
  "public-health": { cite: "45 CFR 164.512(b)", label: "public health activity (including child abuse or neglect reports)" },
  "abuse-neglect": { cite: "45 CFR 164.512(c)", label: "report of abuse, neglect or domestic violence" },
  "health-oversight": { cite: "45 CFR 164.512(d)", label: "health oversight activity" },
  judicial: { cite: "45 CFR 164.512(e)", label: "judicial or administrative proceeding (court order, subpoena)" },
  "law-enforcement": { cite: "45 CFR 164.512(f)", label: "law enforcement purpose" },
  decedent: { cite: "45 CFR 164.512(g)", label: "coroner, medical examiner or funeral director" },
  research: { cite: "45 CFR 164.512(i)", label: "research (waiver of authorization)" },
  "serious-threat": { cite: "45 CFR 164.512(j)", label: "to avert a serious threat to health or safety (duty to warn)" },
  government: { cite: "45 CFR 164.512(k)", label: "specialized government function" },
  "workers-compensation": { cite: "45 CFR 164.512(l)", label: "workers' compensation" },
} as const;
export type AccountableBasis = keyof typeof BASES;

/** A disclosure recorded by hand, without an authorization: part of the accounting. */
export interface AccountableDisclosure extends BaseRecord {
  kind: "disclosure";
  basis: AccountableBasis;
  date: IsoDate; // when the disclosure was made
  at: string; // when it was recorded
  recipient: ConsentRecipient;
  address?: string; // the recipient's address, if known (164.528(b)(2)(ii))
  purposes: string[]; // a brief statement of the purpose (164.528(b)(2)(iv))
  description: string; // a brief description of what was disclosed (164.528(b)(2)(iii))
  items: string[]; // record ids, when known
}

/** An accounting provided to the client (164.528(d)). */
export interface AccountingProvided extends BaseRecord {
  kind: "disclosure";
  basis: "individual";
  date: IsoDate; // provided
  at: string;
  requested: IsoDate; // when the client asked
  recipient: ConsentRecipient; // the client
  purposes: string[];
  description: string;
  items: string[]; // the disclosures listed
  from: IsoDate; // the period covered
  until: IsoDate;
  files: { name: string; sha256: string }[];
}

export type AnyDisclosure = DisclosureRecord | AccountableDisclosure | AccountingProvided;

export type DisclosureClass = "authorized" | "accountable" | "provided";

export function classOf(d: AnyDisclosure): DisclosureClass {
  if (d.basis === undefined) return "authorized";
  return d.basis === "individual" ? "provided" : "accountable";
}

/** A share under an authorization (no legal basis of its own). */
export const isAuthorized = (d: AnyDisclosure): d is DisclosureRecord => d.basis === undefined;

/** The legal basis in words, with its citation. */
export function basisText(d: AnyDisclosure): string {
  if (d.basis === undefined) return "authorization (45 CFR 164.508)";
  if (d.basis === "individual") return "to the client (45 CFR 164.502(a)(1)(i))";
  // A basis this version does not know is refused when the record is read (record-shape.ts).
  const b = BASES[d.basis];
  return `${b.label} (${b.cite})`;
}

export function checkBasis(s: string): AccountableBasis {
  const k = s.trim().toLowerCase();
  if (k in BASES) return k as AccountableBasis;
  if (k === "authorization") {
    throw invalid("E_BASIS", "disclosures under an authorization are recorded by chart share", "for a disclosure without an authorization, give its 164.512 basis");
  }
  throw invalid("E_BASIS", `unknown basis "${s.slice(0, 30)}"`, `one of: ${Object.keys(BASES).join(", ")}`);
}

/** The first day of the accounting period: six years before `today` (164.528(a)). */
export const accountingStart = (today: IsoDate): IsoDate => addYears(today, -6);

/** The accountable disclosures a report lists: in [from, today], oldest first. */
export function accountingEntries(all: readonly AnyDisclosure[], from: IsoDate, until: IsoDate): AccountableDisclosure[] {
  return all
    .filter((d): d is AccountableDisclosure => classOf(d) === "accountable")
    .filter((d) => d.date >= from && d.date <= until)
    .sort((a, b) => (a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.id < b.id ? -1 : 1));
}
