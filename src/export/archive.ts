/**
 * The practitioner's own copy of a client's record for `chart export --format fhir|pdf`: the
 * whole (live) record, drafts and psychotherapy notes included, as nothing is disclosed to
 * anyone. FHIR: an R4 `collection` Bundle per client built from the share renderer's resources
 * (Patient, Practitioner, Condition, MedicationStatement, DocumentReference) without the
 * share's Composition, Consent and Provenance. PDF: a plain document per client (pdfkit,
 * loaded lazily).
 */
import { createHash } from "node:crypto";
import { displayName } from "../domain/client.js";
import { describeDxEvent, foldDiagnoses, statusWord } from "../domain/dx.js";
import type { ClientData } from "../domain/export.js";
import type { Label } from "../domain/labels.js";
import { describeMedEvent, foldMedications } from "../domain/med.js";
import type { NoteRecord } from "../domain/note.js";
import type { ShareNote, ShareView } from "../domain/share-view.js";
import { renderFhir, uuid, type FhirResource } from "./fhir.js";

/** The client's record in the share view's shape, for the FHIR resource builders. */
export function archiveView(c: ClientData, generatedAt: string, clinician: string): ShareView {
  const p = c.profile;
  const labels = new Set<Label>();
  const note = (n: NoteRecord): ShareNote => {
    for (const l of (n.labels ?? []) as Label[]) labels.add(l);
    const out: ShareNote = { id: n.id, type: n.type, template: n.template, date: n.date, status: n.status, labels: [...((n.labels ?? []) as Label[])].sort(), text: n.body, addenda: [] };
    if (n.duration) out.duration = n.duration;
    if (n.cpt) out.cpt = n.cpt;
    if (n.signed) Object.assign(out, { signedBy: n.signed.by, signedAt: n.signed.at });
    out.addenda = c.notes
      .filter((a) => a.addendumTo === n.id)
      .map((a) => ({ id: a.id, date: a.date, text: a.body, ...(a.signed ? { signedBy: a.signed.by, signedAt: a.signed.at } : {}) }));
    return out;
  };
  const tops = c.notes.filter((n) => n.type !== "addendum");
  const view: ShareView = {
    date: generatedAt.slice(0, 10),
    generatedAt,
    consent: { id: "export", recipient: { name: clinician }, discloser: clinician, purposes: ["practitioner's own archive"], categories: [], signed: generatedAt.slice(0, 10), signedBy: clinician },
    clientId: p.id,
    patient: { id: p.id, name: p.name, ...(p.preferredName ? { preferredName: p.preferredName } : {}), ...(p.pronouns ? { pronouns: p.pronouns } : {}), ...(p.dob ? { dob: p.dob } : {}), ...(p.email ? { email: p.email } : {}), ...(p.phone ? { phone: p.phone } : {}) },
    diagnoses: foldDiagnoses(c.dx).map((d) => {
      for (const l of d.labels ?? []) labels.add(l);
      return { code: d.code, status: d.status, since: d.since, added: d.added, primary: d.primary, labels: [...(d.labels ?? [])], items: [...d.events], ...(d.description ? { description: d.description } : {}), ...(d.onset ? { onset: d.onset } : {}), ...(d.resolved ? { resolved: d.resolved } : {}) };
    }),
    medications: foldMedications(c.meds).map((m) => {
      for (const l of m.labels ?? []) labels.add(l);
      const x = { med: m.med, name: m.name, started: m.started, active: m.active, labels: [...(m.labels ?? [])], items: [...m.events] };
      for (const k of ["dose", "route", "frequency", "prescriber", "stopped", "stopReason"] as const) if (m[k] !== undefined) Object.assign(x, { [k]: m[k] });
      return x;
    }),
    notes: tops.filter((n) => n.type !== "psychotherapy").map(note),
    psychotherapyNotes: tops.filter((n) => n.type === "psychotherapy").map(note),
    withheld: [],
    labels: [...labels].sort(),
    part2: labels.has("SUD") || labels.has("ETH"),
    items: [],
  };
  return view;
}

const KEEP = new Set(["Patient", "Practitioner", "Condition", "MedicationStatement", "DocumentReference"]);

