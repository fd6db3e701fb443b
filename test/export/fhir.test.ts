import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WITHHELD_NOTICE, type ShareView } from "../../src/domain/share-view.js";
import { CHART_ID_SYSTEM, renderFhir, uuid, type FhirResource } from "../../src/export/fhir.js";
import { FIXTURE_NAMES, loadView } from "../fixtures/large-view.js";
import { arbView } from "./arb-view.js";
import { fhirErrors, profileErrors, schemaValid } from "./fhir-validate.js";
import { expectGolden } from "./golden.js";
import { runs } from "../support/runs.js";

type Res = FhirResource & { meta?: { security?: { system: string; code: string }[] } };
const resources = (b: FhirResource): Res[] => (b.entry as { resource: Res }[]).map((e) => e.resource);
const ofType = (b: FhirResource, t: string): Res[] => resources(b).filter((r) => r.resourceType === t);
const codes = (r: Res | FhirResource): string[] => ((r.meta as Res["meta"])?.security ?? []).map((s) => s.code);
const find = <T>(list: T[], pred: (t: T) => boolean): T => {
  const x = list.find(pred);
  if (x === undefined) throw new Error("not found");
  return x;
};

describe("renderFhir: validity", () => {
  for (const name of FIXTURE_NAMES) {
    it(`the ${name} fixture is a valid FHIR R4 document bundle`, () => {
      expect(fhirErrors(renderFhir(loadView(name)))).toEqual([]);
    });
  }

  it("any view gives a valid FHIR R4 document bundle", () => {
    fc.assert(
      fc.property(arbView, (view) => {
        expect(fhirErrors(renderFhir(view))).toEqual([]);
      }),
      { numRuns: runs(150) },
    );
  });

  it("the validators do catch invalid content (so a pass means something)", () => {
    const bad = renderFhir(loadView("minimal")) as unknown as { entry: { resource: Record<string, unknown> }[] };
    const patient = find(bad.entry, (e) => e.resource.resourceType === "Patient").resource;
    patient.nickname = "x";
    expect(schemaValid(bad)).toBe(false);
    expect(profileErrors(bad).join("\n")).toContain("nickname");
    delete patient.nickname;
    const consent = find(bad.entry, (e) => e.resource.resourceType === "Consent").resource;
    expect(schemaValid(bad)).toBe(true);
    const doc = find(bad.entry, (e) => e.resource.resourceType === "DocumentReference").resource;
    doc.date = "2024-01-30"; // an instant needs a time and a zone
    expect(schemaValid(bad)).toBe(false);
    consent.status = "approved";
    delete consent.scope;
    const errs = profileErrors(bad).join("\n");
    expect(errs).toContain("Consent.scope");
    expect(errs).toContain('"approved"');
  });
});

