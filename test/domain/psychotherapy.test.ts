/** Psychotherapy notes' addenda follow their note: kept apart in the timeline unless asked. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeId } from "../../src/domain/ids.js";
import type { NoteRecord, NoteType } from "../../src/domain/note.js";
import { keptApart } from "../../src/domain/psychotherapy.js";
import { buildTimeline } from "../../src/domain/timeline.js";

const CID = makeId("client", new Uint8Array(16).fill(3));
const nid = (i: number) => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, i + 1);
  return makeId("note", b);
};
const note = (i: number, type: NoteType, extra: Partial<NoteRecord> = {}): NoteRecord => ({
  chart: 1, kind: "note", id: nid(i), client: CID, created: "2024-03-01T12:00:00Z", type, template: "free", date: "2024-03-01", status: "signed", body: `secret ${i}\n`, ...extra,
});

describe("psychotherapy addenda", () => {
  it("an addendum to a psychotherapy note is kept apart; to a progress note it is not; an orphan is", () => {
    const psy = note(0, "psychotherapy");
    const prog = note(1, "progress");
    const a1 = note(2, "addendum", { addendumTo: psy.id });
    const a2 = note(3, "addendum", { addendumTo: prog.id });
    const orphan = note(4, "addendum", { addendumTo: nid(99) });
    const apart = keptApart([psy, prog, a1, a2, orphan]);
    expect([psy, prog, a1, a2, orphan].map(apart)).toEqual([true, false, true, false, true]);
    const t = buildTimeline({ notes: [psy, prog, a1, a2, orphan], meds: [], dx: [] });
    expect(t.map((e) => e.id).sort()).toEqual([prog.id, a2.id].sort());
    expect(JSON.stringify(t)).not.toContain("secret 0");
    expect(JSON.stringify(t)).not.toContain("secret 2");
  });

  it("property: without --psychotherapy, no entry is a psychotherapy note or hangs from one", () => {
    const kinds: NoteType[] = ["progress", "intake", "psychotherapy", "contact"];
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom(...kinds), label: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (tops, parents) => {
          const notes = tops.map((t, i) => note(i, t.kind, t.label ? { labels: ["PSYTHPN"] } : {}));
          const addenda = parents.map((p, j) => note(100 + j, "addendum", { addendumTo: nid(p % (tops.length + 1)) }));
          const all = [...notes, ...addenda];
          const psy = new Set(notes.filter((n) => n.type === "psychotherapy" || n.labels?.includes("PSYTHPN")).map((n) => n.id));
          const shown = buildTimeline({ notes: all, meds: [], dx: [] });
          for (const e of shown) {
            expect(psy.has(e.id)).toBe(false);
            if (e.addendumTo) {
              expect(psy.has(e.addendumTo)).toBe(false);
              expect(notes.some((n) => n.id === e.addendumTo)).toBe(true);
            }
          }
          expect(buildTimeline({ notes: all, meds: [], dx: [] }, { psychotherapy: true })).toHaveLength(all.length);
        },
      ),
    );
  });
});
