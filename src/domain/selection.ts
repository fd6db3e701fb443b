/**
 * The share selection: a pure function of (one client's chart, an authorization with its
 * revocations, today) giving the ShareView every renderer draws from. Nothing outside the
 * authorization is put in the view, so nothing outside it can reach a PDF, FHIR bundle or
 * manifest.
 *
 * Rules (docs/sharing.md explains them to users):
 * - the authorization must be this client's and active today, else a refusal (exit 3);
 * - only the categories it names; a psychotherapy-notes authorization shares those notes and
 *   nothing else but the client id;
 * - notes by date of service within [from, until] (until never later than today); addenda
 *   travel with their note whatever their own date;
 * - medication and diagnosis histories are cut at the end of the range: the entry shows its
 *   state as of `until` (events after it are left out), and is included when it was current at
 *   some time in the range (started/added on or before the end, not stopped/resolved before the
 *   start);
 * - an item carrying a restricting sensitivity label (SUD, ETH, HIV, SDV, PSYTHPN, and labels
 *   no category covers: SEX, STD, GDIS...) is shared only when the authorization names that
 *   sensitivity; for medications and diagnoses the labels of the whole history count;
 * - only signed notes and addenda are shared; drafts are withheld as "unsigned draft";
 * - private passages become "[withheld]".
 * The view's `withheld` counts say what was left out in words that disclose nothing outside
 * the authorization (no label names, no sensitive category); `explainShare` gives the detailed
 * reasons for the clinician (dry run).
 */
import type { ClientRecord } from "./client.js";
import {
  assertActive,
  SHARE_CATEGORIES,
  unauthorisedLabels,
  labelCategory,
  type ConsentGrant,
  type ConsentRevocation,
  type ShareCategory,
} from "./consent.js";
import type { IsoDate } from "./dates.js";
import { foldDiagnoses, type DxEventRecord } from "./dx.js";
import { ChartError } from "./errors.js";
import { byEventOrder, groupBy } from "./events.js";
import { dxEventLabels } from "./dx-labels.js";
import { PART2_LABELS, type Label } from "./labels.js";
import { foldMedications, type MedEventRecord } from "./med.js";
import { redactPrivate, type NoteRecord } from "./note.js";
import { isClientVoided, voidedIds, type VoidRecord } from "./void.js";
import { compareNames } from "./name-order.js";
import type {
  ShareAddendum,
  ShareDiagnosis,
  ShareMedChange,
  ShareMedication,
  ShareNote,
  SharePatient,
  ShareView,
  WithheldCount,
} from "./share-view.js";

/** One client's chart data, as read from the store. */
export interface ShareInput {
  profile: ClientRecord;
  notes: readonly NoteRecord[]; // all notes, psychotherapy notes and addenda included
  meds: readonly MedEventRecord[];
  dx: readonly DxEventRecord[];
  /** The client's voids: records they reach are never selected (docs/corrections.md). */
  voids?: readonly VoidRecord[];
}

/** The authorization and the revocations recorded for the client. */
export interface ShareConsent {
  grant: ConsentGrant;
  revocations: readonly ConsentRevocation[];
}

/** What was withheld, in detail, for the clinician: never part of the view. */
export interface WithheldDetail {
  category: string;
  reason: string;
  count: number;
  items: string[];
}

export interface Selection {
  view: ShareView;
  withheld: WithheldDetail[];
}

/** Reasons in the view: they say why without saying what the withheld item is. */
export const PUBLIC_REASON = {
  notCovered: "not covered by this authorization",
  unsigned: "unsigned draft",
  private: "marked private by the clinician",
} as const;

const DETAIL = {
  category: "category not in the authorization",
  psychotherapy: "psychotherapy notes need their own authorization",
  range: "outside the authorization's date range",
  afterRange: "after the authorization's date range",
  unsigned: PUBLIC_REASON.unsigned,
  private: "marked private",
  withNote: "goes with its withheld note",
  orphan: "its note is missing",
  noStart: "no start event",
  conflict: "does not apply to the history (see the history command)",
} as const;

const labelReason = (labels: readonly Label[]): string => {
  const none = labels.filter((l) => labelCategory(l) === undefined);
  const some = labels.filter((l) => labelCategory(l) !== undefined);
  return [
    some.length ? `labelled ${some.join(", ")}: not authorised` : "",
    none.length ? `labelled ${none.join(", ")}: no share category covers it` : "",
  ]
    .filter(Boolean)
    .join("; ");
};