describe("renderFhir: content", () => {
  it("the Consent carries the authorization's statements as text (164.508(c)(2); 42 CFR 2.31 for Part 2 views)", () => {
    const stated = (name: string): string => {
      const c = ofType(renderFhir(loadView(name)), "Consent")[0] as Res & { sourceAttachment?: { data: string; contentType: string } };
      return c.sourceAttachment ? Buffer.from(c.sourceAttachment.data, "base64").toString("utf8") : "";
    };
    for (const rule of ["164.508(c)(2)(i)", "164.508(c)(2)(ii)", "164.508(c)(2)(iii)"]) expect(stated("full")).toContain(rule);
    expect(stated("full").trim().split("\n")).toEqual(loadView("full").consent.statements);
    for (const rule of ["2.31(a)(6)", "2.31(a)(4)(iii)", "2.31(a)(10)(i)", "2.31(a)(10)(ii)"]) expect(stated("part2")).toContain(rule);
    expect(stated("minimal")).toBe("");
  });

  it("matches the golden file for the full fixture", () => {
    expectGolden("fhir-full", renderFhir(loadView("full")));
  });

  it("is deterministic, with name-based UUIDs", () => {
    const a = JSON.stringify(renderFhir(loadView("full")));
    expect(JSON.stringify(renderFhir(loadView("full")))).toBe(a);
    expect(uuid("note:x")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid("note:x")).not.toBe(uuid("note:y"));
  });

  it("lays the document out as the design says", () => {
    const b = renderFhir(loadView("full"));
    expect(b.type).toBe("document");
    expect(b.timestamp).toBe("2024-06-14T15:30:00Z");
    expect(resources(b).map((r) => r.resourceType)).toEqual([
      "Composition",
      "Patient",
      "Practitioner",
      "Condition",
      "Condition",
      "Condition",
      "Condition",
      "MedicationStatement",
      "MedicationStatement",
      "DocumentReference",
      "DocumentReference",
      "DocumentReference",
      "DocumentReference",
      "Consent",
      "Provenance",
    ]);
    const comp = ofType(b, "Composition")[0] as Res & { section: { title: string }[] };
    expect(comp.status).toBe("final");
    expect(JSON.stringify(comp.type)).toContain("34133-9");
    expect(comp.section.map((s) => s.title)).toEqual(["Problems", "Medications", "Clinical notes", "Authorization", "Withheld from this disclosure", "Notices"]);
    const prov = ofType(b, "Provenance")[0] as Res & { target: unknown[]; recorded: string };
    expect(prov.target).toHaveLength(resources(b).length - 1);
    expect(prov.recorded).toBe("2024-06-14T15:30:00Z");
  });

  it("maps diagnosis statuses to clinical and verification status", () => {
    const b = renderFhir(loadView("full"));
    const status = (code: string): [string, string, unknown] => {
      const c = find(ofType(b, "Condition"), (r) => JSON.stringify(r.code).includes(`"${code}"`)) as Res & {
        clinicalStatus: { coding: { code: string }[] };
        verificationStatus: { coding: { code: string }[] };
      };
      return [c.clinicalStatus.coding[0]?.code ?? "", c.verificationStatus.coding[0]?.code ?? "", c.abatementDateTime];
    };
    expect(status("F43.10")).toEqual(["active", "confirmed", undefined]);
    expect(status("F41.1")).toEqual(["active", "provisional", undefined]);
    expect(status("F32.0")).toEqual(["resolved", "confirmed", "2024-05-02"]);
    expect(status("F60.3")).toEqual(["inactive", "refuted", undefined]);
    expect(JSON.stringify(ofType(b, "Condition")[0]?.code)).toContain("http://hl7.org/fhir/sid/icd-10-cm");
  });

  it("carries medications with status, period and dosage", () => {
    const [active, stopped] = ofType(renderFhir(loadView("full")), "MedicationStatement") as (Res & Record<string, unknown>)[];
    expect(active?.status).toBe("active");
    expect(active?.effectivePeriod).toEqual({ start: "2024-02-01" });
    expect(JSON.stringify(active?.dosage)).toContain("100 mg, oral, once daily");
    expect(stopped?.status).toBe("stopped");
    expect(stopped?.effectivePeriod).toEqual({ start: "2024-01-20", end: "2024-04-11" });
    expect(stopped?.statusReason).toEqual([{ text: "daytime drowsiness" }]);
  });

  it("carries each note's text as base64 Markdown, addenda linked to their note", () => {
    const view = loadView("full");
    const docs = ofType(renderFhir(view), "DocumentReference") as (Res & {
      content: { attachment: { contentType: string; data: string } }[];
      relatesTo?: { code: string; target: { reference: string } }[];
      identifier: { value: string }[];
    })[];
    const texts = docs.map((d) => Buffer.from(d.content[0]?.attachment.data ?? "", "base64").toString("utf8"));
    expect(texts).toEqual([view.notes?.[0]?.text, view.notes?.[1]?.text, view.notes?.[1]?.addenda[0]?.text, view.notes?.[2]?.text]);
    expect(docs.every((d) => d.content[0]?.attachment.contentType === "text/markdown")).toBe(true);
    const addendum = docs[2];
    expect(addendum?.relatesTo).toEqual([{ code: "appends", target: { reference: `urn:uuid:${uuid(`note:${view.notes?.[1]?.id}`)}` } }]);
    expect(docs.map((d) => d.identifier[0]?.value)).toEqual([
      "nt_v4seh2kvj72ceuvw75efr6edt4",
      "nt_sywb5wkh7dnsipzz7fk4zri3r2",
      "nt_wyojfljooa7lqsaj2xuid5zzzz",
      "nt_g6zdmen4khvdgajgxbenyjqwx6",
    ]);
  });

  it("describes the consent as an R4 privacy Consent", () => {
    const c = ofType(renderFhir(loadView("full")), "Consent")[0] as Res & Record<string, unknown>;
    expect(c.status).toBe("active");
    expect(JSON.stringify(c.scope)).toContain("patient-privacy");
    expect(JSON.stringify(c.category)).toContain("59284-0");
    const p = c.provision as Record<string, unknown>;
    expect(p.period).toEqual({ start: "2024-06-10", end: "2025-06-14" });
    expect(p.dataPeriod).toEqual({ start: "2024-01-01", end: "2024-06-30" });
    expect(JSON.stringify(p.purpose)).toContain("continuity of care");
    expect(JSON.stringify(p.actor)).toContain("Dr. Amara Okafor, Riverside Psychiatry Associates");
    expect((p.securityLabel as { code: string }[]).map((l) => l.code)).toEqual(["SDV"]);
  });
});

