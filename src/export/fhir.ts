/**
 * Render a ShareView as a FHIR R4 document Bundle.
 *
 * Layout: entry[0] is the Composition (LOINC 34133-9 "Summary of episode note": a share carries
 * a summary of the care episode — problems, medications, several notes — rather than the single
 * consultation answer that 11488-4 "Consult note" describes), then the Patient, the Practitioner
 * who discloses, Conditions, MedicationStatements, one DocumentReference per note and per
 * addendum (addenda point at their note with relatesTo "appends"), the Consent, and a Provenance
 * over everything.
 *
 * Identity: the Bundle, Composition and Provenance take name-based UUIDs (RFC 4122 version 5)
 * of the document id (the disclosure's id, set by `chart share`), so every share is its own
 * document; clinical resources take UUIDs of their record ids, so the same note keeps its UUID
 * across bundles. The same view gives the same JSON.
 * Only what the view carries is written: no field is guessed or filled in.
 *
 * Security labels follow the HL7 FHIR DS4P IG (docs/bundle-format.md quotes the rules): one
 * confidentiality code per labelled resource, sensitivity codes, the `42CFRPart2` policy on
 * Part 2 material, and the `NORDSCLCD` refrain on the labelled clinical resources, never in
 * the high-water-mark labels of the Bundle or of a DocumentReference.
 */
import { createHash } from "node:crypto";
import { CATEGORY_LABELS, type ShareCategory } from "../domain/consent.js";
import { LABELS, PART2_LABELS, type Label } from "../domain/labels.js";
import { LABEL_SYSTEM } from "../domain/labels.js";
import type { NoteType } from "../domain/note.js";
import type { ShareAddendum, ShareDiagnosis, ShareMedication, ShareNote, ShareView } from "../domain/share-view.js";
import { CONFIDENTIALITY_NOTICE, PART2_NOTICE, WITHHELD_NOTICE } from "../domain/share-view.js";
import { rxnormFor, RXNORM_SYSTEM } from "./rxnorm.js";

export type FhirResource = { resourceType: string } & Record<string, unknown>;
type Json = Record<string, unknown>;

/** Identifier system for chart record ids (cl_…, nt_…, dx_…, md_…, cs_…). */
export const CHART_ID_SYSTEM = "urn:chart:id";

const LOINC = "http://loinc.org";
const ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
const CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
const XHTML = "http://www.w3.org/1999/xhtml";

/** FHIR resource types a consent category puts in the bundle (for Consent.provision.class). */
const CATEGORY_CLASS: Partial<Record<ShareCategory, string>> = {
  demographics: "Patient",
  diagnoses: "Condition",
  medications: "MedicationStatement",
  notes: "DocumentReference",
  "psychotherapy-notes": "DocumentReference",
};

/**
 * LOINC document types (Document Ontology) for every note kind: the exact kind where LOINC
 * has one, otherwise the generic "Note" (34109-9); the text keeps chart's own name.
 */
const NOTE_TYPE: Record<NoteType, { text: string; loinc: [string, string] }> = {
  progress: { text: "Progress note", loinc: ["11506-3", "Progress note"] },
  "treatment-plan": { text: "Treatment plan", loinc: ["18776-5", "Plan of care note"] },
  intake: { text: "Intake", loinc: ["34117-2", "History and physical note"] },
  contact: { text: "Contact note", loinc: ["34109-9", "Note"] },
  psychotherapy: { text: "Psychotherapy note", loinc: ["34109-9", "Note"] },
  addendum: { text: "Addendum", loinc: ["55107-7", "Addendum Document"] },
};

/** v3 PurposeOfUse codes for purposes stated in these exact words; others are sent as text. */
const PURPOSE_CODES: Record<string, [string, string]> = {
  treatment: ["TREAT", "treatment"],
  payment: ["HPAYMT", "healthcare payment"],
  "healthcare operations": ["HOPERAT", "healthcare operations"],
  "care coordination": ["CAREMGT", "care management"],
  "coordination of care": ["CAREMGT", "care management"],
  "care management": ["CAREMGT", "care management"],
  "at the request of the client": ["PATRQT", "patient requested"],
  "at the client's request": ["PATRQT", "patient requested"],
  "patient request": ["PATRQT", "patient requested"],
  "client request": ["PATRQT", "patient requested"],
};

