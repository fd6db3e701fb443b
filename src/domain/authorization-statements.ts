/**
 * The statements an authorization must carry, in the practice's own wording or chart's:
 *
 * - HIPAA, 45 CFR 164.508(c)(2): the right to revoke in writing, its exceptions and how; the
 *   ability or inability to condition treatment, payment, enrollment or eligibility on it; the
 *   potential for redisclosure by the recipient.
 * - 42 CFR part 2 (the 2024 revision of § 2.31), for substance use disorder records: the right
 *   to revoke in writing and how (§ 2.31(a)(6)); redisclosure under HIPAA by a covered entity or
 *   business associate, except for proceedings against the patient (§ 2.31(a)(4)(iii)); the
 *   potential for redisclosure and loss of part 2 protection, and the consequences of refusing
 *   to sign (§ 2.31(a)(10)).
 *
 * The rule text each choice rests on is quoted in docs/sharing.md ("Required statements").
 * A practice sets its own wording once (`chart practice set --statements FILE
 * --part2-statements FILE`); `chart consent add` records the wording in force with each
 * authorization (or a signed form's own, --statements FILE), so a later change of the practice
 * text never rewrites what a client signed. Pure.
 */
import { invalid } from "./errors.js";
import type { Practice } from "./practice.js";

/** What a statement text must say, with a rough test of whether a text says it (used to warn, never to refuse). */
export interface StatementTopic {
  rule: string;
  says: string;
  test: (text: string) => boolean;
}

const has = (...res: RegExp[]) => (text: string): boolean => res.every((re) => re.test(text));

/** 45 CFR 164.508(c)(2)(i)–(iii). */
export const HIPAA_TOPICS: readonly StatementTopic[] = [
  { rule: "45 CFR 164.508(c)(2)(i)", says: "the right to revoke in writing, its exceptions and how to revoke", test: has(/revok/i, /writ/i) },
  { rule: "45 CFR 164.508(c)(2)(ii)", says: "whether treatment, payment, enrollment or eligibility may be conditioned on signing", test: has(/condition/i) },
  { rule: "45 CFR 164.508(c)(2)(iii)", says: "that the recipient may redisclose the information and it may no longer be protected", test: has(/redisclos/i) },
];

/** 42 CFR 2.31(a)(6), (a)(4)(iii), (a)(10)(i)–(ii) (2024 revision). */
export const PART2_TOPICS: readonly StatementTopic[] = [
  { rule: "42 CFR 2.31(a)(6)", says: "the right to revoke in writing, the reliance exception and how to revoke", test: has(/revok/i, /writ/i) },
  { rule: "42 CFR 2.31(a)(4)(iii)", says: "redisclosure under the HIPAA regulations, except for proceedings against the patient", test: has(/HIPAA/i, /proceeding/i) },
  { rule: "42 CFR 2.31(a)(10)(i)", says: "that records may be redisclosed and no longer be protected by part 2", test: has(/redisclos/i, /part 2/i) },
  { rule: "42 CFR 2.31(a)(10)(ii)", says: "the consequences of refusing to sign", test: has(/refus|decline/i) },
];

/**
 * chart's wording of 45 CFR 164.508(c)(2). `{practice}` stands for the practice's name and
 * address (see fillPractice).
 */
export const HIPAA_DEFAULT: readonly string[] = [
  "You may revoke this authorization at any time by writing to {practice}; a revocation takes effect when received, except to the extent that the practice has already acted in reliance on this authorization (45 CFR 164.508(c)(2)(i)).",
  "The practice will not condition your treatment, payment, enrollment in a health plan or eligibility for benefits on whether you sign this authorization (45 CFR 164.508(c)(2)(ii)).",
  "Information disclosed under this authorization may be redisclosed by the recipient and may no longer be protected by the federal privacy rule (45 CFR 164.508(c)(2)(iii)).",
];