describe("renderFhir: security labels (DS4P)", () => {
  const confidentiality = (r: Res | FhirResource): string[] =>
    ((r.meta as Res["meta"])?.security ?? []).filter((s) => s.system === "http://terminology.hl7.org/CodeSystem/v3-Confidentiality").map((s) => s.code);

  it("labels the bundle restricted with the union of item labels, and each labelled resource with one confidentiality code", () => {
    const b = renderFhir(loadView("full"));
    expect(codes(b)).toEqual(["R", "SDV"]);
    const ptsd = find(ofType(b, "Condition"), (r) => JSON.stringify(r.code).includes("F43.10"));
    expect(codes(ptsd)).toEqual(["R", "SDV"]);
    const intake = ofType(b, "DocumentReference")[0] as Res;
    expect(codes(intake)).toEqual(["R", "SDV"]);
    expect(codes(ofType(b, "MedicationStatement")[0] as Res)).toEqual([]);
    expect((b.meta as Res["meta"])?.security?.[0]?.system).toBe("http://terminology.hl7.org/CodeSystem/v3-Confidentiality");
    expect((b.meta as Res["meta"])?.security?.[1]?.system).toBe("http://terminology.hl7.org/CodeSystem/v3-ActCode");
  });

  it("Part 2 material: 42CFRPart2 policy, the NORDSCLCD refrain on the clinical resources, never on the Bundle or a DocumentReference", () => {
    const b = renderFhir(loadView("part2"));
    expect(codes(b)).toEqual(["R", "SUD", "42CFRPart2"]);
    expect(codes(ofType(b, "Composition")[0] as Res)).toEqual(["R", "SUD", "42CFRPart2", "NORDSCLCD"]);
    for (const r of [...ofType(b, "Condition"), ...ofType(b, "MedicationStatement")]) {
      expect(codes(r)).toEqual(["R", "SUD", "42CFRPart2", "NORDSCLCD"]);
    }
    const docs = ofType(b, "DocumentReference");
    expect(docs.length).toBeGreaterThan(0);
    for (const r of docs) {
      expect(codes(r)).toEqual(["R", "SUD", "42CFRPart2"]);
      // the refrain travels with the document's own labels
      expect((r.securityLabel as { coding: { code: string }[] }[]).map((l) => l.coding[0]?.code)).toEqual(["R", "SUD", "42CFRPart2", "NORDSCLCD"]);
    }
    expect(JSON.stringify(b)).toContain("42 CFR part 2 prohibits unauthorized use or disclosure of these records.");
    expect(JSON.stringify(renderFhir(loadView("full")))).not.toContain("NORDSCLCD");
    expect(JSON.stringify(b)).not.toContain("NORDSLCD"); // a code that does not exist in v3 ActCode
  });

  it("any view: exactly one confidentiality code on every labelled resource, no refrain on the Bundle or a DocumentReference", () => {
    fc.assert(
      fc.property(arbView, (view) => {
        const b = renderFhir(view);
        expect(codes(b)).not.toContain("NORDSCLCD");
        expect(confidentiality(b)).toEqual(["R"]);
        for (const r of resources(b)) {
          const cs = codes(r);
          if (cs.length > 0) expect(confidentiality(r)).toEqual(["R"]);
          if (r.resourceType === "DocumentReference") expect(cs).not.toContain("NORDSCLCD");
          if (cs.includes("SUD") || cs.includes("ETH")) expect(cs).toContain("42CFRPart2");
        }
      }),
      { numRuns: runs(100) },
    );
  });

  it("labels psychotherapy notes PSYTHPN", () => {
    const b = renderFhir(loadView("psychotherapy"));
    expect(codes(b)).toEqual(["R", "PSYTHPN"]);
    expect(ofType(b, "DocumentReference").map(codes)).toEqual([["R", "PSYTHPN"], ["R", "PSYTHPN"]]);
  });
});