export function renderFhir(view: ShareView): FhirResource {
  const c = view.consent;
  const doc = documentKey(view);
  const ids = {
    bundle: uuid(`bundle:${doc}`),
    composition: uuid(`composition:${doc}`),
    provenance: uuid(`provenance:${doc}`),
    patient: uuid(`patient:${view.clientId}`),
    // Not the name alone (two clinicians share names): the NPI when the practice has one, else
    // the discloser within this document.
    practitioner: view.practice?.npi ? uuid(`practitioner:npi:${view.practice.npi}`) : uuid(`practitioner:${doc}:${c.discloser}`),
    consent: uuid(`consent:${c.id}`),
  };
  const ref = (id: string): Json => ({ reference: `urn:uuid:${id}` });
  const patientRef = ref(ids.patient);

  const conditions = (view.diagnoses ?? []).map((d) => ({ id: uuid(`condition:${d.items[0] ?? `${view.clientId}:${d.code}`}`), d }));
  const medications = (view.medications ?? []).map((m) => ({ id: uuid(`medication:${m.med}`), m }));
  const noteDocs = (list: readonly ShareNote[] | undefined): { id: string; resource: FhirResource }[] =>
    (list ?? []).flatMap((n) => {
      const noteId = uuid(`note:${n.id}`);
      return [
        { id: noteId, resource: noteResource(n, noteId, patientRef) },
        ...n.addenda.map((a) => {
          const id = uuid(`note:${a.id}`);
          return { id, resource: addendumResource(a, n, id, patientRef, ref(noteId)) };
        }),
      ];
    });
  const notes = noteDocs(view.notes);
  const psychotherapy = noteDocs(view.psychotherapyNotes);

  const sections: Json[] = [];
  if (view.diagnoses) {
    sections.push(
      section("Problems", [LOINC, "11450-4", "Problem list - Reported"], conditions.map((x) => ref(x.id)), view.diagnoses.map(dxLine)),
    );
  }
  if (view.medications) {
    sections.push(
      section(
        "Medications",
        [LOINC, "10160-0", "History of Medication use Narrative"],
        medications.map((x) => ref(x.id)),
        view.medications.map(medLine),
      ),
    );
  }
  if (view.notes) sections.push(section("Clinical notes", undefined, notes.map((x) => ref(x.id)), noteLines(view.notes)));
  if (view.psychotherapyNotes) {
    sections.push(section("Psychotherapy notes", undefined, psychotherapy.map((x) => ref(x.id)), noteLines(view.psychotherapyNotes)));
  }
  sections.push(section("Authorization", undefined, [ref(ids.consent)], consentLines(view)));
  sections.push(textSection("Withheld from this disclosure", [WITHHELD_NOTICE]));
  sections.push(textSection("Notices", view.part2 ? [CONFIDENTIALITY_NOTICE, PART2_NOTICE] : [CONFIDENTIALITY_NOTICE]));

  // High-water mark of the whole document: confidentiality, sensitivity, policy; no refrain.
  const bundleSecurity = [confidentialityR(), ...view.labels.map(labelCoding), ...(view.part2 ? [part2Policy()] : [])];
  // The Composition carries the document's handling caveats, the Part 2 refrain included.
  const compositionSecurity = [...bundleSecurity, ...(view.part2 ? [nordscld()] : [])];
  const composition: FhirResource = {
    resourceType: "Composition",
    id: ids.composition,
    meta: { security: compositionSecurity },
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${ids.composition}` },
    status: "final",
    type: { coding: [{ system: LOINC, code: "34133-9", display: "Summary of episode note" }] },
    subject: patientRef,
    date: view.generatedAt,
    author: [ref(ids.practitioner)],
    title: `Disclosure under authorization ${c.id}`,
    confidentiality: "R",
    // The clinician named in the practice profile attests the document (legal authenticator).
    attester: view.practice?.clinician ? [{ mode: "legal", time: view.generatedAt, party: ref(ids.practitioner) }] : undefined,
    section: sections,
  };

  const entries: { id: string; resource: FhirResource }[] = [
    { id: ids.composition, resource: composition },
    { id: ids.patient, resource: patientResource(view, ids.patient) },
    { id: ids.practitioner, resource: practitionerResource(view, ids.practitioner) },
    ...conditions.map((x) => ({ id: x.id, resource: conditionResource(x.d, x.id, patientRef) })),
    ...medications.map((x) => ({ id: x.id, resource: medicationResource(x.m, x.id, patientRef) })),
    ...notes,
    ...psychotherapy,
    { id: ids.consent, resource: consentResource(view, ids.consent, patientRef) },
  ];
  const provenance: FhirResource = {
    resourceType: "Provenance",
    id: ids.provenance,
    target: entries.map((e) => ref(e.id)),
    recorded: view.generatedAt,
    policy: [`urn:uuid:${ids.consent}`],
    agent: [
      {
        type: {
          coding: [{ system: "http://terminology.hl7.org/CodeSystem/provenance-participant-type", code: "author", display: "Author" }],
        },
        who: ref(ids.practitioner),
      },
    ],
  };
  entries.push({ id: ids.provenance, resource: provenance });

  const bundle: FhirResource = {
    resourceType: "Bundle",
    id: ids.bundle,
    meta: { security: bundleSecurity },
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${ids.bundle}` },
    type: "document",
    timestamp: view.generatedAt,
    entry: entries.map((e) => ({ fullUrl: `urn:uuid:${e.id}`, resource: e.resource })),
  };
  return JSON.parse(JSON.stringify(bundle)) as FhirResource; // drops undefined fields
}

const NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi";

/** The discloser: from the practice profile when there is one (name, NPI, licence), else the authorization's words. */
function practitionerResource(view: ShareView, id: string): FhirResource {
  const p = view.practice;
  const r: FhirResource = { resourceType: "Practitioner", id };
  if (p?.npi) r.identifier = [{ system: NPI_SYSTEM, value: p.npi }];
  r.name = [{ text: p?.clinician ? (p.credentials ? `${p.clinician}, ${p.credentials}` : p.clinician) : view.consent.discloser }];
  const telecom = [...(p?.phone ? [{ system: "phone", value: p.phone }] : []), ...(p?.email ? [{ system: "email", value: p.email }] : [])];
  if (telecom.length) r.telecom = telecom;
  if (p?.license || p?.credentials) {
    r.qualification = [
      {
        identifier: p.license ? [{ value: p.license, ...(p.licenseState ? { assigner: { display: `State of ${p.licenseState}` } } : {}) }] : undefined,
        code: { text: [p.credentials, p.licenseState ? `licensed in ${p.licenseState}` : ""].filter(Boolean).join(", ") || "licensed" },
      },
    ];
  }
  return r;
}

function patientResource(view: ShareView, id: string): FhirResource {
  const p = view.patient;
  const r: FhirResource = { resourceType: "Patient", id, identifier: [{ system: CHART_ID_SYSTEM, value: view.clientId }] };
  if (!p) return r;
  if (p.pronouns) {
    r.extension = [
      {
        url: "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
        extension: [{ url: "value", valueCodeableConcept: { text: p.pronouns } }],
      },
    ];
  }
  r.name = [{ use: "official", text: p.name }, ...(p.preferredName ? [{ use: "usual", text: p.preferredName }] : [])];
  const telecom = [
    ...(p.phone ? [{ system: "phone", value: p.phone }] : []),
    ...(p.email ? [{ system: "email", value: p.email }] : []),
  ];
  if (telecom.length > 0) r.telecom = telecom;
  if (p.dob) r.birthDate = p.dob;
  return r;
}

/** provisional -> verification provisional; ruled-out -> refuted (inactive); resolved -> clinical resolved. */
function conditionStatus(d: ShareDiagnosis): { clinical: string; verification: string } {
  switch (d.status) {
    case "provisional":
      return { clinical: "active", verification: "provisional" };
    case "active":
      return { clinical: "active", verification: "confirmed" };
    case "resolved":
      return { clinical: "resolved", verification: "confirmed" };
    case "ruled-out":
      return { clinical: "inactive", verification: "refuted" };
  }
}

function conditionResource(d: ShareDiagnosis, id: string, subject: Json): FhirResource {
  const s = conditionStatus(d);
  return {
    resourceType: "Condition",
    id,
    meta: security(d.labels),
    identifier: d.items.map((value) => ({ system: CHART_ID_SYSTEM, value })),
    clinicalStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: s.clinical }] },
    verificationStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-ver-status", code: s.verification }] },
    category: [
      {
        coding: [
          { system: "http://terminology.hl7.org/CodeSystem/condition-category", code: "problem-list-item", display: "Problem List Item" },
        ],
      },
    ],
    code: { coding: [{ system: ICD10CM, code: d.code, display: d.description }], text: d.description },
    subject,
    onsetDateTime: d.onset,
    abatementDateTime: d.status === "resolved" ? d.resolved : undefined,
    recordedDate: d.added,
    note: d.primary ? [{ text: "Primary diagnosis" }] : undefined,
  };
}

