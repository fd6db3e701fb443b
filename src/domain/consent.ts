/**
 * Authorizations (HIPAA 164.508(c)): what may be disclosed, by whom, to whom, why, until when.
 * One file per authorization; a revocation is its own event file pointing at the grant.
 * (Types fixed here; validation, status and rules live beside them.)
 */
import type { IsoDate } from "./dates.js";
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
}

export interface ConsentRevocation extends BaseRecord {
  kind: "consent";
  event: "revoke";
  revokes: string; // id of the grant
  date: IsoDate;
  reason?: string;
}

export type ConsentRecord = ConsentGrant | ConsentRevocation;

export type ConsentStatus = "active" | "expired" | "revoked" | "not-yet-signed";

export interface DisclosureRecord extends BaseRecord {
  kind: "disclosure";
  date: IsoDate;
  at: string; // ISO instant
  consent: string;
  recipient: ConsentRecipient;
  purposes: string[];
  description: string; // what was disclosed, in words
  items: string[]; // record ids disclosed
  formats: string[]; // pdf, fhir, json
  bundleHash: string; // sha256:<hex> over the manifest's file hashes
  files: { name: string; sha256: string }[];
  encrypted: boolean;
}
