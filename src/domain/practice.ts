/**
 * The practice profile: who discloses, on whose letterhead, under which licence and NPI, in
 * which time zone. One per chart (`chart practice set|show`), stored encrypted and committed
 * (.chart/practice.age), used by every document chart produces (share letters and bundles,
 * superbills, accountings).
 *
 * Pure: validation and merging only.
 */
import { invalid } from "./errors.js";

export interface Practice {
  name?: string; // the practice's name, e.g. "Ellis Counseling, PLLC"
  address?: string; // lines separated by "\n" or ", "
  phone?: string;
  fax?: string;
  email?: string;
  clinician?: string; // the clinician's name, e.g. "Jordan Ellis"
  credentials?: string; // e.g. "LCSW"
  license?: string; // licence number
  licenseState?: string; // two-letter US state (or territory) code
  npi?: string; // 10-digit National Provider Identifier
  timeZone?: string; // IANA name, e.g. "America/Chicago"
  /** The practice's wording of the 45 CFR 164.508(c)(2) statements: paragraphs separated by blank lines (authorization-statements.ts). */
  statements?: string;
  /** The practice's wording of the 42 CFR 2.31 statements for substance use disorder records, likewise. */
  part2Statements?: string;
}

export const PRACTICE_FIELDS = [
  "name",
  "address",
  "phone",
  "fax",
  "email",
  "clinician",
  "credentials",
  "license",
  "licenseState",
  "npi",
  "timeZone",
  "statements",
  "part2Statements",
] as const satisfies readonly (keyof Practice)[];
export type PracticeField = (typeof PRACTICE_FIELDS)[number];

const MAX_LEN = 300;
/** Fields holding a text of paragraphs (read from a file), not one value. */
export const TEXT_FIELDS: readonly PracticeField[] = ["statements", "part2Statements"];
const MAX_TEXT_LEN = 6000;

/**
 * NPI check digit (45 CFR 162.406; the Luhn formula over the prefix 80840 followed by the
 * first nine digits, as CMS's NPI standard describes).
 */
export function isNpi(s: string): boolean {
  if (!/^\d{10}$/.test(s)) return false;
  const digits = `80840${s.slice(0, 9)}`.split("").map(Number);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // double every second digit from the right of the 14-digit payload
    let d = digits[digits.length - 1 - i] as number;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  const check = (10 - (sum % 10)) % 10;
  return check === Number(s[9]);
}

/** An IANA time zone name the runtime knows (Intl), returned in its canonical spelling. */
export function checkTimeZone(s: string): string {
  const tz = s.trim();
  if (tz === "" || !/^[A-Za-z0-9_+\-/]+$/.test(tz)) {
    throw invalid("E_BAD_TIME_ZONE", `"${tz.slice(0, 40)}" is not an IANA time zone name`, "use a name such as America/New_York, America/Chicago, America/Denver, America/Los_Angeles");
  }
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    if (!tz.includes("/") && tz.toUpperCase() !== "UTC") throw new Error("abbreviation");
    return resolved === "Etc/UTC" || resolved === "UTC" ? "UTC" : tz;
  } catch {
    throw invalid("E_BAD_TIME_ZONE", `"${tz.slice(0, 40)}" is not an IANA time zone name`, "use a name such as America/New_York, America/Chicago, America/Denver, America/Los_Angeles (not an abbreviation like EST)");
  }
}

const STATES = new Set(
  "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split(" "),
);

/** Check one field's value; returns it normalised. Control characters are refused in every field. */
export function checkPracticeField(field: PracticeField, raw: string): string {
  const value = raw.replace(/\r\n?/g, "\n").trim();
  if (value === "") throw invalid("E_PRACTICE_FIELD", `--${flagName(field)} is empty`, `to remove it, use --unset ${flagName(field)}`);
  const max = TEXT_FIELDS.includes(field) ? MAX_TEXT_LEN : MAX_LEN;
  if (value.length > max) throw invalid("E_PRACTICE_FIELD", `--${flagName(field)} is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value) || (field !== "address" && !TEXT_FIELDS.includes(field) && value.includes("\n"))) {
    throw invalid("E_PRACTICE_FIELD", `--${flagName(field)} holds control characters`, "type plain text");
  }
  switch (field) {
    case "npi": {
      const npi = value.replace(/[\s-]/g, "");
      if (!isNpi(npi)) throw invalid("E_BAD_NPI", "the NPI is not a valid 10-digit National Provider Identifier (check digit)", "copy it from the NPPES registry");
      return npi;
    }
    case "licenseState": {
      const st = value.toUpperCase();
      if (!STATES.has(st)) throw invalid("E_BAD_STATE", `"${value.slice(0, 20)}" is not a US state or territory code`, "use the two-letter code, e.g. NY, CA, TX");
      return st;
    }
    case "timeZone":
      return checkTimeZone(value);
    case "email":
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) throw invalid("E_PRACTICE_FIELD", "--email is not an email address");
      return value;
    default:
      return value;
  }
}

export const flagName = (f: PracticeField): string => f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Apply `set` then `unset` to `current`, checking every value; the result has fields in a fixed order. */
export function mergePractice(current: Practice, set: Partial<Record<PracticeField, string>>, unset: readonly PracticeField[] = []): Practice {
  const out: Practice = {};
  for (const f of PRACTICE_FIELDS) {
    const given = set[f];
    const v = given !== undefined ? checkPracticeField(f, given) : current[f];
    if (v !== undefined && !unset.includes(f)) out[f] = v;
  }
  return out;
}

/** Check a stored profile (decrypted from the chart): unknown fields or bad values are refused. */
export function checkPractice(data: unknown): Practice {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw invalid("E_MALFORMED", ".chart/practice.age: not a map");
  const raw = data as Record<string, unknown>;
  const set: Partial<Record<PracticeField, string>> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(PRACTICE_FIELDS as readonly string[]).includes(k)) continue; // envelope fields (chart, kind, mac) and future fields
    if (typeof v !== "string") throw invalid("E_MALFORMED", `.chart/practice.age: ${k} is not text`);
    set[k as PracticeField] = v;
  }
  return mergePractice({}, set);
}

/** The signature line: "Jordan Ellis, LCSW". */
export const signatureName = (p: Practice, fallback: string): string =>
  p.clinician ? (p.credentials ? `${p.clinician}, ${p.credentials}` : p.clinician) : fallback;

/** "NY licence 012345" or undefined. */
export const licenseLine = (p: Practice): string | undefined =>
  p.license ? `${p.licenseState ? `${p.licenseState} ` : ""}licence ${p.license}` : undefined;