function medicationResource(m: ShareMedication, id: string, subject: Json): FhirResource {
  const dosageText = [m.dose, m.route, m.frequency].filter((x) => x).join(", ");
  const rx = rxnormFor(m.name);
  const notes: Json[] = [
    ...(m.prescriber ? [{ text: `Prescriber: ${m.prescriber}` }] : []),
    ...(m.changes ?? []).map((c) => {
      const what = [c.dose, c.route, c.frequency].filter((x) => x).join(", ");
      const by = c.prescriber ? `${what ? "; " : ""}prescriber ${c.prescriber}` : "";
      return { time: c.date, text: `Changed on ${c.date}: ${what}${by || (what ? "" : "changed")}${c.reason ? ` (reason: ${c.reason})` : ""}` };
    }),
  ];
  return {
    resourceType: "MedicationStatement",
    id,
    meta: security(m.labels),
    identifier: m.items.map((value) => ({ system: CHART_ID_SYSTEM, value })),
    status: m.active ? "active" : "stopped",
    statusReason: !m.active && m.stopReason ? [{ text: m.stopReason }] : undefined,
    medicationCodeableConcept: { coding: rx ? [{ system: RXNORM_SYSTEM, code: rx.code, display: rx.display }] : undefined, text: m.name },
    subject,
    effectivePeriod: { start: m.started, end: m.active ? undefined : m.stopped },
    // The history travels with the statement: each change, with its date and reason.
    note: notes.length > 0 ? notes : undefined,
    dosage:
      dosageText === ""
        ? undefined
        : [
            {
              text: dosageText,
              timing: m.frequency ? { code: { text: m.frequency } } : undefined,
              route: m.route ? { text: m.route } : undefined,
            },
          ],
  };
}

function noteResource(n: ShareNote, id: string, subject: Json): FhirResource {
  const t = NOTE_TYPE[n.type];
  const detail = [`template ${n.template}`, ...(n.duration !== undefined ? [`${n.duration} min`] : [])].join(", ");
  return {
    resourceType: "DocumentReference",
    id,
    meta: security(n.labels, false),
    identifier: [{ system: CHART_ID_SYSTEM, value: n.id }],
    status: "current",
    docStatus: n.status === "signed" ? "final" : "preliminary",
    type: { coding: [{ system: LOINC, code: t.loinc[0], display: t.loinc[1] }], text: t.text },
    subject,
    date: n.signedAt,
    authenticator: n.signedBy ? { display: n.signedBy } : undefined,
    description: `${t.text} of ${n.date} (${detail})`,
    securityLabel: documentLabels(n.labels),
    content: [{ attachment: attachment(n.text, `${t.text} ${n.date}`, n.date) }],
    context: {
      event: n.cpt ? [{ coding: [{ system: "http://www.ama-assn.org/go/cpt", code: n.cpt }] }] : undefined,
      period: { start: n.date },
    },
  };
}

function addendumResource(a: ShareAddendum, note: ShareNote, id: string, subject: Json, noteRef: Json): FhirResource {
  return {
    resourceType: "DocumentReference",
    id,
    meta: security(note.labels, false), // an addendum carries its note's sensitivity
    identifier: [{ system: CHART_ID_SYSTEM, value: a.id }],
    status: "current",
    docStatus: a.signedBy || a.signedAt ? "final" : "preliminary",
    type: { coding: [{ system: LOINC, code: "55107-7", display: "Addendum Document" }], text: "Addendum" },
    subject,
    date: a.signedAt,
    authenticator: a.signedBy ? { display: a.signedBy } : undefined,
    description: `Addendum of ${a.date} to the ${NOTE_TYPE[note.type].text.toLowerCase()} of ${note.date}`,
    relatesTo: [{ code: "appends", target: noteRef }],
    securityLabel: documentLabels(note.labels),
    content: [{ attachment: attachment(a.text, `Addendum ${a.date}`, a.date) }],
    context: { period: { start: a.date } },
  };
}

function attachment(text: string, title: string, date: string): Json {
  const bytes = Buffer.from(text, "utf8");
  return {
    contentType: "text/markdown",
    data: bytes.toString("base64"),
    size: bytes.length,
    hash: createHash("sha1").update(bytes).digest("base64"),
    title,
    creation: date,
  };
}

