/**
 * Authorizations (HIPAA 164.508(c)): what may be disclosed, by whom, to whom, why, until when.
 * One file per authorization; a revocation is its own event file pointing at the grant.
 * Validation of a new authorization, its status as of a date, and the mapping between share
 * categories and DS4P sensitivity labels live here.
 */
import type { IsoDate } from "./dates.js";
import { ChartError, invalid, type CodeOf } from "./errors.js";
import type { Label } from "./labels.js";
import type { BaseRecord } from "./record.js";

export const SHARE_CATEGORIES = [
  "demographics",
  "diagnoses",
  "medications",
  "notes", // progress notes, treatment plans, intake, contact notes
  "psychotherapy-notes", // only ever alone
  "substance-use", // SUD / ETH labelled items (42 CFR Part 2)
  "hiv",
  "sdv",
] as const;
export type ShareCategory = (typeof SHARE_CATEGORIES)[number];

/** Categories naming information; the sensitivity categories only widen these. */
export const INFORMATION_CATEGORIES = ["demographics", "diagnoses", "medications", "notes", "psychotherapy-notes"] as const satisfies readonly ShareCategory[];

/** Sensitivity categories and the DS4P labels each one authorises. */
export const CATEGORY_LABELS = {
  "substance-use": ["SUD", "ETH"],
  hiv: ["HIV"],
  sdv: ["SDV"],
  "psychotherapy-notes": ["PSYTHPN"],
} as const satisfies Partial<Record<ShareCategory, readonly Label[]>>;

export type SensitivityCategory = Exclude<keyof typeof CATEGORY_LABELS, "psychotherapy-notes">;

/**
 * Labels that say only what any mental-health record is (psychiatric, behavioural or mental
 * health information): they travel with the item but do not restrict it.
 */
export const GENERAL_LABELS: readonly Label[] = ["PSY", "BH", "MH"];

/** The share category a restricting label needs, or undefined when no category can authorise it. */
export function labelCategory(label: Label): ShareCategory | undefined {
  for (const [cat, labels] of Object.entries(CATEGORY_LABELS) as [ShareCategory, readonly Label[]][]) {
    if (labels.includes(label)) return cat;
  }
  return undefined;
}

/** Is an item carrying `labels` authorised, label-wise, by `categories`? */
export function labelsAllowed(labels: readonly Label[] | undefined, categories: readonly ShareCategory[]): boolean {
  return unauthorisedLabels(labels, categories).length === 0;
}

/** The restricting labels on an item that `categories` does not authorise. */
export function unauthorisedLabels(labels: readonly Label[] | undefined, categories: readonly ShareCategory[]): Label[] {
  const out: Label[] = [];
  for (const l of labels ?? []) {
    if (GENERAL_LABELS.includes(l)) continue;
    const cat = labelCategory(l);
    if (cat === undefined || !categories.includes(cat)) out.push(l);
  }
  return out;
}

export interface ConsentRecipient {
  name: string;
  organization?: string;
  contact?: string;
  ageRecipient?: string; // age1... to encrypt bundles for them
}

export interface ConsentGrant extends BaseRecord {
  kind: "consent";
  event: "grant";
  recipient: ConsentRecipient;
  discloser: string; // who discloses (the practice / clinician)
  purposes: string[];
  categories: ShareCategory[];
  from?: IsoDate; // information date range
  until?: IsoDate;
  expires?: IsoDate; // expiry date, or
  expiresOn?: string; // an expiry event ("end of treatment")
  signed: IsoDate;
  signedBy: string; // the client, or their representative
  authority?: string; // a representative's authority
  /** The required statements the signed form carried (164.508(c)(2); Part 2 §2.31 for SUD records): see authorization-statements.ts. */
  statements?: string[];
  /** Whose wording the statements are: the signed form's (--statements FILE), the practice's (chart practice set), or chart's. */
  statementsFrom?: "form" | "practice" | "chart";
  /** The signed form itself, by hash (chart consent add --form FILE): the file stays where it is. */
  form?: { sha256: string; bytes: number; type?: string };
  /** Substance-use information may be shared without identifying information: acknowledged at consent add. */
  nameless?: boolean;
}

