import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertActive,
  checkCategories,
  checkConsent,
  checkRevocation,
  consentStatus,
  labelCategory,
  labelsAllowed,
  missingElements,
  SHARE_CATEGORIES,
  unauthorisedLabels,
  type ConsentDraft,
  type ConsentGrant,
  type ConsentRevocation,
  type ShareCategory,
} from "../../src/domain/consent.js";
import { addDays } from "../../src/domain/dates.js";
import { ChartError } from "../../src/domain/errors.js";
import { LABELS, type Label } from "../../src/domain/labels.js";

const CID = `cl_${"a".repeat(26)}`;
const GID = `cs_${"b".repeat(26)}`;
const grant = (extra: Partial<ConsentGrant> = {}): ConsentGrant => ({
  chart: 1,
  kind: "consent",
  event: "grant",
  id: GID,
  client: CID,
  created: "2024-01-01T00:00:00Z",
  recipient: { name: "Dr P" },
  discloser: "Dr T",
  purposes: ["care"],
  categories: ["notes"],
  signed: "2024-01-10",
  expires: "2024-12-31",
  signedBy: "Ada",
  ...extra,
});
const revoke = (date: string, extra: Partial<ConsentRevocation> = {}): ConsentRevocation => ({
  chart: 1,
  kind: "consent",
  event: "revoke",
  id: `cs_${"c".repeat(26)}`,
  client: CID,
  created: `${date}T00:00:00Z`,
  revokes: GID,
  date,
  ...extra,
});
const failure = (fn: () => unknown): string => {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (e instanceof ChartError) return `${e.exit}:${e.code}`;
    throw e;
  }
};

describe("categories and labels", () => {
  it("parses categories in canonical order, case-insensitively, without duplicates", () => {
    expect(checkCategories(["Notes,demographics", "notes", " hiv "])).toEqual(["demographics", "notes", "hiv"]);
    expect(checkCategories(undefined)).toEqual([]);
    expect(failure(() => checkCategories("notes,labs"))).toBe("3:E_CONSENT_CATEGORY");
  });

  it("maps sensitivity categories to DS4P labels and back", () => {
    expect(labelCategory("SUD")).toBe("substance-use");
    expect(labelCategory("ETH")).toBe("substance-use");
    expect(labelCategory("HIV")).toBe("hiv");
    expect(labelCategory("SDV")).toBe("sdv");
    expect(labelCategory("PSYTHPN")).toBe("psychotherapy-notes");
    for (const l of ["STD", "SEX", "GDIS", "PSY", "BH", "MH"] as Label[]) expect(labelCategory(l)).toBeUndefined();
  });

  it("allows a label only under its category; general mental-health labels never restrict; others always do", () => {
    fc.assert(
      fc.property(fc.subarray([...SHARE_CATEGORIES]), fc.uniqueArray(fc.constantFrom(...(Object.keys(LABELS) as Label[]))), (cats, labels) => {
        const bad = unauthorisedLabels(labels, cats);
        for (const l of labels) {
          const cat = labelCategory(l);
          const ok = ["PSY", "BH", "MH"].includes(l) || (cat !== undefined && cats.includes(cat));
          expect(bad.includes(l)).toBe(!ok);
        }
        expect(labelsAllowed(labels, cats)).toBe(bad.length === 0);
      }),
    );
  });
});

