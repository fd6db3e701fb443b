/**
 * The right of access (HIPAA 45 CFR 164.524; docs/access.md): a client's request for a copy of
 * their record, its due date, one extension, a documented denial of part of it, and its
 * fulfilment. One file per fact under clients/<cid>/access/: the request, and each event that
 * follows it, pointing at the request.
 */
import { addDays, type IsoDate } from "./dates.js";
import { conflict, invalid, notFound, usageError } from "./errors.js";
import { shortId } from "./ids.js";
import type { BaseRecord } from "./record.js";

export const ACCESS_FORMATS = ["pdf", "json", "fhir"] as const;
export type AccessFormat = (typeof ACCESS_FORMATS)[number];

/** 164.524(b)(2)(i): act no later than 30 days after receipt; (b)(2)(ii): one extension of at most 30 days. */
export const ACCESS_DAYS = 30;
export const EXTENSION_DAYS = 30;

export interface AccessRequest extends BaseRecord {
  kind: "access";
  event: "request";
  received: IsoDate;
  formats: AccessFormat[];
  note?: string;
}

export interface AccessExtension extends BaseRecord {
  kind: "access";
  event: "extend";
  request: string;
  date: IsoDate;
  reason: string;
}

/** A documented denial of part of the record (private passages), with its basis: 164.524(a)(3), (d)(2). */
export interface AccessDenial extends BaseRecord {
  kind: "access";
  event: "deny";
  request: string;
  date: IsoDate;
  scope: "private-passages";
  reason: string;
  by: string;
}

export interface AccessFulfilment extends BaseRecord {
  kind: "access";
  event: "fulfil";
  request: string;
  date: IsoDate;
  at: string;
  by: string;
  formats: AccessFormat[];
  files: { name: string; sha256: string }[];
  encryption: "recipient" | "passphrase" | "none";
  privateWithheld: boolean;
}

export type AccessRecord = AccessRequest | AccessExtension | AccessDenial | AccessFulfilment;

export interface AccessStatus {
  request: AccessRequest;
  due: IsoDate;
  extended?: AccessExtension;
  denial?: AccessDenial;
  fulfilled?: AccessFulfilment;
  open: boolean;
  overdue: boolean;
}

export function checkAccessFormats(list: readonly string[] | undefined): AccessFormat[] {
  const items = (list ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.length === 0) return [...ACCESS_FORMATS];
  for (const f of items) {
    if (!(ACCESS_FORMATS as readonly string[]).includes(f)) throw invalid("E_ACCESS_FORMAT", `"${f.slice(0, 20)}" is not a format chart produces for a client's copy`, `use one or more of: ${ACCESS_FORMATS.join(", ")}`);
  }
  return ACCESS_FORMATS.filter((f) => items.includes(f));
}

/** Each request with its due date (30 days, 60 with the one extension) and where it stands today. */
export function accessStatuses(records: readonly AccessRecord[], today: IsoDate): AccessStatus[] {
  const requests = records.filter((r): r is AccessRequest => r.event === "request");
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T names the kind of record the caller looks for
  const first = <T extends AccessRecord>(event: string, rid: string) =>
    records.filter((r) => r.event === event && (r as { request?: string }).request === rid).sort((a, b) => (a.created < b.created ? -1 : 1))[0] as T | undefined;
  return requests
    .map((request) => {
      const extended = first<AccessExtension>("extend", request.id);
      const denial = first<AccessDenial>("deny", request.id);
      const fulfilled = first<AccessFulfilment>("fulfil", request.id);
      const due = addDays(request.received, ACCESS_DAYS + (extended ? EXTENSION_DAYS : 0));
      const s: AccessStatus = { request, due, open: !fulfilled, overdue: !fulfilled && today > due };
      if (extended) s.extended = extended;
      if (denial) s.denial = denial;
      if (fulfilled) s.fulfilled = fulfilled;
      return s;
    })
    .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
}

export function findRequest(statuses: readonly AccessStatus[], query: string): AccessStatus {
  const q = query.trim();
  const hits = statuses.filter((s) => s.request.id === q || (q.length >= 4 && s.request.id.startsWith(q.includes("_") ? q : `ac_${q}`)));
  if (hits.length === 1) return hits[0] as AccessStatus;
  if (hits.length === 0) throw notFound("E_ACCESS_NOT_FOUND", `no access request of this client matches "${q.slice(0, 30)}"`, "see chart access list CLIENT");
  throw usageError("E_ACCESS_AMBIGUOUS", `"${q}" matches ${hits.length} requests`, "give more of the id");
}

/** 164.524(b)(2)(ii)(B): only one extension; it must be given before the first 30 days run out, with a reason. */
export function checkExtension(s: AccessStatus, date: IsoDate, reason: string | undefined): string {
  if (s.fulfilled) throw conflict("E_ACCESS_DONE", `request ${shortId(s.request.id)} was fulfilled on ${s.fulfilled.date}`, "nothing to extend");
  if (s.extended) throw invalid("E_ACCESS_EXTENDED", `request ${shortId(s.request.id)} was already extended on ${s.extended.date}: 164.524 allows one extension`, "fulfil it by " + s.due);
  const r = reason?.trim();
  if (!r) throw invalid("E_ACCESS_REASON", "an extension needs the reason for the delay (the client is told it in writing)", 'pass --reason "..."');
  if (date > addDays(s.request.received, ACCESS_DAYS)) {
    throw invalid("E_ACCESS_LATE", `the 30 days ran out on ${addDays(s.request.received, ACCESS_DAYS)}: an extension must be given within them`, "fulfil the request now");
  }
  return r;
}

/** The statement a partial denial puts in the client's copy: 164.524(d)(2) asks for each element. */
export function denialStatement(d: AccessDenial, practice: string): string[] {
  return [
    "Part of your record was not included in this copy.",
    `What was withheld: passages your clinician marked private, replaced by "[withheld]" where they stood.`,
    `Why (the basis for the denial): ${d.reason}`,
    "Your right to a review: you may ask that this denial be reviewed by a licensed health care professional who did not take part in the original decision, chosen by the practice. Ask in writing to the practice; the practice will tell you the reviewer's decision in writing.",
    `How to complain: you may complain to ${practice}, or to the Secretary of the U.S. Department of Health and Human Services (Office for Civil Rights, www.hhs.gov/ocr/complaints).`,
  ];
}
