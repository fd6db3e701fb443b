/**
 * The manifest of a share bundle (manifest.json): what was included, by category and id; the
 * one fixed sentence about withheld information (no counts: a recipient learns nothing from
 * what was withheld; the clinician's dry run keeps the detail); the authorization it was made under; and the SHA-256 of
 * every other file in the bundle, so a recipient can check what they received against the
 * disclosure the chart logged. Keys come out in a fixed order (the object is built in that
 * order), so the same view and files give the same bytes.
 */
import type { ConsentRecipient, ShareCategory } from "../domain/consent.js";
import type { Label } from "../domain/labels.js";
import { WITHHELD_NOTICE, type ShareNote, type ShareView } from "../domain/share-view.js";

export const MANIFEST_NAME = "manifest.json";
export const MANIFEST_FORMAT = "chart-share 2";

export interface ManifestFile {
  name: string;
  sha256: string; // lowercase hex
}

export interface ShareManifest {
  format: typeof MANIFEST_FORMAT;
  /** This document's id (the disclosure record's id), when written by chart share. */
  document?: string;
  consent: string;
  client: string;
  recipient: ConsentRecipient;
  purposes: string[];
  categories: ShareCategory[];
  date: string;
  generatedAt: string;
  labels: Label[];
  part2: boolean;
  included: {
    demographics?: string[];
    diagnoses?: string[];
    medications?: string[];
    notes?: string[];
    "psychotherapy-notes"?: string[];
  };
  withheld: typeof WITHHELD_NOTICE;
  /** Present only when records in scope could not be read (chart share --allow-incomplete). */
  incomplete?: { unreadable: { kind: string; id: string }[] };
  files: ManifestFile[];
}

export function buildManifest(view: ShareView, files: { name: string; sha256: string }[]): ShareManifest {
  const c = view.consent;
  const included: ShareManifest["included"] = {};
  if (view.patient) included.demographics = [view.clientId];
  if (view.diagnoses) included.diagnoses = view.diagnoses.flatMap((d) => d.items);
  if (view.medications) included.medications = view.medications.flatMap((m) => m.items);
  if (view.notes) included.notes = noteIds(view.notes);
  if (view.psychotherapyNotes) included["psychotherapy-notes"] = noteIds(view.psychotherapyNotes);
  return {
    format: MANIFEST_FORMAT,
    ...(view.documentId !== undefined ? { document: view.documentId } : {}),
    consent: c.id,
    client: view.clientId,
    recipient: recipientOf(c.recipient),
    purposes: [...c.purposes],
    categories: [...c.categories],
    date: view.date,
    generatedAt: view.generatedAt,
    labels: [...view.labels],
    part2: view.part2,
    included,
    withheld: WITHHELD_NOTICE,
    ...(view.unreadable?.length ? { incomplete: { unreadable: view.unreadable.map((u) => ({ kind: u.kind, id: u.id })) } } : {}),
    files: [...files]
      .map((f) => ({ name: f.name, sha256: f.sha256.toLowerCase() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** The manifest as written to disk: two-space JSON with a final newline. */
export const manifestText = (m: ShareManifest): string => `${JSON.stringify(m, null, 2)}\n`;

/** Notes in view order (date order), each followed by its addenda. */
const noteIds = (notes: readonly ShareNote[]): string[] => notes.flatMap((n) => [n.id, ...n.addenda.map((a) => a.id)]);

function recipientOf(r: ConsentRecipient): ConsentRecipient {
  const out: ConsentRecipient = { name: r.name };
  if (r.organization !== undefined) out.organization = r.organization;
  if (r.contact !== undefined) out.contact = r.contact;
  if (r.ageRecipient !== undefined) out.ageRecipient = r.ageRecipient;
  return out;
}
