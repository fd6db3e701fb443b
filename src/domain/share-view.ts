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
  labels: Label[];
  items: string[]; // event ids
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

export interface WithheldCount {
  category: string; // e.g. "notes", "medications", "private passages"
  reason: string; // e.g. "outside the consent's date range", "labelled SUD, not authorised"
  count: number;
}

export interface ShareView {
  /** The date the selection was made for, and the instant (from the injected clock). */
  date: IsoDate;
  generatedAt: string;
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

export const CONFIDENTIALITY_NOTICE =
  "CONFIDENTIAL: This information has been disclosed to you from a mental health record under the client's written authorization. " +
  "It is protected by federal and state privacy law (HIPAA, 45 CFR Parts 160 and 164). Any further disclosure without the client's " +
  "written authorization, or as otherwise permitted by law, is prohibited.";

export const PART2_NOTICE =
  "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";
