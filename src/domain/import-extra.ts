/**
 * Import of the record kinds `chart export` writes beyond clients, notes and events:
 * authorizations and their revocations, disclosures, and voids (docs/export.md lists the
 * fields). Every value is checked; problems name the field, never its value. A line is
 * imported as written (ids, dates, recording times kept), so an export imported into a new
 * chart gives the same records.
 */
import { checkConsent, SHARE_CATEGORIES, type ShareCategory } from "./consent.js";
import { isIdOf } from "./ids.js";
import type { AnyRecord, BaseRecord } from "./record.js";
import { VOIDABLE_KINDS, type VoidableKind } from "./void.js";

/** The field readers import.ts builds for one line. */
export interface LineReader {
  has(k: string): boolean;
  str(k: string, required?: boolean): string | undefined;
  date(k: string, required?: boolean, opts?: { future?: boolean }): string | undefined;
  instant(k: string): string | undefined;
  oneOf<T extends string>(k: string, allowed: readonly T[], required: boolean): T | undefined;
  bool(k: string): boolean | undefined;
}

export const EXTRA_KNOWN = {
  consent: ["event", "recipient", "discloser", "purposes", "categories", "from", "until", "expires", "expiresOn", "signed", "signedBy", "authority", "revokes", "date", "reason"],
  disclosure: ["date", "at", "consent", "recipient", "purposes", "description", "items", "formats", "bundleHash", "files", "encrypted", "encryptedFiles", "encryption", "statement"],
  void: ["target", "targetKind", "date", "at", "by", "reason"],
  access: ["event", "received", "formats", "note", "request", "date", "reason", "scope", "by", "at", "files", "encryption", "privateWithheld"],
  amendment: ["event", "note", "text", "received", "request", "date", "by", "addendum", "reason"],
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const textList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

function put(target: Record<string, unknown>, values: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) target[k] = v;
}

function recipient(obj: Record<string, unknown>, problem: (m: string) => void): Record<string, string> | undefined {
  const r = obj.recipient;
  if (r === undefined) { problem("missing 'recipient'"); return undefined; }
  if (!isObject(r) || typeof r.name !== "string" || r.name.trim() === "") { problem("'recipient' must have a name"); return undefined; }
  const out: Record<string, string> = {};
  for (const k of ["name", "organization", "contact", "ageRecipient"]) {
    if (r[k] === undefined) continue;
    if (typeof r[k] !== "string") { problem(`'recipient.${k}' must be text`); return undefined; }
    out[k] = r[k];
  }
  return out;
}

export function consentFields(r: LineReader, obj: Record<string, unknown>, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const rec: AnyRecord = { ...base };
  const event = r.oneOf("event", ["grant", "revoke"] as const, true);
  if (event === "revoke") {
    const revokes = r.str("revokes", true);
    if (revokes !== undefined && !isIdOf("consent", revokes)) problem("'revokes' is not an authorization id");
    put(rec, { event, revokes, date: r.date("date", true), reason: r.str("reason") });
    return rec;
  }
  let purposes: string[] | undefined;
  if (obj.purposes !== undefined) {
    if (!textList(obj.purposes)) problem("'purposes' must be a list of text");
    else purposes = obj.purposes;
  }
  let categories: ShareCategory[] | undefined;
  if (obj.categories !== undefined) {
    if (!textList(obj.categories) || obj.categories.some((c) => !(SHARE_CATEGORIES as readonly string[]).includes(c))) {
      problem(`'categories' must be a list of: ${SHARE_CATEGORIES.join(", ")}`);
    } else categories = SHARE_CATEGORIES.filter((c) => (obj.categories as string[]).includes(c));
  }
  put(rec, {
    event,
    recipient: recipient(obj, problem),
    discloser: r.str("discloser", true),
    purposes,
    categories,
    from: r.date("from", false, { future: true }),
    until: r.date("until", false, { future: true }),
    expires: r.date("expires", false, { future: true }),
    expiresOn: r.str("expiresOn"),
    signed: r.date("signed", true),
    signedBy: r.str("signedBy", true),
    authority: r.str("authority"),
  });
  if (event === "grant") {
    try {
      checkConsent({ ...rec, kind: "consent" });
    } catch (e) {
      problem((e as Error).message);
    }
  }
  return rec;
}

export function disclosureFields(r: LineReader, obj: Record<string, unknown>, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const rec: AnyRecord = { ...base };
  const list = (k: string, required: boolean): string[] | undefined => {
    if (obj[k] === undefined) {
      if (required) problem(`missing '${k}'`);
      return undefined;
    }
    if (!textList(obj[k])) { problem(`'${k}' must be a list of text`); return undefined; }
    return obj[k];
  };
  const files = (k: string): { name: string; sha256: string }[] | undefined => {
    const v = obj[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((f) => !isObject(f) || typeof f.name !== "string" || typeof f.sha256 !== "string")) { problem(`'${k}' must be a list of {name, sha256}`); return undefined; }
    return (v as Record<string, unknown>[]).map((f) => ({ name: f.name as string, sha256: f.sha256 as string }));
  };
  const consent = r.str("consent");
  if (consent !== undefined && !isIdOf("consent", consent)) problem("'consent' is not an authorization id");
  put(rec, {
    date: r.date("date", true),
    at: r.instant("at") ?? base.created,
    consent,
    recipient: recipient(obj, problem),
    purposes: list("purposes", true),
    description: r.str("description", true),
    items: list("items", false),
    formats: list("formats", false),
    bundleHash: r.str("bundleHash"),
    files: files("files"),
    encrypted: r.bool("encrypted"),
    encryptedFiles: files("encryptedFiles"),
    encryption: r.oneOf("encryption", ["recipient", "passphrase"] as const, false),
    statement: r.str("statement"),
  });
  return rec;
}