function consentResource(view: ShareView, id: string, patient: Json): FhirResource {
  const c = view.consent;
  const byCategory: Partial<Record<ShareCategory, readonly Label[]>> = CATEGORY_LABELS;
  const labels = [...new Set(c.categories.flatMap((k) => byCategory[k] ?? []))];
  const classes = [...new Set(c.categories.flatMap((k) => CATEGORY_CLASS[k] ?? []))];
  const recipient = c.recipient.organization && c.recipient.organization !== c.recipient.name ? `${c.recipient.name}, ${c.recipient.organization}` : c.recipient.name;
  const policy = [{ uri: "https://www.ecfr.gov/current/title-45/section-164.508" }];
  if (view.part2) policy.push({ uri: "https://www.ecfr.gov/current/title-42/part-2" });
  return {
    resourceType: "Consent",
    id,
    text: narrative(consentLines(view)),
    identifier: [{ system: CHART_ID_SYSTEM, value: c.id }],
    status: "active",
    scope: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy", display: "Privacy Consent" }],
    },
    category: [{ coding: [{ system: LOINC, code: "59284-0", display: "Patient Consent" }] }],
    patient,
    dateTime: c.signed,
    // The statements the signed authorization carries (45 CFR 164.508(c)(2); 42 CFR 2.31 for
    // substance use records), as text a receiving system can show: one per line.
    sourceAttachment: c.statements?.length
      ? {
          contentType: "text/plain; charset=utf-8",
          language: "en-US",
          data: Buffer.from(`${c.statements.join("\n")}\n`, "utf8").toString("base64"),
          title: `Statements of the signed authorization (45 CFR 164.508(c)(2)${c.categories.includes("substance-use") ? "; 42 CFR 2.31" : ""})`,
        }
      : undefined,
    // The signer is usually the client: named only when the view carries demographics.
    performer: view.patient ? [{ display: c.authority ? `${c.signedBy} (${c.authority})` : c.signedBy }] : undefined,
    policy,
    provision: {
      type: "permit",
      period: { start: c.signed, end: c.expires },
      actor: [
        {
          role: {
            coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "IRCP", display: "information recipient" }],
          },
          reference: { display: recipient },
        },
      ],
      securityLabel: labels.length > 0 ? labels.map(labelCoding) : undefined,
      purpose: c.purposes.map(purposeCoding),
      class: classes.length > 0 ? classes.map((code) => ({ system: "http://hl7.org/fhir/resource-types", code })) : undefined,
      dataPeriod: c.from || c.until ? { start: c.from, end: c.until } : undefined,
    },
  };
}

function purposeCoding(purpose: string): Json {
  const code = PURPOSE_CODES[purpose.trim().toLowerCase()];
  return code ? { system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: code[0], display: code[1] } : { display: purpose };
}

// --- sections and narrative -----------------------------------------------------------------

function section(title: string, code: [string, string, string] | undefined, entry: Json[], lines: string[]): Json {
  return {
    title,
    code: code ? { coding: [{ system: code[0], code: code[1], display: code[2] }] } : undefined,
    text: narrative(lines.length > 0 ? lines : ["None recorded."]),
    entry: entry.length > 0 ? entry : undefined,
    emptyReason:
      entry.length === 0
        ? { coding: [{ system: "http://terminology.hl7.org/CodeSystem/list-empty-reason", code: "nilknown", display: "Nil Known" }] }
        : undefined,
  };
}

const textSection = (title: string, lines: string[]): Json => ({ title, text: narrative(lines) });

function narrative(lines: string[]): Json {
  const items = lines.map((l) => `<li>${escapeXml(l)}</li>`).join("");
  return { status: "generated", div: `<div xmlns="${XHTML}"><ul>${items}</ul></div>` };
}

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const DX_STATUS: Record<ShareDiagnosis["status"], string> = {
  provisional: "provisional",
  active: "active",
  resolved: "resolved",
  "ruled-out": "ruled out",
};

function dxLine(d: ShareDiagnosis): string {
  const bits = [DX_STATUS[d.status], `since ${d.since}`];
  if (d.primary) bits.push("primary");
  return `${d.code}${d.description ? ` ${d.description}` : ""} (${bits.join(", ")})`;
}

