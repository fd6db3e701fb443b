import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DxEventRecord } from "../../src/domain/dx.js";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import type { MedEventRecord } from "../../src/domain/med.js";
import type { NoteRecord } from "../../src/domain/note.js";
import { buildTimeline, parseTimelineKinds } from "../../src/domain/timeline.js";

const CID = makeId("client", new Uint8Array(16).fill(3));
let n = 0;
const id = (kind: "note" | "med" | "dx") => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, ++n);
  return makeId(kind, b);
};

const note = (date: string, body: string, extra: Partial<NoteRecord> = {}): NoteRecord => ({
  chart: 1, kind: "note", id: id("note"), client: CID, created: `${date}T12:00:00Z`, type: "progress", template: "free", date, status: "signed", body, ...extra,
});
const medStart = id("med");
const meds: MedEventRecord[] = [
  { chart: 1, kind: "med", id: medStart, med: medStart, client: CID, created: "2024-02-01T09:00:00Z", event: "start", date: "2024-02-01", name: "sertraline", dose: "50 mg", labels: ["PSY"] },
  { chart: 1, kind: "med", id: id("med"), med: medStart, client: CID, created: "2024-03-01T09:00:00Z", event: "change", date: "2024-03-01", dose: "100 mg" },
];
const dx: DxEventRecord[] = [
  { chart: 1, kind: "dx", id: id("dx"), client: CID, created: "2024-01-15T09:00:00Z", event: "add", code: "F41.1", date: "2024-01-15", status: "active", description: "Generalized anxiety disorder" },
];
const notes = [
  note("2024-01-15", "## Subjective\nFirst session, anxious about work.\n", { type: "intake" }),
  note("2024-03-01", "Reports better sleep. <private>detail</private>\n"),
  note("2024-03-08", "Process notes.\n", { type: "psychotherapy", labels: ["PSYTHPN"] }),
];

describe("buildTimeline", () => {
  it("merges notes, medication and diagnosis events in date order", () => {
    const t = buildTimeline({ notes, meds, dx });
    expect(t.map((e) => [e.date, e.kind])).toEqual([
      ["2024-01-15", "dx"], // recorded 09:00, before the intake note at 12:00
      ["2024-01-15", "note"],
      ["2024-02-01", "med"],
      ["2024-03-01", "med"],
      ["2024-03-01", "note"],
    ]);
    expect(t[0]?.summary).toBe("add F41.1 Generalized anxiety disorder (active)");
    expect(t[1]?.summary).toBe("intake: First session, anxious about work.");
    expect(t[2]).toMatchObject({ summary: "start sertraline 50 mg", name: "sertraline", med: medStart, labels: ["PSY"], event: "start" });
    expect(t[3]?.summary).toBe("change sertraline: 100 mg");
    expect(t[4]?.summary).toBe("progress: Reports better sleep. [private]");
  });

  it("keeps psychotherapy notes apart unless asked", () => {
    expect(buildTimeline({ notes, meds, dx }).some((e) => e.event === "psychotherapy")).toBe(false);
    expect(buildTimeline({ notes, meds, dx }, { psychotherapy: true }).filter((e) => e.event === "psychotherapy")).toHaveLength(1);
  });

  it("filters by since/until (inclusive) and kind", () => {
    expect(buildTimeline({ notes, meds, dx }, { since: "2024-02-01", until: "2024-03-01" }).map((e) => e.date)).toEqual(["2024-02-01", "2024-03-01", "2024-03-01"]);
    expect(buildTimeline({ notes, meds, dx }, { kinds: ["med"] }).every((e) => e.kind === "med")).toBe(true);
  });

  it("flags events that do not apply", () => {
    const bad: MedEventRecord = { chart: 1, kind: "med", id: id("med"), med: id("med"), client: CID, created: "2024-01-01T00:00:00Z", event: "stop", date: "2024-01-01" };
    expect(buildTimeline({ notes: [], meds: [bad], dx: [] })[0]?.conflict).toBe(true);
  });

  it("is sorted, and a permutation of the input gives the same timeline", () => {
    const all = { notes, meds, dx };
    fc.assert(
      fc.property(fc.shuffledSubarray(notes, { minLength: 3, maxLength: 3 }), fc.shuffledSubarray(meds, { minLength: 2, maxLength: 2 }), (ns, ms) => {
        const t = buildTimeline({ notes: ns, meds: ms, dx });
        expect(t).toEqual(buildTimeline(all));
        for (let i = 1; i < t.length; i++) expect((t[i - 1] as { date: string }).date <= (t[i] as { date: string }).date).toBe(true);
      }),
    );
  });

  it("parses --kind lists and refuses unknown kinds as a usage error", () => {
    expect(parseTimelineKinds(["note,med", "dx"])).toEqual(["note", "med", "dx"]);
    expect(parseTimelineKinds(undefined)).toBeUndefined();
    try {
      parseTimelineKinds(["consent"]);
      expect.unreachable();
    } catch (e) {
      expect((e as ChartError).exit).toBe(2);
    }
  });
});