/**
 * Expiry events chart can observe and act on: the client's discharge (or the end of
 * treatment, recorded the same way). Any other event would keep an authorization active
 * forever, so none is accepted.
 */
export const EXPIRY_EVENTS = ["discharge", "end-of-treatment"] as const;
export type ExpiryEvent = (typeof EXPIRY_EVENTS)[number];

export function checkExpiryEvent(s: string): ExpiryEvent {
  const k = s.trim().toLowerCase().replace(/[\s_]+/g, "-");
  if (k === "discharge" || k === "discharged" || k === "at-discharge") return "discharge";
  if (k === "end-of-treatment" || k === "end-of-care" || k === "end-of-services") return "end-of-treatment";
  throw invalid(
    "E_CONSENT_EXPIRY_EVENT",
    `"${s.trim().slice(0, 40)}" is not an expiry event chart can observe`,
    "use --expires-on discharge or --expires-on end-of-treatment (both end the authorization when the client is discharged), or --expires DATE",
  );
}

/** Whole years between a date of birth and a date. */
export function ageOn(dob: IsoDate, date: IsoDate): number {
  const years = Number(date.slice(0, 4)) - Number(dob.slice(0, 4));
  return date.slice(5) < dob.slice(5) ? years - 1 : years;
}

/** The age of majority chart assumes (most US states; a minor's own consent under state law is stated with --authority). */
export const AGE_OF_MAJORITY = 18;

export interface ConsentRevocation extends BaseRecord {
  kind: "consent";
  event: "revoke";
  revokes: string; // id of the grant
  date: IsoDate;
  reason?: string;
}

export type ConsentRecord = ConsentGrant | ConsentRevocation;

export type ConsentStatus = "active" | "expired" | "revoked" | "not-yet-signed";

/**
 * A share under an authorization. `chart share` writes every field; a disclosure brought in by
 * `chart import` (also in 0.1.0) may lack the bundle's details, so those are optional.
 */
export interface DisclosureRecord extends BaseRecord {
  kind: "disclosure";
  basis?: undefined;
  date: IsoDate;
  at: string; // ISO instant
  consent?: string;
  recipient: ConsentRecipient;
  purposes: string[];
  description: string; // what was disclosed, in words
  items?: string[]; // record ids disclosed
  formats?: string[]; // pdf, fhir, json
  bundleHash?: string; // sha256:<hex> of the manifest file (which lists every other file's hash)
  files?: { name: string; sha256: string }[]; // plaintext files, manifest included
  encrypted?: boolean;
  /** Free text an imported disclosure may carry. */
  statement?: string;
  /** When encrypted: the .age files as written (their hashes differ per run; age is randomised). */
  encryptedFiles?: { name: string; sha256: string }[];
  encryption?: "recipient" | "passphrase";
}

export const isGrant = (r: ConsentRecord): r is ConsentGrant => r.event === "grant";
export const isRevocation = (r: ConsentRecord): r is ConsentRevocation => r.event === "revoke";