describe("checkConsent", () => {
  const complete: ConsentDraft = { recipient: { name: "Dr P" }, purposes: ["care"], categories: ["notes"], expires: "2025-01-01", signed: "2024-01-01", signedBy: "Ada" };

  it("names every missing 164.508(c) element", () => {
    expect(missingElements(complete)).toEqual([]);
    expect(missingElements({}).map((m) => m.element)).toEqual(["recipient", "purpose", "information to share", "expiry date or event", "signature date", "signer"]);
    expect(missingElements({ ...complete, purposes: ["  "], expires: undefined, expiresOn: "end of treatment" }).map((m) => m.element)).toEqual(["purpose"]);
    const e = (() => {
      try {
        checkConsent({ ...complete, recipient: { name: " " }, signed: undefined });
      } catch (x) {
        return x as ChartError;
      }
    })();
    expect(e?.code).toBe("E_CONSENT_INCOMPLETE");
    expect(e?.exit).toBe(3);
    expect(e?.message).toBe("the authorization lacks: recipient, signature date");
    expect(e?.hint).toBe("pass --to NAME; --signed DATE");
  });

  it("refuses psychotherapy notes with any other category", () => {
    fc.assert(
      fc.property(fc.subarray(SHARE_CATEGORIES.filter((c) => c !== "psychotherapy-notes"), { minLength: 1 }), (others) => {
        const cats = ["psychotherapy-notes", ...others] as ShareCategory[];
        expect(failure(() => checkConsent({ ...complete, categories: cats }))).toBe("3:E_CONSENT_PSYCHOTHERAPY_COMBINED");
      }),
    );
    expect(failure(() => checkConsent({ ...complete, categories: ["psychotherapy-notes"] }))).toBe("ok");
  });

  it("checks ranges, expiry after signature, sensitivity-only scopes and a representative's authority", () => {
    expect(failure(() => checkConsent({ ...complete, from: "2024-02-01", until: "2024-01-01" }))).toBe("3:E_CONSENT_RANGE");
    expect(failure(() => checkConsent({ ...complete, expires: "2023-12-31" }))).toBe("3:E_CONSENT_EXPIRY");
    expect(failure(() => checkConsent({ ...complete, categories: ["substance-use", "hiv"] }))).toBe("3:E_CONSENT_NOTHING");
    expect(failure(() => checkConsent({ ...complete, signedBy: "Carl" }, ["Ada"]))).toBe("3:E_CONSENT_AUTHORITY");
    expect(failure(() => checkConsent({ ...complete, signedBy: "ada" }, ["Ada"]))).toBe("ok");
    expect(failure(() => checkConsent({ ...complete, signedBy: "Carl", authority: "parent" }, ["Ada"]))).toBe("ok");
  });
});

describe("consentStatus", () => {
  it("is active from signature through the expiry date, until a revocation takes effect", () => {
    const dayArb = fc.integer({ min: -400, max: 800 }).map((n) => addDays("2024-01-10", n));
    fc.assert(
      fc.property(dayArb, fc.option(dayArb, { nil: undefined }), fc.option(dayArb, { nil: undefined }), (today, expires, revokedOn) => {
        const g = grant(expires ? { expires } : { expires: undefined, expiresOn: "death of the client" });
        const revs = revokedOn ? [revoke(revokedOn)] : [];
        const s = consentStatus(g, revs, today);
        // a recorded revocation is in effect at once, whatever its date (time zones)
        const expected = revokedOn ? "revoked" : today < g.signed ? "not-yet-signed" : expires && expires < today ? "expired" : "active";
        expect(s).toBe(expected);
        expect(failure(() => assertActive(g, revs, today))).toBe(
          { active: "ok", revoked: "3:E_CONSENT_REVOKED", expired: "3:E_CONSENT_EXPIRED", "not-yet-signed": "3:E_CONSENT_NOT_SIGNED" }[expected],
        );
      }),
    );
  });

  it("ignores revocations of other grants or clients", () => {
    expect(consentStatus(grant(), [revoke("2024-02-01", { revokes: `cs_${"d".repeat(26)}` })], "2024-03-01")).toBe("active");
    expect(consentStatus(grant(), [revoke("2024-02-01", { client: `cl_${"e".repeat(26)}` })], "2024-03-01")).toBe("active");
  });

  it("expires at discharge when the expiry event is the end of treatment", () => {
    const g = grant({ expires: undefined, expiresOn: "End of treatment" });
    expect(consentStatus(g, [], "2024-06-01")).toBe("active");
    expect(consentStatus(g, [], "2024-06-01", { discharged: "2024-06-02" })).toBe("active");
    expect(consentStatus(g, [], "2024-06-01", { discharged: "2024-06-01" })).toBe("expired");
    expect(consentStatus(grant({ expires: undefined, expiresOn: "when the referral closes" }), [], "2024-06-01", { discharged: "2024-05-01" })).toBe("active");
  });

  it("refuses a second revocation, a future one, and one before the signature", () => {
    expect(failure(() => checkRevocation(grant(), [], "2024-02-01", "2024-03-01"))).toBe("ok");
    expect(failure(() => checkRevocation(grant(), [revoke("2024-02-01")], "2024-02-15", "2024-03-01"))).toBe("3:E_CONSENT_REVOKED");
    expect(failure(() => checkRevocation(grant(), [], "2024-03-02", "2024-03-01"))).toBe("3:E_FUTURE_DATE");
    expect(failure(() => checkRevocation(grant(), [], "2024-01-09", "2024-03-01"))).toBe("3:E_CONSENT_REVOKE_DATE");
  });
});