describe("renderFhir: document identity", () => {
  it("each share is its own document: Bundle.identifier, Composition and Provenance ids follow the document id", () => {
    const v = loadView("full");
    const a = renderFhir({ ...v, documentId: "ds_aaaa", generatedAt: "2024-06-14T15:30:00Z" });
    const b = renderFhir({ ...v, documentId: "ds_bbbb", generatedAt: "2024-06-14T15:30:00Z" });
    expect(a.identifier).not.toEqual(b.identifier);
    expect(a.id).not.toBe(b.id);
    expect((ofType(a, "Composition")[0] as Res).id).not.toBe((ofType(b, "Composition")[0] as Res).id);
    expect((ofType(a, "Provenance")[0] as Res).id).not.toBe((ofType(b, "Provenance")[0] as Res).id);
    // clinical resources keep their ids across documents
    expect(ofType(a, "Condition").map((r) => r.id)).toEqual(ofType(b, "Condition").map((r) => r.id));
  });

  it("the instants are the view's generatedAt", () => {
    const b = renderFhir({ ...loadView("full"), documentId: "ds_x", generatedAt: "2024-06-14T15:31:07Z" });
    expect(b.timestamp).toBe("2024-06-14T15:31:07Z");
    expect((ofType(b, "Composition")[0] as Res).date).toBe("2024-06-14T15:31:07Z");
    expect((ofType(b, "Provenance")[0] as Res).recorded).toBe("2024-06-14T15:31:07Z");
  });

  it("the practitioner id is not derived from the name alone", () => {
    const v = loadView("full");
    const p = (id: string) => (ofType(renderFhir({ ...v, documentId: id }), "Practitioner")[0] as Res).id;
    expect(p("ds_1")).not.toBe(p("ds_2"));
    expect(p("ds_1")).not.toBe(uuid(`practitioner:${v.consent.discloser}`));
  });

  it("withheld counts never reach the bundle", () => {
    const v = loadView("full");
    const json = JSON.stringify(renderFhir(v));
    expect(json).toContain(WITHHELD_NOTICE);
    for (const w of v.withheld) if (w.reason !== "marked private by the clinician") expect(json).not.toContain(w.reason);
    expect(renderFhir({ ...v, withheld: [] })).toEqual(renderFhir(v));
  });
});

describe("renderFhir: nothing invented, nothing beyond the view", () => {
  it("without demographics the Patient carries only the chart id", () => {
    const b = renderFhir(loadView("minimal"));
    expect(ofType(b, "Patient")).toEqual([
      { resourceType: "Patient", id: uuid("patient:cl_sqxezyex3rdrgdsjpr3umx3bzn"), identifier: [{ system: CHART_ID_SYSTEM, value: "cl_sqxezyex3rdrgdsjpr3umx3bzn" }] },
    ]);
    expect(ofType(b, "Condition")).toEqual([]);
    expect(ofType(b, "MedicationStatement")).toEqual([]);
    const json = JSON.stringify(b);
    expect(json).not.toContain("Mina Park"); // the signer (the client) is not named without demographics
    expect(json).not.toContain("Samuel Ortiz");
    expect(JSON.stringify(renderFhir(loadView("psychotherapy")))).not.toContain("Samuel Ortiz");
  });

  it("with demographics the Patient carries exactly the view's fields", () => {
    const p = ofType(renderFhir(loadView("part2")), "Patient")[0];
    expect(p).toEqual({
      resourceType: "Patient",
      id: uuid("patient:cl_fd24is7dik62vstqqzpt6zhkke"),
      identifier: [{ system: CHART_ID_SYSTEM, value: "cl_fd24is7dik62vstqqzpt6zhkke" }],
      name: [{ use: "official", text: "Alex Rivera" }],
      birthDate: "1985-11-30",
    });
  });

  it("every id in the output is an id of the view, and every item of the view is in the output", () => {
    fc.assert(
      fc.property(arbView, (view: ShareView) => {
        const json = JSON.stringify(renderFhir(view));
        const ids = new Set(json.match(/\b(?:cl|nt|md|dx|cs)_[a-z2-7]{26}\b/g) ?? []);
        const allowed = new Set([view.clientId, view.consent.id, ...view.items]);
        for (const id of ids) expect(allowed.has(id)).toBe(true);
        for (const id of view.items) expect(ids.has(id)).toBe(true);
        if (!view.patient) {
          expect(json).not.toContain('"birthDate"');
          expect(json).not.toContain('"telecom"');
          expect(json).not.toContain('"name":[{"use"');
        }
      }),
      { numRuns: runs(200) },
    );
  });
});

