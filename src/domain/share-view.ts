/**
 * What a share bundle contains: the output of the pure selection (chart, consent, today) and
 * the only input of every renderer (PDF, FHIR, manifest). Nothing outside this view can reach
 * an output, so the redaction property is tested on this type and on the rendered outputs.
 */
import type { IsoDate } from "./dates.js";
import type { ConsentRecipient, ShareCategory } from "./consent.js";
import type { DxStatus } from "./dx.js";
import type { Label } from "./labels.js";
import type { NoteType } from "./note.js";
import type { Practice } from "./practice.js";

export interface SharePatient {
  id: string;
  name: string;
  preferredName?: string;
  pronouns?: string;
  dob?: IsoDate;
  email?: string;
  phone?: string;
}

export interface ShareDiagnosis {
  code: string;
  description?: string;
  status: DxStatus;
  since: IsoDate;
  added: IsoDate;
  onset?: IsoDate;
  resolved?: IsoDate;
  primary: boolean;
  labels: Label[];
  items: string[]; // event ids this entry was built from
}

export interface ShareMedication {
  med: string;
  name: string;
  dose?: string;
  route?: string;
  frequency?: string;
  prescriber?: string;
  started: IsoDate;
  stopped?: IsoDate;
  stopReason?: string;
  active: boolean;
  /** Changes after the start, oldest first: what changed to what, and why (the start reason never leaves). */
  changes?: ShareMedChange[];
  labels: Label[];
  items: string[]; // event ids
}

export interface ShareMedChange {
  date: IsoDate;
  dose?: string;
  route?: string;
  frequency?: string;
  prescriber?: string;
  reason?: string;
}

export interface ShareAddendum {
  id: string;
  date: IsoDate;
  text: string; // private passages already replaced by the marker
  signedBy?: string;
  signedAt?: string;
}

export interface ShareNote {
  id: string;
  type: NoteType;
  template: string;
  date: IsoDate;
  duration?: number;
  cpt?: string;
  status: "draft" | "signed";
  signedBy?: string;
  signedAt?: string;
  labels: Label[];
  text: string; // private passages already replaced by the marker
  addenda: ShareAddendum[];
}

export interface ShareLetter {
  question?: string;
  text?: string;
}

export interface WithheldCount {
  category: string; // e.g. "notes", "medications", "private passages"
  reason: string; // e.g. "outside the consent's date range", "labelled SUD, not authorised"
  count: number;
}

export interface ShareView {
  /**
   * The date the selection was made for, and the instant the document was made. The pure
   * selection sets midnight UTC of `date`; `chart share` replaces it with the real instant of
   * the share (from the injected clock) and sets `documentId`, so each share is its own
   * document (its own Bundle.identifier and Composition id).
   */
  date: IsoDate;
  generatedAt: string;
  /** This document's identity: the disclosure record's id when written by `chart share`. */
  documentId?: string;
  /** The practice profile (chart practice set): letterhead, signature block, NPI, time zone. */
  practice?: Practice;
  /** A referral letter that opens the PDF (chart share --letter/-m, --question). */
  letter?: ShareLetter;
  consent: {
    id: string;
    recipient: ConsentRecipient;
    discloser: string;
    purposes: string[];
    categories: ShareCategory[];
    from?: IsoDate;
    until?: IsoDate;
    expires?: IsoDate;
    expiresOn?: string;
    signed: IsoDate;
    signedBy: string;
    authority?: string;
    /** The statements the signed authorization carries (164.508(c)(2); 42 CFR 2.31). */
    statements?: string[];
  };
  /** The client's id is always present (it names whose record this is); the rest needs demographics. */
  clientId: string;
  patient?: SharePatient;
  diagnoses?: ShareDiagnosis[]; // present when the consent allows diagnoses
  medications?: ShareMedication[]; // present when the consent allows medications
  notes?: ShareNote[]; // date order, oldest first
  psychotherapyNotes?: ShareNote[]; // only under a psychotherapy-notes-only consent
  withheld: WithheldCount[];
  /** Labels on anything included; SUD or ETH means the 42 CFR Part 2 notice is required. */
  labels: Label[];
  part2: boolean;
  /**
   * Records in the authorization's scope that could not be read or verified, shared anyway
   * under --allow-incomplete: named in the manifest and the PDF, so nobody takes the bundle
   * for the whole record. Absent when every record was read.
   */
  unreadable?: { kind: string; id: string }[];
  /** Every record id whose content reaches the outputs. */
  items: string[];
}

/**
 * The notice that accompanies every disclosure. It does not claim that HIPAA keeps protecting
 * the information: 45 CFR 164.508(c)(2)(iii) requires the authorization itself to state "the
 * potential for information disclosed pursuant to the authorization to be subject to
 * redisclosure by the recipient and no longer be protected by this subpart".
 */
export const CONFIDENTIALITY_NOTICE =
  "CONFIDENTIAL: This information was disclosed from a mental health record under the client's written authorization. " +
  "Once disclosed, it may be redisclosed by the recipient and may no longer be protected by the federal privacy rule " +
  "(45 CFR 164.508(c)(2)(iii)); state law and professional duties may still protect it. Please do not disclose it further " +
  "without the client's written authorization or as otherwise permitted by law.";

/** 42 CFR 2.32(a)(2): one of the two statements that must accompany a disclosure under consent. */
export const PART2_NOTICE =
  "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";

/**
 * All a recipient learns about what was withheld (the clinician's dry run keeps the detail):
 * the same words whatever was or was not withheld, so the sentence itself discloses nothing.
 */
export const WITHHELD_NOTICE =
  "Some information may have been withheld under the authorization's terms: only what the authorization covers is included, and passages removed from notes are marked [withheld].";