/** Parse categories typed by the user ("notes,diagnoses", repeatable); canonical order, no duplicates. */
export function checkCategories(input: readonly string[] | string | undefined): ShareCategory[] {
  const list = (typeof input === "string" ? [input] : input ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  for (const c of list) {
    if (!(SHARE_CATEGORIES as readonly string[]).includes(c)) {
      throw invalid("E_CONSENT_CATEGORY", `unknown share category "${c.slice(0, 40)}"`, `use one or more of: ${SHARE_CATEGORIES.join(", ")}`);
    }
  }
  return SHARE_CATEGORIES.filter((c) => list.includes(c));
}

/** The 164.508(c) elements a new authorization must carry, with the flag that supplies each. */
export const REQUIRED_ELEMENTS = [
  { element: "recipient", flag: "--to NAME" },
  { element: "purpose", flag: "--purpose TEXT" },
  { element: "information to share", flag: "--share CATEGORIES" },
  { element: "expiry date or event", flag: "--expires DATE or --expires-on EVENT" },
  { element: "signature date", flag: "--signed DATE" },
  { element: "signer", flag: "--signed-by NAME" },
] as const;

export type ConsentDraft = Partial<Omit<ConsentGrant, "recipient">> & { recipient?: Partial<ConsentRecipient> };

const blank = (s: string | undefined): boolean => s === undefined || s.trim() === "";

/** Required elements missing from a draft authorization. */
export function missingElements(d: ConsentDraft): (typeof REQUIRED_ELEMENTS)[number][] {
  const missing: string[] = [];
  if (blank(d.recipient?.name)) missing.push("recipient");
  if (!d.purposes || d.purposes.every(blank)) missing.push("purpose");
  if (!d.categories || d.categories.length === 0) missing.push("information to share");
  if (blank(d.expires) && blank(d.expiresOn)) missing.push("expiry date or event");
  if (blank(d.signed)) missing.push("signature date");
  if (blank(d.signedBy)) missing.push("signer");
  return REQUIRED_ELEMENTS.filter((e) => missing.includes(e.element));
}

/**
 * Check a new authorization; throws an exit-3 error naming what is wrong or missing.
 * `clientNames` are the client's own names: a signer who is someone else is a personal
 * representative, who must state their authority.
 */
export function checkConsent(d: ConsentDraft, clientNames: readonly string[] = [], client: { dob?: IsoDate } = {}): void {
  const missing = missingElements(d);
  if (missing.length) {
    throw invalid(
      "E_CONSENT_INCOMPLETE",
      `the authorization lacks: ${missing.map((m) => m.element).join(", ")}`,
      `pass ${missing.map((m) => m.flag).join("; ")}`,
    );
  }
  const cats = d.categories as ShareCategory[];
  if (cats.includes("psychotherapy-notes") && cats.length > 1) {
    throw invalid(
      "E_CONSENT_PSYCHOTHERAPY_COMBINED",
      "an authorization for psychotherapy notes may not be combined with any other category",
      "record two authorizations: one with --share psychotherapy-notes alone, one with the other categories",
    );
  }
  if (!cats.some((c) => (INFORMATION_CATEGORIES as readonly string[]).includes(c))) {
    throw invalid(
      "E_CONSENT_NOTHING",
      `${cats.join(", ")} only widen other categories: this authorization would share nothing`,
      "add what to share, e.g. --share notes,diagnoses,substance-use",
    );
  }
  if (d.from && d.until && d.from > d.until) {
    throw invalid("E_CONSENT_RANGE", `the information range starts (${d.from}) after it ends (${d.until})`, "check --from and --until");
  }
  if (d.expires && d.signed && d.expires < d.signed) {
    throw invalid("E_CONSENT_EXPIRY", `the authorization expires (${d.expires}) before it is signed (${d.signed})`, "check --expires and --signed");
  }
  if (client.dob && d.signed && ageOn(client.dob, d.signed) < AGE_OF_MAJORITY && blank(d.authority)) {
    throw invalid(
      "E_CONSENT_MINOR",
      `the client was ${ageOn(client.dob, d.signed)} when this was signed: a minor's authorization is signed by a personal representative, whose authority is stated`,
      'pass --signed-by NAME --authority "parent" (or "legal guardian"); if the minor consents under state law, say so: --authority "minor consenting under STATE law"',
    );
  }
  if (cats.includes("substance-use") && !cats.includes("demographics") && !d.nameless) {
    throw invalid(
      "E_CONSENT_NAMELESS",
      "this authorization shares substance-use information but not identifying information: its bundles would name nobody",
      "add demographics to --share (42 CFR 2.31 consents name the patient), or pass --nameless if the recipient identifies the client otherwise",
    );
  }
  const signer = (d.signedBy ?? "").trim().toLowerCase();
  const isClient = clientNames.some((n) => n.trim().toLowerCase() === signer);
  if (clientNames.length && !isClient && blank(d.authority)) {
    throw invalid(
      "E_CONSENT_AUTHORITY",
      "the authorization is signed by someone other than the client but states no authority",
      'describe the representative\'s authority, e.g. --authority "parent of a minor"',
    );
  }
}

/** Expiry events chart can observe: the client's discharge. */
const DISCHARGE_EVENT = /\b(discharge|discharged|end[ -]of[ -](treatment|care|services))\b/i;
export const isDischargeEvent = (event: string | undefined): boolean => !!event && DISCHARGE_EVENT.test(event);

export interface StatusContext {
  /** The client's discharge date, when discharged: expires an authorization whose event is discharge/end of treatment. */
  discharged?: IsoDate;
}

/**
 * The revocation in effect for a grant (the earliest), if any. A revocation takes effect the
 * moment it is recorded, whatever its date: its date is the day the client made it in the
 * practice's time zone, which may be "tomorrow" for a reader in a zone behind (a revocation
 * recorded in Pacific/Kiritimati, UTC+14, read under UTC). Future revocations are refused when
 * recorded (checkRevocation), so no recorded one waits for its date. `_today` is kept for callers.
 */
export function revocationOf(grant: Pick<ConsentGrant, "id" | "client">, revocations: readonly ConsentRevocation[], _today?: IsoDate): ConsentRevocation | undefined {
  return revocations
    .filter((r) => r.revokes === grant.id && r.client === grant.client)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1))[0];
}