export function voidFields(r: LineReader, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const rec: AnyRecord = { ...base };
  const targetKind = r.oneOf<VoidableKind>("targetKind", VOIDABLE_KINDS, true);
  const target = r.str("target", true);
  if (target !== undefined && targetKind !== undefined && !isIdOf(targetKind, target)) problem(`'target' is not a ${targetKind} id`);
  put(rec, { target, targetKind, date: r.date("date", true), at: r.instant("at") ?? base.created, by: r.str("by", true), reason: r.str("reason", true) });
  return rec;
}

/** A right-of-access request or one of its events (docs/access.md). */
export function accessFields(r: LineReader, obj: Record<string, unknown>, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const rec: AnyRecord = { ...base };
  const event = r.oneOf("event", ["request", "extend", "deny", "fulfil"] as const, true);
  const list = (k: string, allowed?: readonly string[]): string[] | undefined => {
    const v = obj[k];
    if (v === undefined) return undefined;
    if (!textList(v) || (allowed && v.some((x) => !allowed.includes(x)))) { problem(`'${k}' must be a list of ${allowed ? allowed.join(", ") : "text"}`); return undefined; }
    return v;
  };
  if (event === "request") {
    put(rec, { event, received: r.date("received", true), formats: list("formats", ["pdf", "json", "fhir"]) ?? ["pdf", "json", "fhir"], note: r.str("note") });
    return rec;
  }
  const request = r.str("request", true);
  if (request !== undefined && !isIdOf("access", request)) problem("'request' is not an access request id");
  put(rec, { event, request, date: r.date("date", true) });
  if (event === "extend") put(rec, { reason: r.str("reason", true) });
  if (event === "deny") put(rec, { scope: r.oneOf("scope", ["private-passages"] as const, true), reason: r.str("reason", true), by: r.str("by", true) });
  if (event === "fulfil") {
    const files = obj.files;
    if (files !== undefined && (!Array.isArray(files) || files.some((f) => !isObject(f) || typeof f.name !== "string" || typeof f.sha256 !== "string"))) problem("'files' must be a list of {name, sha256}");
    put(rec, { at: r.instant("at") ?? base.created, by: r.str("by", true), formats: list("formats", ["pdf", "json", "fhir"]), files, encryption: r.oneOf("encryption", ["recipient", "passphrase", "none"] as const, true), privateWithheld: r.bool("privateWithheld") ?? false });
  }
  return rec;
}

/** An amendment request or one of its outcomes (docs/amendments.md). */
export function amendmentFields(r: LineReader, base: BaseRecord, problem: (m: string) => void): AnyRecord {
  const rec: AnyRecord = { ...base };
  const event = r.oneOf("event", ["request", "accept", "deny", "statement"] as const, true);
  if (event === "request") {
    const note = r.str("note", true);
    if (note !== undefined && !isIdOf("note", note)) problem("'note' is not a note id");
    put(rec, { event, note, text: r.str("text", true), received: r.date("received", true) });
    return rec;
  }
  const request = r.str("request", true);
  if (request !== undefined && !isIdOf("amendment", request)) problem("'request' is not an amendment request id");
  const addendum = r.str("addendum", true);
  if (addendum !== undefined && !isIdOf("note", addendum)) problem("'addendum' is not a note id");
  put(rec, { event, request, date: r.date("date", true), by: r.str("by", true), addendum, reason: r.str("reason", event === "deny"), text: r.str("text", event === "statement") });
  return rec;
}

/**
 * References of the extra kinds, within the file or the chart: a revocation names an
 * authorization of the same client; a void names a record of its own client (or the client).
 */
export function extraReferenceProblems(
  r: AnyRecord,
  byId: ReadonlyMap<string, AnyRecord>,
  clientOf: (id: string) => string | undefined,
): string | undefined {
  if (r.kind === "consent" && r.event === "revoke" && typeof r.revokes === "string") {
    const owner = clientOf(r.revokes);
    if (owner === undefined) return "'revokes' names no authorization in the file or the chart";
    if (owner !== r.client) return "'revokes' names an authorization of another client";
    const target = byId.get(r.revokes);
    if (target && target.event !== "grant") return "'revokes' must name an authorization, not a revocation";
  }
  for (const k of ["request", "note", "addendum"] as const) {
    if ((r.kind === "access" || r.kind === "amendment") && typeof r[k] === "string") {
      const owner = clientOf(r[k]);
      if (owner === undefined) return `'${k}' names no record in the file or the chart`;
      if (owner !== r.client) return `'${k}' names a record of another client`;
    }
  }
  if (r.kind === "void" && typeof r.target === "string") {
    const owner = clientOf(r.target);
    if (owner === undefined) return "'target' names no record in the file or the chart";
    if (owner !== r.client) return "'target' names a record of another client";
  }
  return undefined;
}