describe("renderFhir: practice, note types, medications", () => {
  const practice = { name: "Ellis Counseling, PLLC", clinician: "Jordan Ellis", credentials: "LCSW", npi: "1234567893", license: "012345", licenseState: "NY", phone: "555-0100", timeZone: "America/Chicago" };
  const withHistory = (v: ShareView): ShareView => ({
    ...v,
    practice,
    medications: (v.medications ?? []).map((m, i) => (i === 0 ? { ...m, changes: [{ date: "2024-03-01", dose: "100 mg", reason: "partial response" }, { date: "2024-04-01", frequency: "twice daily" }] } : m)),
  });

  it("matches the golden file with a practice profile and a medication history, and is valid R4", () => {
    const b = renderFhir(withHistory(loadView("full")));
    expect(fhirErrors(b)).toEqual([]);
    expectGolden("fhir-practice", b);
  });

  it("the practice's clinician attests the Composition; the Practitioner carries the NPI and licence", () => {
    const b = renderFhir(withHistory(loadView("full")));
    const comp = ofType(b, "Composition")[0] as Res;
    const pr = ofType(b, "Practitioner")[0] as Res;
    expect(comp.attester).toEqual([{ mode: "legal", time: b.timestamp, party: { reference: `urn:uuid:${String(pr.id)}` } }]);
    expect(pr.identifier).toEqual([{ system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893" }]);
    expect(pr.name).toEqual([{ text: "Jordan Ellis, LCSW" }]);
    expect(JSON.stringify(pr.qualification)).toContain("012345");
    expect(pr.id).toBe(uuid("practitioner:npi:1234567893"));
    expect(ofType(renderFhir(loadView("full")), "Composition")[0]?.attester).toBeUndefined(); // no profile, no attester invented
  });

  it("every note kind is typed with LOINC", () => {
    fc.assert(
      fc.property(arbView, (view) => {
        for (const d of ofType(renderFhir(view), "DocumentReference")) {
          const coding = (d.type as { coding?: { system: string; code: string }[] }).coding ?? [];
          expect(coding.length).toBe(1);
          expect(coding[0]?.system).toBe("http://loinc.org");
        }
      }),
      { numRuns: runs(60) },
    );
  });

  it("medications: RxNorm ingredient codes for known names only; changes carried in the statement's notes", () => {
    const b = renderFhir(withHistory(loadView("full")));
    const ms = ofType(b, "MedicationStatement");
    expect(JSON.stringify(ms[0]?.medicationCodeableConcept)).toContain("36437"); // sertraline
    const notes = (ms[0]?.note as { time?: string; text: string }[]).map((n) => n.text);
    expect(notes).toEqual(["Prescriber: Dr. Priya Raman", "Changed on 2024-03-01: 100 mg (reason: partial response)", "Changed on 2024-04-01: twice daily"]);
    const unknown = renderFhir({ ...loadView("full"), medications: [{ ...(loadView("full").medications?.[0] as NonNullable<ShareView["medications"]>[number]), name: "Sertralinex" }] });
    expect((ofType(unknown, "MedicationStatement")[0]?.medicationCodeableConcept as { coding?: unknown }).coding).toBeUndefined();
  });
});