function medLine(m: ShareMedication): string {
  const dosage = [m.dose, m.route, m.frequency].filter((x) => x).join(", ");
  const period = m.active ? `since ${m.started}` : `${m.started} to ${m.stopped ?? "?"}`;
  return `${m.name}${dosage ? ` ${dosage}` : ""} (${m.active ? "active" : "stopped"}, ${period})`;
}

function noteLines(notes: readonly ShareNote[]): string[] {
  return notes.map((n) => {
    const addenda = n.addenda.length > 0 ? `, ${n.addenda.length} addend${n.addenda.length === 1 ? "um" : "a"}` : "";
    return `${n.date} ${NOTE_TYPE[n.type].text} (${n.status === "signed" ? "signed" : "draft"}${addenda})`;
  });
}

function consentLines(view: ShareView): string[] {
  const c = view.consent;
  const signer = view.patient ? ` by ${c.signedBy}${c.authority ? ` (${c.authority})` : ""}` : "";
  const lines = [`Authorization ${c.id}, signed ${c.signed}${signer}`];
  const to = [c.recipient.name, c.recipient.organization, c.recipient.contact].filter((x) => x).join(", ");
  lines.push(`Recipient: ${to}`);
  lines.push(`Purpose: ${c.purposes.join("; ")}`);
  lines.push(`Categories: ${c.categories.join(", ")}`);
  if (c.from || c.until) lines.push(`Information dated: ${[c.from ? `from ${c.from}` : "", c.until ? `until ${c.until}` : ""].filter((x) => x).join(" ")}`);
  if (c.expires) lines.push(`Expires: ${c.expires}`);
  if (c.expiresOn) lines.push(`Expires on: ${c.expiresOn}`);
  lines.push(`Disclosed by: ${c.discloser}`);
  for (const st of c.statements ?? []) lines.push(`Statement: ${st}`);
  return lines;
}

// --- security labels ------------------------------------------------------------------------

const labelCoding = (l: Label): Json => ({ system: LABEL_SYSTEM, code: l, display: LABELS[l] });
/** v3 RefrainPolicy NORDSCLCD: "no redisclosure without consent directive". */
const nordscld = (): Json => ({ system: LABEL_SYSTEM, code: "NORDSCLCD", display: "no redisclosure without consent directive" });
/** v3 ActPrivacyLaw 42CFRPart2: the policy under which Part 2 material is labelled. */
const part2Policy = (): Json => ({ system: LABEL_SYSTEM, code: "42CFRPart2", display: "42 CFR Part2" });
const confidentialityR = (): Json => ({ system: CONFIDENTIALITY_SYSTEM, code: "R", display: "restricted" });

const isPart2 = (labels: readonly Label[]): boolean => labels.some((l) => PART2_LABELS.includes(l));

/**
 * Security labels of a labelled item: exactly one confidentiality code (R), its sensitivity
 * codes, and for Part 2 material (SUD, ETH) the 42CFRPart2 policy and, where the IG allows a
 * refrain (`refrain`), NORDSCLCD. Unlabelled items carry none.
 */
export function securityCodings(labels: readonly Label[], refrain: boolean): Json[] {
  if (labels.length === 0) return [];
  const part2 = isPart2(labels);
  return [confidentialityR(), ...labels.map(labelCoding), ...(part2 ? [part2Policy()] : []), ...(part2 && refrain ? [nordscld()] : [])];
}

function security(labels: readonly Label[], refrain = true): Json | undefined {
  const codings = securityCodings(labels, refrain);
  return codings.length > 0 ? { security: codings } : undefined;
}

/** DocumentReference.securityLabel: the labels of the document itself, its refrain included. */
function documentLabels(labels: readonly Label[]): Json[] | undefined {
  const codings = securityCodings(labels, true);
  return codings.length > 0 ? codings.map((coding) => ({ coding: [coding] })) : undefined;
}

/** What names this document: the disclosure id, else (a dry run, a test view) authorization and instant. */
const documentKey = (view: ShareView): string => view.documentId ?? `${view.consent.id}:${view.generatedAt}`;

// --- deterministic UUIDs --------------------------------------------------------------------

/** A fixed namespace for chart's name-based UUIDs. */
const NAMESPACE = Buffer.from("6f1d3c2a9b8e4f7d8a5c0e2b4d6f8a1c", "hex");

/** RFC 4122 version 5 (SHA-1, name-based) UUID of `name` in chart's namespace. */
export function uuid(name: string): string {
  const h = createHash("sha1").update(NAMESPACE).update(name, "utf8").digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
