import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/dates.js";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import {
  changedFields,
  checkMedEvent,
  createdAfter,
  foldMedications,
  medHistoryProblems,
  medicationBefore,
  oftenSudTreatment,
  resolveMedication,
  type MedEventRecord,
  type MedEventType,
} from "../../src/domain/med.js";

const CID = makeId("client", new Uint8Array(16).fill(7));
const idOf = (n: number): string => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, n);
  b[15] = 1;
  return makeId("med", b);
};
const day = (k: number) => addDays("2024-01-01", k);
const at = (k: number) => new Date(Date.UTC(2024, 5, 1, 0, 0, k)).toISOString().replace(/\.\d{3}Z$/, "Z");

function ev(n: number, event: MedEventType, med: string, date: string, created: string, extra: Partial<MedEventRecord> = {}): MedEventRecord {
  const id = event === "start" ? med : idOf(n);
  return { chart: 1, kind: "med", id, client: CID, created, event, med, date, ...(event === "start" ? { name: `drug${med.slice(-3)}` } : {}), ...extra };
}

function refuses(fn: () => void, code: string, exit = 3): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChartError);
    expect((e as ChartError).code).toBe(code);
    expect((e as ChartError).exit).toBe(exit);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

const M = idOf(1000);
const start = ev(0, "start", M, day(0), at(0), { name: "sertraline", dose: "50 mg", route: "oral", frequency: "daily", labels: ["PSY"] });

describe("foldMedications", () => {
  it("folds start, change and stop", () => {
    const change = ev(1, "change", M, day(10), at(1), { dose: "100 mg", reason: "partial response", labels: ["SUD"] });
    const stop = ev(2, "stop", M, day(20), at(2), { reason: "side effects" });
    const [m] = foldMedications([stop, change, start]);
    expect(m).toEqual({
      med: M,
      name: "sertraline",
      dose: "100 mg",
      route: "oral",
      frequency: "daily",
      started: day(0),
      lastChanged: day(10),
      stopped: day(20),
      stopReason: "side effects",
      active: false,
      labels: ["PSY", "SUD"],
      events: [M, change.id, stop.id],
    });
  });

  it("orders by date, not by recording: a change recorded after the stop but dated before it applies", () => {
    const stop = ev(2, "stop", M, day(20), at(1));
    const lateChange = ev(3, "change", M, day(10), at(5), { dose: "75 mg" });
    expect(() => checkMedEvent([start, stop], lateChange)).not.toThrow();
    const [m] = foldMedications([start, stop, lateChange]);
    expect(m?.dose).toBe("75 mg");
    expect(m?.active).toBe(false);
    expect(m?.stopped).toBe(day(20));
  });

  it("a merged history with a change after the stop keeps the stop and skips the change", () => {
    const stop = ev(2, "stop", M, day(20), at(1));
    const after = ev(3, "change", M, day(25), at(2), { dose: "200 mg" });
    const [m] = foldMedications([start, after, stop]);
    expect(m?.dose).toBe("50 mg");
    expect(m?.events).toEqual([M, stop.id]);
    expect([...medHistoryProblems([start, after, stop]).keys()]).toEqual([after.id]);
  });

  it("ignores events of a medication that never started, and a second start", () => {
    const orphan = ev(4, "change", idOf(2000), day(5), at(1), { dose: "1 mg" });
    const bogus: MedEventRecord = { ...ev(5, "change", M, day(1), at(1)), event: "start", name: "x" };
    expect(foldMedications([orphan])).toEqual([]);
    expect(foldMedications([start, bogus])).toHaveLength(1);
    expect(medHistoryProblems([start, bogus]).get(bogus.id)?.code).toBe("E_MED_BAD_START");
  });
});

