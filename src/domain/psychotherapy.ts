/**
 * Psychotherapy notes (HIPAA process notes) are kept apart, and so is everything attached to
 * them: an addendum follows its note everywhere (timeline, search, exports). An addendum whose
 * note is not among those given (unreadable, or another client's) is kept apart too: fail closed.
 */
import type { NoteRecord } from "./note.js";

export const isPsychotherapyNote = (n: Pick<NoteRecord, "type" | "labels">): boolean =>
  n.type === "psychotherapy" || (n.labels ?? []).includes("PSYTHPN");

/** A predicate over `notes`: is this note, or the note it is an addendum to, kept apart? */
export function keptApart(notes: readonly NoteRecord[]): (n: NoteRecord) => boolean {
  const byId = new Map(notes.map((n) => [n.id, n]));
  return (n) => {
    if (n.type !== "addendum") return isPsychotherapyNote(n);
    const parent = n.addendumTo ? byId.get(n.addendumTo) : undefined;
    return parent === undefined || isPsychotherapyNote(parent) || isPsychotherapyNote(n);
  };
}
