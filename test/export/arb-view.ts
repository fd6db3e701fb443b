/** fast-check arbitraries for ShareViews: any shape the selection may produce. */
import fc from "fast-check";
import type { ShareCategory } from "../../src/domain/consent.js";
import type { Label } from "../../src/domain/labels.js";
import { LABELS } from "../../src/domain/labels.js";
import type { ShareAddendum, ShareDiagnosis, ShareMedication, ShareNote, ShareView } from "../../src/domain/share-view.js";

const B32 = "abcdefghijklmnopqrstuvwxyz234567".split("");
export const arbId = (prefix: string): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...B32), { minLength: 26, maxLength: 26 }).map((a) => `${prefix}_${a.join("")}`);

export const arbDate = fc
  .date({ min: new Date(Date.UTC(1950, 0, 1)), max: new Date(Date.UTC(2030, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const arbInstant = fc
  .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2030, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.\d{3}Z$/, "Z"));

/** Text with some Markdown, non-Latin characters and the odd markup character. */
const arbWord = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom("Zoë", "Łódź", "→", "日本", "🙂", "<b>", "&amp;", "\"q\"", "[withheld]", "##", "- item", "ß", "−5"),
);
const arbLine = fc.oneof(
  fc.array(arbWord, { minLength: 1, maxLength: 8 }).map((w) => w.join(" ")),
  fc.array(arbWord, { minLength: 1, maxLength: 3 }).map((w) => `## ${w.join(" ")}`),
  fc.constant(""),
);
export const arbText = fc.array(arbLine, { minLength: 1, maxLength: 8 }).map((l) => `${l.join("\n")}\n`);
const arbName = fc.array(fc.oneof(fc.constantFrom("Ana", "Łukasz", "O'Neil", "Zoë", "李", "Dr."), fc.string({ minLength: 1, maxLength: 8 })), {
  minLength: 1,
  maxLength: 3,
}).map((w) => w.join(" ").trim() || "X");
const arbLabels: fc.Arbitrary<Label[]> = fc.uniqueArray(fc.constantFrom(...(Object.keys(LABELS) as Label[])), { maxLength: 3 }).map((l) => l.sort());
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

const arbDx: fc.Arbitrary<ShareDiagnosis> = fc
  .record({
    code: fc.constantFrom("F41.1", "F32.0", "F43.10", "F10.20", "Z63.0", "F90.2"),
    description: opt(arbName),
    status: fc.constantFrom("provisional", "active", "resolved", "ruled-out" as const),
    since: arbDate,
    added: arbDate,
    onset: opt(arbDate),
    primary: fc.boolean(),
    labels: arbLabels,
    items: fc.array(arbId("dx"), { minLength: 1, maxLength: 3 }),
  })
  .map((d) => {
    const out: ShareDiagnosis = { ...d };
    if (d.status === "resolved" || d.status === "ruled-out") out.resolved = d.since;
    if (out.description === undefined) delete out.description;
    if (out.onset === undefined) delete out.onset;
    return out;
  });

const arbMed: fc.Arbitrary<ShareMedication> = fc
  .record({
    med: arbId("md"),
    name: arbName,
    dose: opt(fc.constantFrom("10 mg", "0.5 mg", "1 tab")),
    route: opt(fc.constantFrom("oral", "IM")),
    frequency: opt(fc.constantFrom("daily", "twice daily", "as needed")),
    prescriber: opt(arbName),
    started: arbDate,
    stopped: opt(arbDate),
    stopReason: opt(arbName),
    labels: arbLabels,
  })
  .map((m) => {
    const out: ShareMedication = { ...m, active: m.stopped === undefined, items: [m.med] };
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops the optional fields left undefined
    for (const k of ["dose", "route", "frequency", "prescriber", "stopped", "stopReason"] as const) if (out[k] === undefined) delete out[k];
    if (out.active) delete out.stopReason;
    return out;
  });

const arbAddendum: fc.Arbitrary<ShareAddendum> = fc
  .record({ id: arbId("nt"), date: arbDate, text: arbText, signedBy: opt(arbName), signedAt: opt(arbInstant) })
  .map((a) => {
    const out: ShareAddendum = { ...a };
    if (out.signedBy === undefined) delete out.signedBy;
    if (out.signedAt === undefined) delete out.signedAt;
    return out;
  });

const arbNote = (types: ShareNote["type"][]): fc.Arbitrary<ShareNote> =>
  fc
    .record({
      id: arbId("nt"),
      type: fc.constantFrom(...types),
      template: fc.constantFrom("soap", "dap", "birp", "free", "intake"),
      date: arbDate,
      duration: opt(fc.integer({ min: 1, max: 240 })),
      cpt: opt(fc.constantFrom("90837", "90834", "90791")),
      signed: fc.boolean(),
      signedBy: arbName,
      signedAt: arbInstant,
      labels: arbLabels,
      text: arbText,
      addenda: fc.array(arbAddendum, { maxLength: 2 }),
    })
    .map(({ signed, signedBy, signedAt, ...n }) => {
      const out: ShareNote = { ...n, status: signed ? "signed" : "draft" };
      if (signed) Object.assign(out, { signedBy, signedAt });
      if (out.duration === undefined) delete out.duration;
      if (out.cpt === undefined) delete out.cpt;
      return out;
    });

export const arbView: fc.Arbitrary<ShareView> = fc
  .record({
    date: arbDate,
    generatedAt: arbInstant,
    consentId: arbId("cs"),
    clientId: arbId("cl"),
    recipient: fc.record({ name: arbName, organization: opt(arbName), contact: opt(arbName) }),
    discloser: arbName,
    purposes: fc.array(fc.oneof(fc.constantFrom("treatment", "continuity of care", "payment"), arbName), { minLength: 1, maxLength: 3 }),
    from: opt(arbDate),
    until: opt(arbDate),
    expires: opt(arbDate),
    expiresOn: opt(fc.constantFrom("end of treatment", "discharge")),
    signed: arbDate,
    signedBy: arbName,
    authority: opt(fc.constantFrom("parent", "guardian")),
    psychotherapyOnly: fc.boolean(),
    demographics: fc.boolean(),
    patient: fc.record({ name: arbName, preferredName: opt(arbName), pronouns: opt(fc.constantFrom("she/her", "they/them")), dob: opt(arbDate), email: opt(fc.constant("a@example.org")), phone: opt(fc.constant("555-0100")) }),
    diagnoses: opt(fc.array(arbDx, { maxLength: 4 })),
    medications: opt(fc.array(arbMed, { maxLength: 4 })),
    notes: opt(fc.array(arbNote(["progress", "intake", "treatment-plan", "contact"]), { maxLength: 4 })),
    psychotherapyNotes: fc.array(arbNote(["psychotherapy"]), { maxLength: 3 }),
    withheld: fc.array(fc.record({ category: fc.constantFrom("notes", "medications", "private passages"), reason: arbName, count: fc.integer({ min: 0, max: 20 }) }), { maxLength: 3 }),
    part2: fc.boolean(),
  })
  .map((r) => {
    const categories: ShareCategory[] = r.psychotherapyOnly ? ["psychotherapy-notes"] : ["notes"];
    const recipient = { ...r.recipient };
    if (recipient.organization === undefined) delete recipient.organization;
    if (recipient.contact === undefined) delete recipient.contact;
    const view: ShareView = {
      date: r.date,
      generatedAt: r.generatedAt,
      consent: { id: r.consentId, recipient, discloser: r.discloser, purposes: r.purposes, categories, signed: r.signed, signedBy: r.signedBy },
      clientId: r.clientId,
      withheld: r.withheld,
      labels: [],
      part2: r.part2,
      items: [],
    };
    for (const k of ["from", "until", "expires", "expiresOn", "authority"] as const) if (r[k] !== undefined) view.consent[k] = r[k];
    if (r.psychotherapyOnly) view.psychotherapyNotes = r.psychotherapyNotes;
    else {
      if (r.demographics) {
        const p = { id: r.clientId, ...r.patient };
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops the optional fields left undefined
        for (const k of ["preferredName", "pronouns", "dob", "email", "phone"] as const) if (p[k] === undefined) delete p[k];
        view.patient = p;
        categories.push("demographics");
      }
      if (r.diagnoses) {
        view.diagnoses = r.diagnoses;
        categories.push("diagnoses");
      }
      if (r.medications) {
        view.medications = r.medications;
        categories.push("medications");
      }
      if (r.notes) view.notes = r.notes;
    }
    const all = [...(view.diagnoses ?? []), ...(view.medications ?? []), ...(view.notes ?? []), ...(view.psychotherapyNotes ?? [])];
    view.labels = [...new Set(all.flatMap((x) => x.labels))].sort();
    view.part2 = view.labels.includes("SUD") || view.labels.includes("ETH");
    view.items = [
      ...(view.patient ? [view.clientId] : []),
      ...(view.diagnoses ?? []).flatMap((d) => d.items),
      ...(view.medications ?? []).flatMap((m) => m.items),
      ...[...(view.notes ?? []), ...(view.psychotherapyNotes ?? [])].flatMap((n) => [n.id, ...n.addenda.map((a) => a.id)]),
    ];
    return view;
  });
