/**
 * A client's request to amend their record (HIPAA 45 CFR 164.526; docs/amendments.md). One file
 * per fact under clients/<cid>/amendments/: the request (naming the note), and its outcome.
 * Either outcome puts a signed addendum on the note, so it travels with the note wherever the
 * note goes (shares, the client's copy, exports): the accepted amendment, or the request, the
 * denial and the client's statement of disagreement (164.526(d)(4), (d)(5)).
 */
import type { AnyDisclosure } from "./accounting.js";
import type { ConsentRecipient } from "./consent.js";
import { addDays, type IsoDate } from "./dates.js";
import { conflict, notFound, usageError } from "./errors.js";
import { shortId } from "./ids.js";
import type { BaseRecord } from "./record.js";

/** 164.526(b)(2)(i): act no later than 60 days after receipt. */
export const AMENDMENT_DAYS = 60;

export interface AmendmentRequest extends BaseRecord {
  kind: "amendment";
  event: "request";
  note: string;
  text: string;
  received: IsoDate;
}

export interface AmendmentOutcome extends BaseRecord {
  kind: "amendment";
  event: "accept" | "deny" | "statement";
  request: string;
  date: IsoDate;
  by: string;
  addendum: string; // the note addendum that carries it
  reason?: string; // deny: the basis
  text?: string; // statement: the client's statement of disagreement
}

export type AmendmentRecord = AmendmentRequest | AmendmentOutcome;

export interface AmendmentStatus {
  request: AmendmentRequest;
  due: IsoDate;
  accepted?: AmendmentOutcome;
  denied?: AmendmentOutcome;
  statements: AmendmentOutcome[];
  open: boolean;
  overdue: boolean;
}

export function amendmentStatuses(records: readonly AmendmentRecord[], today: IsoDate): AmendmentStatus[] {
  const outcomes = records.filter((r): r is AmendmentOutcome => r.event !== "request").sort((a, b) => (a.created < b.created ? -1 : 1));
  return records
    .filter((r): r is AmendmentRequest => r.event === "request")
    .map((request) => {
      const mine = outcomes.filter((o) => o.request === request.id);
      const accepted = mine.find((o) => o.event === "accept");
      const denied = mine.find((o) => o.event === "deny");
      const due = addDays(request.received, AMENDMENT_DAYS);
      const open = !accepted && !denied;
      const s: AmendmentStatus = { request, due, statements: mine.filter((o) => o.event === "statement"), open, overdue: open && today > due };
      if (accepted) s.accepted = accepted;
      if (denied) s.denied = denied;
      return s;
    })
    .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
}

export function findAmendment(statuses: readonly AmendmentStatus[], query: string): AmendmentStatus {
  const q = query.trim();
  const hits = statuses.filter((s) => s.request.id === q || (q.length >= 4 && s.request.id.startsWith(q.includes("_") ? q : `am_${q}`)));
  if (hits.length === 1) return hits[0] as AmendmentStatus;
  if (hits.length === 0) throw notFound("E_AMENDMENT_NOT_FOUND", `no amendment request of this client matches "${q.slice(0, 30)}"`, "see chart amendment list CLIENT");
  throw usageError("E_AMENDMENT_AMBIGUOUS", `"${q}" matches ${hits.length} requests`, "give more of the id");
}

export function assertOpen(s: AmendmentStatus): void {
  const done = s.accepted ?? s.denied;
  if (done) throw conflict("E_AMENDMENT_DONE", `request ${shortId(s.request.id)} was ${done.event === "accept" ? "accepted" : "denied"} on ${done.date}`, "record a new request");
}

/** The addendum texts: what travels with the note. */
export const acceptedText = (r: AmendmentRequest): string =>
  `Amendment at the client's request (${r.id}, received ${r.received}), accepted:\n\n${r.text.trim()}\n`;

export const deniedText = (r: AmendmentRequest, reason: string, date: IsoDate): string =>
  `Request for amendment (${r.id}, received ${r.received}), denied on ${date}.\n\nThe client asked:\n\n${r.text.trim()}\n\nBasis for the denial: ${reason.trim()}\n\nThe client may submit a statement of disagreement; it will be linked to this note and included with any later disclosure of it.\n`;

export const statementText = (r: AmendmentRequest, text: string): string =>
  `Statement of disagreement from the client (amendment request ${r.id}):\n\n${text.trim()}\n`;

/**
 * Who received the amended note before: 164.526(c)(3) asks to inform persons the practice
 * knows have the information. From the disclosure log: disclosures whose items include it.
 */
export function pastRecipients(disclosures: readonly AnyDisclosure[], noteId: string): { date: IsoDate; recipient: ConsentRecipient; disclosure: string }[] {
  return disclosures
    .filter((d) => (d.items ?? []).includes(noteId))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
    .map((d) => ({ date: d.date, recipient: d.recipient, disclosure: d.id }));
}