/** chart's wording of the 42 CFR 2.31 statements (2024 revision), for substance use disorder records. */
export const PART2_DEFAULT: readonly string[] = [
  "This consent covers substance use disorder records protected by 42 CFR part 2. You may revoke it in writing at any time by writing to {practice}, except to the extent that the practice or another lawful holder of the records has already acted in reliance on it (42 CFR 2.31(a)(6)).",
  "If the recipient is a HIPAA covered entity or business associate receiving these records for treatment, payment or health care operations, it may redisclose them as the HIPAA regulations permit, except for uses and disclosures for civil, criminal, administrative and legislative proceedings against you (42 CFR 2.31(a)(4)(iii)).",
  "Records used or disclosed under this consent may be redisclosed by the recipient and may then no longer be protected by 42 CFR part 2 (42 CFR 2.31(a)(10)(i)).",
  "If you refuse to sign this consent, your treatment at the practice is not affected: the records are simply not disclosed to the recipient (42 CFR 2.31(a)(10)(ii)).",
  "This consent does not permit the use or disclosure of these records, or testimony about them, in any civil, criminal, administrative or legislative proceeding against you; that requires your separate consent or a court order under 42 CFR part 2, subpart E.",
];

const MAX_TEXT = 6000;

/** A statement text as paragraphs (separated by blank lines), whitespace collapsed. Refuses empty text and control characters. */
export function statementParagraphs(raw: string, what: string): string[] {
  const paras = raw.replace(/\r\n?/g, "\n").split(/\n\s*\n/).map((p) => p.replace(/\s+/g, " ").trim()).filter(Boolean);
  if (paras.length === 0) throw invalid("E_CONSENT_STATEMENTS", `${what} is empty`, "write one statement per paragraph, paragraphs separated by a blank line");
  // eslint-disable-next-line no-control-regex -- control and bidi-override characters are refused on purpose
  if (paras.some((p) => /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(p))) throw invalid("E_CONSENT_STATEMENTS", `${what} holds control characters`, "type plain text");
  if (paras.join("\n\n").length > MAX_TEXT) throw invalid("E_CONSENT_STATEMENTS", `${what} is longer than ${MAX_TEXT} characters`);
  return paras;
}

/** "Ellis Counseling, PLLC, 12 Main St, Springfield, IL 62701": the practice's name (else the clinician's) and address, or "the practice". */
export function practiceAddressee(p: Practice): string {
  const who = p.name ?? p.clinician;
  const where = p.address?.split(/\n/).map((l) => l.trim()).filter(Boolean).join(", ");
  if (who && where) return `${who}, ${where}`;
  return who ?? (where ? `the practice at ${where}` : "the practice");
}

/** Replace `{practice}` with the practice's name and address. */
export const fillPractice = (text: string, p: Practice): string => text.replaceAll("{practice}", practiceAddressee(p));

export type StatementSource = "form" | "practice" | "chart";

/**
 * The statements a new authorization records: the signed form's own wording when given, else
 * the practice's text (HIPAA's, and Part 2's when the authorization covers substance use),
 * else chart's; `{practice}` filled in. `source` says whose wording it is.
 */
export function statementsFor(
  categories: readonly string[],
  practice: Practice,
  form?: readonly string[],
): { statements: string[]; source: StatementSource; hipaaFrom: StatementSource; part2From?: StatementSource } {
  if (form) return { statements: form.map((s) => fillPractice(s, practice)), source: "form", hipaaFrom: "form", ...(categories.includes("substance-use") ? { part2From: "form" as const } : {}) };
  const hipaa = practice.statements ? statementParagraphs(practice.statements, "the practice's statements") : [...HIPAA_DEFAULT];
  const sud = categories.includes("substance-use");
  const part2 = !sud ? [] : practice.part2Statements ? statementParagraphs(practice.part2Statements, "the practice's Part 2 statements") : [...PART2_DEFAULT];
  const hipaaFrom: StatementSource = practice.statements ? "practice" : "chart";
  const part2From: StatementSource | undefined = sud ? (practice.part2Statements ? "practice" : "chart") : undefined;
  const source: StatementSource = hipaaFrom === "practice" || part2From === "practice" ? "practice" : "chart";
  return { statements: [...hipaa, ...part2].map((s) => fillPractice(s, practice)), source, hipaaFrom, ...(part2From ? { part2From } : {}) };
}

/** The default statements (chart's wording) for categories, `{practice}` filled in. */
export const defaultStatements = (categories: readonly string[], practice: Practice = {}): string[] => statementsFor(categories, practice).statements;

/** Topics a statement text seems not to cover (a warning: wording is the practice's to choose). */
export function missingTopics(statements: readonly string[], topics: readonly StatementTopic[]): StatementTopic[] {
  const text = statements.join("\n");
  return topics.filter((t) => !t.test(text));
}
