/**
 * The client's own copy of their designated record set (45 CFR 164.524; docs/access.md): a
 * pure function of the client's records, the request and its denial, if any.
 * - Psychotherapy notes are excluded: 164.524(a)(1)(i) excepts them from the right of access.
 * - Notes and addenda: signed ones (a draft is not yet part of the record).
 * - Private passages are part of the record and included, unless a documented denial with its
 *   basis is recorded for the request; then they become "[withheld]" and the copy carries the
 *   denial statement 164.524(d)(2) asks for (basis, review rights, how to complain).
 * - Voided records are shown as voided, with who voided them, when and why.
 * - Authorizations and the accounting of disclosures are included.
 */
import type { ClientData } from "./export.js";
import { byEventOrder } from "./events.js";
import { redactPrivate, type NoteRecord } from "./note.js";
import { voidedIds } from "./void.js";

const PRIVATE_TAG = /<\s*\/?\s*private\s*>/gi;

export interface ClientCopy {
  /** Everything in the copy (voided records included, marked by `voids`). */
  data: ClientData;
  /** The live records only (what the FHIR copy carries). */
  live: ClientData;
  privateWithheld: number;
}

export function clientCopy(d: ClientData, o: { withholdPrivate: boolean }): ClientCopy {
  let privateWithheld = 0;
  const text = (n: NoteRecord): NoteRecord => {
    if (o.withholdPrivate) {
      const r = redactPrivate(n.body);
      privateWithheld += r.withheld;
      return { ...n, body: r.text };
    }
    return { ...n, body: n.body.replace(PRIVATE_TAG, "") };
  };
  const psy = new Set(d.notes.filter((n) => n.type === "psychotherapy").map((n) => n.id));
  const notes = d.notes
    .filter((n) => n.status === "signed" && !psy.has(n.id) && !(n.addendumTo && psy.has(n.addendumTo)))
    .sort(byEventOrder)
    .map(text);
  const kept = new Set([d.profile.id, ...notes.map((n) => n.id), ...d.meds.map((m) => m.id), ...d.dx.map((x) => x.id), ...d.consents.map((c) => c.id)]);
  const data: ClientData = { ...d, notes, voids: d.voids.filter((v) => kept.has(v.target)), dxHistory: d.dx };
  const gone = voidedIds([d.profile, ...notes, ...d.meds, ...d.dx, ...d.consents], data.voids);
  const live = <T extends { id: string }>(xs: readonly T[]) => xs.filter((x) => !gone.has(x.id));
  return {
    data,
    live: { ...data, notes: live(notes), meds: live(d.meds), dx: live(d.dx), consents: live(d.consents), voids: [] },
    privateWithheld,
  };
}