/** The share category order, then the extra withheld categories. */
const CATEGORY_ORDER = ["demographics", "diagnoses", "diagnosis history", "medications", "medication history", "notes", "psychotherapy-notes", "addenda", "private passages"];

/** How a withheld category shows in the view: psychotherapy notes count as notes there. */
const publicCategory = (category: string): string | undefined => {
  if (category === "psychotherapy-notes") return "notes";
  if (category === "diagnosis history" || category === "medication history") return undefined; // part of an included entry
  return category;
};

const publicReason = (reason: string): string => {
  if (reason === DETAIL.unsigned) return PUBLIC_REASON.unsigned;
  if (reason === DETAIL.private) return PUBLIC_REASON.private;
  return PUBLIC_REASON.notCovered;
};

/** The instant a view carries: the date at midnight UTC, so one day's shares are identical. */
export const viewInstant = (today: IsoDate): string => `${today}T00:00:00Z`;

/**
 * Records entered in error never reach a share: a voided client or authorization refuses the
 * share (exit 3); voided notes (with their addenda), events and revocations are left out as if
 * never written.
 */
function dropVoided(input: ShareInput, consent: ShareConsent): { input: ShareInput; consent: ShareConsent } {
  const voids = (input.voids ?? []).filter((v) => v.client === input.profile.id);
  if (voids.length === 0 || consent.grant.client !== input.profile.id) return { input, consent }; // refused below
  if (isClientVoided(input.profile.id, voids)) {
    throw new ChartError("invalid", "E_CLIENT_VOIDED", `client ${input.profile.id.slice(0, 11)} was voided (entered in error); nothing was shared`, "share from the client the records belong to");
  }
  const gone = voidedIds([...input.notes, ...input.meds, ...input.dx, consent.grant, ...consent.revocations], voids);
  if (gone.has(consent.grant.id)) {
    throw new ChartError("invalid", "E_CONSENT_VOIDED", `authorization ${consent.grant.id.slice(0, 11)} was voided (entered in error); nothing was shared`, "record the authorization the client actually signed (chart consent add)");
  }
  const keep = <T extends { id: string }>(list: readonly T[]) => list.filter((r) => !gone.has(r.id));
  return {
    input: { profile: input.profile, notes: keep(input.notes), meds: keep(input.meds), dx: keep(input.dx) },
    consent: { grant: consent.grant, revocations: keep(consent.revocations) },
  };
}

/** The pure selection: a ShareView of exactly what the authorization allows today. */
export function selectShare(input: ShareInput, consent: ShareConsent, today: IsoDate): ShareView {
  return explainShare(input, consent, today).view;
}