describe("checkMedEvent (write-time rules)", () => {
  const stop = ev(2, "stop", M, day(20), at(2));
  const change = ev(1, "change", M, day(10), at(1), { dose: "100 mg" });

  it("refuses a change or stop before the start", () => {
    refuses(() => checkMedEvent([start], ev(9, "change", M, addDays(day(0), -1), at(9), { dose: "1 mg" })), "E_MED_NOT_STARTED");
    refuses(() => checkMedEvent([start], ev(9, "stop", M, addDays(day(0), -3), at(9))), "E_MED_NOT_STARTED");
  });

  it("refuses a change or stop for a medication without a start", () => {
    refuses(() => checkMedEvent([], ev(9, "change", idOf(77), day(3), at(9), { dose: "1 mg" })), "E_MED_NOT_STARTED");
  });

  it("refuses a change on or after the stop, and a second stop", () => {
    refuses(() => checkMedEvent([start, stop], ev(9, "change", M, day(20), at(9), { dose: "1 mg" })), "E_MED_NOT_ACTIVE");
    refuses(() => checkMedEvent([start, stop], ev(9, "change", M, day(30), at(9), { dose: "1 mg" })), "E_MED_NOT_ACTIVE");
    refuses(() => checkMedEvent([start, stop], ev(9, "stop", M, day(25), at(9))), "E_MED_STOPPED");
    refuses(() => checkMedEvent([start, stop], ev(9, "stop", M, day(5), at(9))), "E_MED_STOPPED");
  });

  it("refuses a stop dated before an existing change (the change would no longer apply)", () => {
    refuses(() => checkMedEvent([start, change], ev(9, "stop", M, day(5), at(9))), "E_MED_LATER_EVENT");
    refuses(() => checkMedEvent([start, change, stop], ev(9, "stop", M, day(5), at(9))), "E_MED_STOPPED");
  });

  it("accepts a same-day stop after a change, and refuses a same-day change after a stop", () => {
    expect(() => checkMedEvent([start, change], ev(9, "stop", M, day(10), at(9)))).not.toThrow();
    const sameDayStop = ev(8, "stop", M, day(10), at(8));
    refuses(() => checkMedEvent([start, sameDayStop], ev(9, "change", M, day(10), at(9), { dose: "2 mg" })), "E_MED_NOT_ACTIVE");
  });

  it("refuses a change that changes nothing (usage) and a start without a name", () => {
    refuses(() => checkMedEvent([start], ev(9, "change", M, day(3), at(9))), "E_MED_NO_CHANGE", 2);
    refuses(() => checkMedEvent([], { ...ev(9, "start", idOf(5), day(1), at(1)), name: " " }), "E_MED_NAME");
  });

  it("does not blame a new event for problems already in the history", () => {
    const after = ev(3, "change", M, day(25), at(3), { dose: "200 mg" }); // merged: a change after the stop
    expect(() => checkMedEvent([start, stop, after], ev(9, "change", M, day(12), at(9), { frequency: "twice daily" }))).not.toThrow();
  });

  it("errors name ids and the date given, never the medication's name", () => {
    try {
      checkMedEvent([start, stop], ev(9, "change", M, day(30), at(9), { dose: "1 mg" }));
    } catch (e) {
      expect((e as Error).message).not.toContain("sertraline");
      expect((e as ChartError).hint ?? "").not.toContain("sertraline");
    }
  });
});

// --- properties --------------------------------------------------------------------------

const MEDS = [idOf(5001), idOf(5002), idOf(5003)];
interface Cmd {
  type: MedEventType;
  med: number;
  day: number;
  dose: number;
}
const cmdArb = fc.record({ type: fc.constantFrom<MedEventType>("start", "change", "change", "stop"), med: fc.nat(2), day: fc.nat(40), dose: fc.nat(5) });

/** Apply commands through the write rule, as the CLI does; returns the accepted events. */
function history(cmds: readonly Cmd[]): MedEventRecord[] {
  const accepted: MedEventRecord[] = [];
  cmds.forEach((c, i) => {
    const med = MEDS[c.med] as string;
    const created = createdAfter(at(i), accepted);
    const e = c.type === "start" ? ev(i, "start", med, day(c.day), created) : ev(i, c.type, med, day(c.day), created, c.type === "change" ? { dose: `${c.dose} mg` } : {});
    if (c.type === "start" && accepted.some((x) => x.id === med)) return;
    try {
      checkMedEvent(accepted, e);
      accepted.push(e);
    } catch (err) {
      if (!(err instanceof ChartError)) throw err;
    }
  });
  return accepted;
}

/** Any events at all: random types, dates and recording times, including ones the rules refuse. */
const anyEvents = fc
  .array(fc.record({ type: fc.constantFrom<MedEventType>("start", "change", "stop"), med: fc.nat(2), day: fc.nat(10), sec: fc.nat(5), dose: fc.nat(3) }), { maxLength: 25 })
  .map((xs) => xs.map((x, i) => ev(i, x.type, MEDS[x.med] as string, day(x.day), at(x.sec), x.type === "change" ? { dose: `${x.dose} mg` } : {})))
  .map((xs) => xs.filter((e, i) => xs.findIndex((y) => y.id === e.id) === i)); // ids are unique in a chart