/**
 * Status as of `today`: revoked (any recorded revocation: see revocationOf), not yet signed,
 * expired (the day after the expiry date, or after discharge when the expiry event is the end
 * of treatment), else active. An authorization is valid through its expiry date.
 */
export function consentStatus(
  grant: ConsentGrant,
  revocations: readonly ConsentRevocation[],
  today: IsoDate,
  ctx: StatusContext = {},
): ConsentStatus {
  if (revocationOf(grant, revocations, today)) return "revoked";
  if (grant.signed > today) return "not-yet-signed";
  if (grant.expires !== undefined && grant.expires < today) return "expired";
  if (isDischargeEvent(grant.expiresOn) && ctx.discharged !== undefined && ctx.discharged <= today) return "expired";
  return "active";
}

/** Throw the refusal for a consent that is not active today (exit 3); return when it is. */
export function assertActive(
  grant: ConsentGrant,
  revocations: readonly ConsentRevocation[],
  today: IsoDate,
  ctx: StatusContext = {},
): void {
  const status = consentStatus(grant, revocations, today, ctx);
  const id = grant.id.slice(0, 11);
  if (status === "active") return;
  if (status === "revoked") {
    const r = revocationOf(grant, revocations, today) as ConsentRevocation;
    throw refused("E_CONSENT_REVOKED", `authorization ${id} was revoked on ${r.date}; nothing was shared`, "ask the client for a new authorization (chart consent add)");
  }
  if (status === "not-yet-signed") {
    throw refused("E_CONSENT_NOT_SIGNED", `authorization ${id} is not signed until ${grant.signed}; nothing was shared`, "share on or after the signature date, or correct the authorization");
  }
  const when = grant.expires !== undefined && grant.expires < today ? `on ${grant.expires}` : `at discharge (${ctx.discharged})`;
  throw refused("E_CONSENT_EXPIRED", `authorization ${id} expired ${when}; nothing was shared`, "ask the client for a new authorization (chart consent add)");
}

const refused = (code: CodeOf<"invalid">, message: string, hint: string): ChartError => new ChartError("invalid", code, message, hint);

/** A new revocation must follow the signature, not be in the future, and not repeat one. */
export function checkRevocation(grant: ConsentGrant, revocations: readonly ConsentRevocation[], date: IsoDate, today: IsoDate): void {
  const prior = revocationOf(grant, revocations);
  if (prior) {
    throw invalid(
      "E_CONSENT_REVOKED",
      `authorization ${grant.id.slice(0, 11)} was already revoked on ${prior.date} (revocation ${prior.id.slice(0, 11)}, recorded ${prior.created}${prior.reason ? "" : ""}); it has been in effect since it was recorded`,
      `nothing to do; see it with: chart consent show ${prior.id.slice(0, 11)}`,
    );
  }
  if (date > today) throw invalid("E_FUTURE_DATE", `the revocation date ${date} is in the future`, "a revocation takes effect when the client makes it");
  if (date < grant.signed) throw invalid("E_CONSENT_REVOKE_DATE", `the revocation date ${date} is before the signature (${grant.signed})`, "check --date");
}