/** The selection with the detailed account of what was withheld and why. */
export function explainShare(rawInput: ShareInput, rawConsent: ShareConsent, today: IsoDate): Selection {
  const { input, consent } = dropVoided(rawInput, rawConsent);
  const { profile } = input;
  const { grant } = consent;
  if (grant.client !== profile.id) {
    throw new ChartError("invalid", "E_CONSENT_OTHER_CLIENT", `authorization ${grant.id.slice(0, 11)} belongs to another client; nothing was shared`, "name the authorization of this client (chart consent list CLIENT)");
  }
  if ((grant as { event?: string }).event !== "grant") {
    throw new ChartError("invalid", "E_CONSENT_NOT_GRANT", `${grant.id.slice(0, 11)} is a revocation, not an authorization`, "name the authorization itself (chart consent list CLIENT)");
  }
  assertActive(
    grant,
    consent.revocations.filter((r) => r.client === profile.id),
    today,
    profile.status === "discharged" && profile.discharged ? { discharged: profile.discharged } : {},
  );
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the grant is read from a stored record: categories may be absent
  const cats: ShareCategory[] = SHARE_CATEGORIES.filter((c) => (grant.categories ?? []).includes(c));
  if (cats.includes("psychotherapy-notes") && cats.length > 1) {
    throw new ChartError("invalid", "E_CONSENT_PSYCHOTHERAPY_COMBINED", `authorization ${grant.id.slice(0, 11)} combines psychotherapy notes with other categories; nothing was shared`, "record separate authorizations (chart consent add)");
  }
  const has = (c: ShareCategory) => cats.includes(c);
  const lo = grant.from;
  const hi = grant.until !== undefined && grant.until < today ? grant.until : today;
  const inRange = (d: IsoDate) => (lo === undefined || d >= lo) && d <= hi;

  const detail = new Map<string, WithheldDetail>();
  const withhold = (category: string, reason: string, ids: readonly string[], count = 1) => {
    const key = `${category}\u0000${reason}`;
    const d = detail.get(key) ?? { category, reason, count: 0, items: [] };
    d.count += count;
    d.items.push(...ids);
    detail.set(key, d);
  };
  const items = new Set<string>();
  const labels = new Set<Label>();

  // Demographics
  let patient: SharePatient | undefined;
  if (has("demographics")) {
    patient = { id: profile.id, name: profile.name };
    for (const k of ["preferredName", "pronouns", "dob", "email", "phone"] as const) {
      const v = profile[k];
      if (v !== undefined && v !== "") patient[k] = v;
    }
    items.add(profile.id);
  } else withhold("demographics", DETAIL.category, [profile.id]);

  // Notes and their addenda
  const own = input.notes.filter((n) => n.client === profile.id);
  const tops = own.filter((n) => n.type !== "addendum").sort(byEventOrder);
  const addendaOf = groupBy(
    own.filter((n) => n.type === "addendum"),
    (n) => n.addendumTo ?? "",
  );
  const topIds = new Set(tops.map((n) => n.id));
  for (const [parent, list] of addendaOf) {
    if (!topIds.has(parent)) withhold("addenda", DETAIL.orphan, list.map((a) => a.id), list.length);
  }
  const notes: ShareNote[] = [];
  const psyNotes: ShareNote[] = [];
  for (const n of tops) {
    const isPsy = n.type === "psychotherapy" || (n.labels ?? []).includes("PSYTHPN");
    const category: ShareCategory = isPsy ? "psychotherapy-notes" : "notes";
    const noteLabels = [...new Set([...((n.labels ?? []) as Label[]), ...(isPsy ? (["PSYTHPN"] as Label[]) : [])])].sort();
    const addenda = [...(addendaOf.get(n.id) ?? [])].sort(byEventOrder);
    const bad = unauthorisedLabels(noteLabels, cats);
    const reason = !has(category)
      ? isPsy && has("notes")
        ? DETAIL.psychotherapy
        : DETAIL.category
      : !inRange(n.date)
        ? DETAIL.range
        : bad.length
          ? labelReason(bad)
          : n.status !== "signed"
            ? DETAIL.unsigned
            : undefined;
    if (reason !== undefined) {
      withhold(category, reason, [n.id]);
      if (addenda.length) withhold("addenda", DETAIL.withNote, addenda.map((a) => a.id), addenda.length);
      continue;
    }
    const body = redactPrivate(n.body);
    if (body.withheld) withhold("private passages", DETAIL.private, [n.id], body.withheld);
    const shared: ShareNote = {
      id: n.id,
      type: n.type,
      template: n.template,
      date: n.date,
      status: "signed",
      labels: noteLabels,
      text: body.text,
      addenda: [],
    };
    if (n.duration !== undefined) shared.duration = n.duration;
    if (n.cpt !== undefined) shared.cpt = n.cpt;
    if (n.signed) {
      shared.signedBy = n.signed.by;
      shared.signedAt = n.signed.at;
    }
    for (const a of addenda) {
      const aLabels = [...new Set([...((a.labels ?? []) as Label[]), ...(isPsy ? (["PSYTHPN"] as Label[]) : [])])].sort();
      const aBad = unauthorisedLabels(aLabels, cats);
      if (aBad.length) {
        withhold("addenda", labelReason(aBad), [a.id]);
        continue;
      }
      if (a.status !== "signed") {
        withhold("addenda", DETAIL.unsigned, [a.id]);
        continue;
      }
      const ab = redactPrivate(a.body);
      if (ab.withheld) withhold("private passages", DETAIL.private, [a.id], ab.withheld);
      const sa: ShareAddendum = { id: a.id, date: a.date, text: ab.text };
      if (a.signed) {
        sa.signedBy = a.signed.by;
        sa.signedAt = a.signed.at;
      }
      shared.addenda.push(sa);
      items.add(a.id);
      for (const l of aLabels) labels.add(l);
    }
    items.add(n.id);
    for (const l of noteLabels) labels.add(l);
    (isPsy ? psyNotes : notes).push(shared);
  }

  /** Events of an included entry that it was not built from: after the range, or not applying. */
  const withholdHistory = (category: string, events: readonly { id: string; date: IsoDate }[], used: ReadonlySet<string>) => {
    for (const e of events) {
      if (!used.has(e.id)) withhold(category, e.date > hi ? DETAIL.afterRange : DETAIL.conflict, [e.id]);
    }
  };

  // Diagnoses: one entry per code, its history cut at the end of the range.
  const diagnoses: ShareDiagnosis[] = [];
  for (const [, events] of groupBy(input.dx.filter((e) => e.client === profile.id), (e) => e.code)) {
    const ids = events.map((e) => e.id);
    // implied labels count even where an event was stored without them (src/domain/dx-labels.ts)
    const all = [...new Set(events.flatMap((e) => dxEventLabels(e)))].sort();
    const bad = unauthorisedLabels(all, cats);
    const cut = events.filter((e) => e.date <= hi);
    const d = cut.length ? foldDiagnoses(cut)[0] : undefined;
    const reason = !has("diagnoses")
      ? DETAIL.category
      : bad.length
        ? labelReason(bad)
        : d === undefined || (lo !== undefined && d.resolved !== undefined && d.resolved < lo)
          ? DETAIL.range
          : undefined;
    if (reason !== undefined || d === undefined) {
      withhold("diagnoses", reason ?? DETAIL.range, ids);
      continue;
    }
    withholdHistory("diagnosis history", events, new Set(d.events));
    const sd: ShareDiagnosis = { code: d.code, status: d.status, since: d.since, added: d.added, primary: d.primary, labels: all, items: [...d.events] };
    if (d.description !== undefined) sd.description = d.description;
    if (d.onset !== undefined) sd.onset = d.onset;
    if (d.resolved !== undefined) sd.resolved = d.resolved;
    diagnoses.push(sd);
    for (const id of d.events) items.add(id);
    for (const l of all) labels.add(l);
  }
  diagnoses.sort((a, b) => Number(b.primary) - Number(a.primary) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

  // Medications: one entry per start event, its history cut at the end of the range.
  const medications: ShareMedication[] = [];
  for (const [med, events] of groupBy(input.meds.filter((e) => e.client === profile.id), (e) => e.med)) {
    const ids = events.map((e) => e.id);
    const all = [...new Set(events.flatMap((e) => (e.labels ?? [])))].sort();
    const bad = unauthorisedLabels(all, cats);
    const hasStart = events.some((e) => e.event === "start" && e.id === med);
    const cut = events.filter((e) => e.date <= hi);
    const m = foldMedications(cut)[0];
    const reason = !has("medications")
      ? DETAIL.category
      : !hasStart
        ? DETAIL.noStart
        : bad.length
          ? labelReason(bad)
          : m === undefined || (lo !== undefined && m.stopped !== undefined && m.stopped < lo)
            ? DETAIL.range
            : undefined;
    if (reason !== undefined || m === undefined) {
      withhold("medications", reason ?? DETAIL.range, ids);
      continue;
    }
    withholdHistory("medication history", events, new Set(m.events));
    const sm: ShareMedication = { med: m.med, name: m.name, started: m.started, active: m.active, labels: all, items: [...m.events] };
    for (const k of ["dose", "route", "frequency", "prescriber", "stopped", "stopReason"] as const) {
      const v = m[k];
      if (v !== undefined) sm[k] = v;
    }
    const byId = new Map(cut.map((e) => [e.id, e]));
    const changes = m.events
      .flatMap((id) => {
        const e = byId.get(id);
        return e && e.event === "change" ? [e] : [];
      })
      .map((e) => {
        const c: ShareMedChange = { date: e.date };
        for (const k of ["dose", "route", "frequency", "prescriber", "reason"] as const) if (e[k] !== undefined) c[k] = e[k];
        return c;
      });
    if (changes.length > 0) sm.changes = changes;
    medications.push(sm);
    for (const id of m.events) items.add(id);
    for (const l of all) labels.add(l);
  }
  medications.sort((a, b) => (a.started !== b.started ? (a.started < b.started ? -1 : 1) : compareNames(a.name, b.name) || (a.med < b.med ? -1 : 1)));

  const viewLabels = [...labels].sort();
  const details = [...detail.values()]
    .map((d) => ({ ...d, items: [...d.items].sort() }))
    .sort(byCategoryThenReason);
  const view: ShareView = {
    date: today,
    generatedAt: viewInstant(today),
    consent: consentView(grant, has("demographics")),
    clientId: profile.id,
    withheld: publicWithheld(details),
    labels: viewLabels,
    part2: viewLabels.some((l) => PART2_LABELS.includes(l)),
    items: [...items].sort(),
  };
  if (patient) view.patient = patient;
  if (has("diagnoses")) view.diagnoses = diagnoses;
  if (has("medications")) view.medications = medications;
  if (has("notes")) view.notes = notes;
  if (has("psychotherapy-notes")) view.psychotherapyNotes = psyNotes;
  return { view, withheld: details };
}

function byCategoryThenReason(a: { category: string; reason: string }, b: { category: string; reason: string }): number {
  const ca = CATEGORY_ORDER.indexOf(a.category);
  const cb = CATEGORY_ORDER.indexOf(b.category);
  if (ca !== cb) return ca - cb;
  return a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0;
}

/** Aggregate the detailed account into the counts the recipient sees. */
function publicWithheld(details: readonly WithheldDetail[]): WithheldCount[] {
  const m = new Map<string, WithheldCount>();
  for (const d of details) {
    if (d.reason === DETAIL.withNote) continue; // counted with their note
    const category = publicCategory(d.category);
    if (category === undefined) continue;
    const reason = publicReason(d.reason);
    const key = `${category}\u0000${reason}`;
    const w = m.get(key) ?? { category, reason, count: 0 };
    w.count += d.count;
    m.set(key, w);
  }
  return [...m.values()].sort(byCategoryThenReason);
}

/**
 * The authorization as the recipient sees it. Without demographics the signer is named only
 * as "the client" or "personal representative": their name would identify the client.
 */
function consentView(g: ConsentGrant, demographics: boolean): ShareView["consent"] {
  const recipient: ShareView["consent"]["recipient"] = { name: g.recipient.name };
  if (g.recipient.organization) recipient.organization = g.recipient.organization;
  if (g.recipient.contact) recipient.contact = g.recipient.contact;
  if (g.recipient.ageRecipient) recipient.ageRecipient = g.recipient.ageRecipient;
  const c: ShareView["consent"] = {
    id: g.id,
    recipient,
    discloser: g.discloser,
    purposes: [...g.purposes],
    categories: SHARE_CATEGORIES.filter((x) => g.categories.includes(x)),
    signed: g.signed,
    signedBy: demographics ? g.signedBy : g.authority ? "personal representative" : "the client",
  };
  if (g.from !== undefined) c.from = g.from;
  if (g.until !== undefined) c.until = g.until;
  if (g.expires !== undefined) c.expires = g.expires;
  if (g.expiresOn !== undefined) c.expiresOn = g.expiresOn;
  if (g.authority !== undefined) c.authority = g.authority;
  if (g.statements !== undefined) c.statements = [...g.statements];
  return c;
}

/** A description of a disclosure in words, for the accounting (no clinical content). */
export function describeShare(view: ShareView): string {
  const parts: string[] = [];
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  if (view.patient) parts.push("demographics");
  if (view.diagnoses) parts.push(n(view.diagnoses.length, "diagnosis", "diagnoses"));
  if (view.medications) parts.push(n(view.medications.length, "medication"));
  const addenda = (list: ShareNote[]) => list.reduce((s, x) => s + x.addenda.length, 0);
  if (view.notes) parts.push(n(view.notes.length, "note") + (addenda(view.notes) ? ` with ${n(addenda(view.notes), "addendum", "addenda")}` : ""));
  if (view.psychotherapyNotes) parts.push(n(view.psychotherapyNotes.length, "psychotherapy note") + (addenda(view.psychotherapyNotes) ? ` with ${n(addenda(view.psychotherapyNotes), "addendum", "addenda")}` : ""));
  const range = view.consent.from || view.consent.until ? `, information dated ${view.consent.from ?? "any time"} to ${view.consent.until ?? view.date}` : "";
  const count = (pred: (w: WithheldCount) => boolean) => view.withheld.filter(pred).reduce((s, w) => s + w.count, 0);
  const items = count((w) => w.category !== "private passages");
  const passages = count((w) => w.category === "private passages");
  const withheld = [items ? `${items} withheld` : "", passages ? n(passages, "private passage") + " withheld" : ""].filter(Boolean).join(", ");
  return `${parts.join(", ")}${range}${view.part2 ? "; includes 42 CFR Part 2 material" : ""}${withheld ? `; ${withheld}` : ""}`;
}