/** A FHIR R4 `collection` Bundle of one client's record. */
export function archiveFhir(c: ClientData, generatedAt: string, clinician: string): FhirResource {
  const doc = renderFhir(archiveView(c, generatedAt, clinician)) as FhirResource & { entry: { resource: FhirResource }[]; meta?: unknown };
  const id = uuid(`export:${c.profile.id}:${generatedAt}`);
  return {
    resourceType: "Bundle",
    id,
    ...(doc.meta ? { meta: doc.meta } : {}),
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${id}` },
    type: "collection",
    timestamp: generatedAt,
    entry: doc.entry.filter((e) => KEEP.has(e.resource.resourceType)),
  };
}

/** A plain PDF of one client's record, for the practitioner's archive. */
export async function archivePdf(
  c: ClientData,
  generatedAt: string,
  clinician: string,
  o: { title?: string; intro?: string; notice?: readonly string[] } = {},
): Promise<Uint8Array> {
  const { default: PDFDocument } = await import("pdfkit");
  const { pdfText } = await import("./pdf.js");
  const created = new Date(generatedAt);
  const doc = new PDFDocument({ size: "LETTER", margin: 56, compress: true, info: { Title: pdfText(`Clinical record ${c.profile.id}`), Creator: "chart", Producer: "chart (PDFKit)", CreationDate: created, ModDate: created } });
  const holder = doc as unknown as { _id?: unknown };
  if (holder._id instanceof Uint8Array) holder._id = new Uint8Array(createHash("sha256").update(JSON.stringify(c)).digest().subarray(0, 16));
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on("data", (b: Buffer) => chunks.push(b));
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on("error", reject);
  });
  const voided = new Map(c.voids.map((v) => [v.target, `VOIDED ${v.at} by ${v.by}: ${v.reason}`]));
  const h = (s: string) => doc.moveDown(0.6).font("Helvetica-Bold").fontSize(13).text(pdfText(s)).font("Helvetica").fontSize(10).moveDown(0.2);
  const t = (s: string) => doc.font("Helvetica").fontSize(10).text(pdfText(s));
  const p = c.profile;
  doc.font("Helvetica-Bold").fontSize(16).text(pdfText(o.title ?? `Clinical record: ${displayName(p)}`));
  t(o.intro ?? `Client ${p.id}. Exported ${generatedAt} by ${clinician} for the practice's own records. Confidential.`);
  if (o.notice?.length) {
    h("Notice");
    for (const line of o.notice) t(line);
  }
  if (voided.has(p.id)) t(voided.get(p.id) as string);
  h("Profile");
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the profile is read from a stored record: admitted may be absent
  for (const [k, v] of [["Pronouns", p.pronouns], ["Date of birth", p.dob], ["Email", p.email], ["Phone", p.phone], ["Emergency contact", p.emergencyContact], ["Status", `${p.status}, admitted ${p.admitted ?? "?"}${p.discharged ? `, discharged ${p.discharged}` : ""}`]] as const) if (v) t(`${k}: ${v}`);
  h("Diagnoses");
  const live = <T extends { id: string }>(xs: readonly T[]) => xs.filter((x) => !voided.has(x.id));
  const dx = foldDiagnoses(live(c.dx));
  if (!dx.length) t("None in this export.");
  for (const d of dx) t(`${d.code} ${d.description ?? ""}: ${statusWord(d.status)} since ${d.since}${d.primary ? " (primary)" : ""}`);
  for (const e of c.dx) t(`  ${e.date}  ${describeDxEvent(e)}${voided.has(e.id) ? " (voided)" : ""}`);
  h("Medications");
  const meds = foldMedications(live(c.meds));
  if (!meds.length) t("None in this export.");
  for (const m of meds) t(`${m.name} ${m.dose ?? ""}: ${m.active ? "active" : `stopped ${m.stopped ?? ""}`}, started ${m.started}`);
  const names = new Map(foldMedications(c.meds).map((m) => [m.med, m.name]));
  for (const e of c.meds) t(`  ${e.date}  ${describeMedEvent(e, names.get(e.med))}${voided.has(e.id) ? " (voided)" : ""}`);
  h("Notes");
  const tops = c.notes.filter((n) => n.type !== "addendum");
  if (!tops.length) t("None in this export.");
  for (const n of tops) {
    doc.moveDown(0.4).font("Helvetica-Bold").fontSize(11).text(pdfText(`${n.date}  ${n.type}${n.duration ? `, ${n.duration} min` : ""}${n.cpt ? `, CPT ${n.cpt}` : ""}  (${n.id})`));
    t(n.signed ? `Signed by ${n.signed.by} at ${n.signed.at}` : "Draft (unsigned)");
    if (voided.has(n.id)) t(voided.get(n.id) as string);
    t(n.body.trimEnd());
    for (const a of c.notes.filter((x) => x.addendumTo === n.id)) {
      doc.moveDown(0.3).font("Helvetica-Oblique").fontSize(10).text(pdfText(`Addendum ${a.date} (${a.id})${a.signed ? `, signed by ${a.signed.by}` : ", draft"}`));
      t(a.body.trimEnd());
    }
  }
  if (c.consents.length || c.disclosures.length) {
    h("Authorizations and disclosures");
    for (const k of c.consents) {
      const x = k as unknown as Record<string, unknown>;
      t(x.event === "grant" ? `${k.id}: to ${(x.recipient as { name: string }).name}; ${(x.categories as string[]).join(", ")}; signed ${String(x.signed)}` : `${k.id}: revokes ${String(x.revokes)} on ${String(x.date)}`);
    }
    for (const d of c.disclosures) t(`${d.date}: disclosed to ${d.recipient.name}: ${d.description}`);
  }
  doc.end();
  return done;
}