const permuted = <T>(arb: fc.Arbitrary<T[]>) => arb.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length })));

describe("properties", () => {
  it("any permutation of recording order gives the same medications (any events, valid or not)", () => {
    fc.assert(
      fc.property(permuted(anyEvents), ([a, b]) => {
        expect(foldMedications(b)).toEqual(foldMedications(a));
        expect(medHistoryProblems(b)).toEqual(medHistoryProblems(a));
      }),
    );
  });

  it("histories written through the rules are consistent: every event applies", () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 30 }), (cmds) => {
        const h = history(cmds);
        expect(medHistoryProblems(h).size).toBe(0);
        const meds = foldMedications(h);
        expect(meds.reduce((n, m) => n + m.events.length, 0)).toBe(h.length);
        for (const m of meds) expect(m.active).toBe(!h.some((e) => e.med === m.med && e.event === "stop"));
      }),
    );
  });

  it("the same history in any order folds the same", () => {
    fc.assert(
      fc.property(
        fc.array(cmdArb, { maxLength: 30 }).chain((cmds) => {
          const h = history(cmds);
          return fc.tuple(fc.constant(h), fc.shuffledSubarray(h, { minLength: h.length, maxLength: h.length }));
        }),
        ([h, p]) => {
          expect(foldMedications(p)).toEqual(foldMedications(h));
        },
      ),
    );
  });
});

describe("naming a medication", () => {
  const a = ev(0, "start", idOf(11), day(0), at(0), { name: "Sertraline" });
  const b = ev(0, "start", idOf(12), day(1), at(1), { name: "Quetiapine" });
  const c = ev(0, "start", idOf(13), day(2), at(2), { name: "sertraline" });
  const stopA = ev(20, "stop", idOf(11), day(5), at(5));
  const meds = foldMedications([a, b, c, stopA]);

  it("by id, id prefix, or name part; active ones first", () => {
    expect(resolveMedication(meds, idOf(12)).med).toBe(idOf(12));
    expect(resolveMedication(meds, idOf(12).slice(0, 12)).med).toBe(idOf(12));
    expect(resolveMedication(meds, "quet").med).toBe(idOf(12));
    expect(resolveMedication(meds, "SERT").med).toBe(idOf(13)); // the active one wins over the stopped one
  });

  it("ambiguity is a usage error naming ids only; no match is not found", () => {
    refuses(() => resolveMedication(meds, "e"), "E_MED_AMBIGUOUS", 2);
    try {
      resolveMedication(meds, "e");
    } catch (e) {
      expect((e as Error).message).not.toMatch(/quetiapine|sertraline/i);
    }
    refuses(() => resolveMedication(meds, "lithium"), "E_MED_NOT_FOUND", 4);
  });
});

describe("helpers", () => {
  it("createdAfter moves past the latest recording time, in whole seconds", () => {
    expect(createdAfter("2024-06-01T00:00:10Z", [])).toBe("2024-06-01T00:00:10Z");
    expect(createdAfter("2024-06-01T00:00:10Z", [{ created: "2024-06-01T00:00:10Z" }])).toBe("2024-06-01T00:00:11Z");
    expect(createdAfter("2024-06-01T00:00:10Z", [{ created: "2024-06-01T00:00:30.500Z" }])).toBe("2024-06-01T00:00:31Z");
    expect(createdAfter("2024-06-01T00:00:10Z", [{ created: "2024-06-01T00:00:05Z" }])).toBe("2024-06-01T00:00:10Z");
  });

  it("changedFields compares with the state just before the change", () => {
    const change = ev(1, "change", M, day(10), at(1), { dose: "50 mg", frequency: "twice daily" });
    expect(changedFields(medicationBefore([start], change), change)).toEqual(["frequency"]);
    expect(changedFields(medicationBefore([start], change), { dose: "50 mg" })).toEqual([]);
  });

  it("reminds about common substance-use treatments", () => {
    expect(oftenSudTreatment("Buprenorphine/naloxone")).toBe(true);
    expect(oftenSudTreatment("sertraline")).toBe(false);
  });
});
