import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/dates.js";
import {
  checkDxEvent,
  describeDxEvent,
  diagnosisBefore,
  dxHistoryProblems,
  foldDiagnoses,
  isCurrentDx,
  type DxEventRecord,
  type DxStatus,
} from "../../src/domain/dx.js";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import { createdAfter } from "../../src/domain/med.js";

const CID = makeId("client", new Uint8Array(16).fill(9));
const idOf = (n: number): string => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, n);
  return makeId("dx", b);
};
const day = (k: number) => addDays("2024-01-01", k);
const at = (k: number) => new Date(Date.UTC(2024, 5, 1, 0, 0, k)).toISOString().replace(/\.\d{3}Z$/, "Z");

function add(n: number, code: string, d: number, extra: Partial<DxEventRecord> = {}): DxEventRecord {
  return { chart: 1, kind: "dx", id: idOf(n), client: CID, created: at(n), event: "add", code, date: day(d), status: "active", ...extra };
}
function status(n: number, code: string, d: number, s: DxStatus, extra: Partial<DxEventRecord> = {}): DxEventRecord {
  return { chart: 1, kind: "dx", id: idOf(n), client: CID, created: at(n), event: "status", code, date: day(d), status: s, ...extra };
}

function refuses(fn: () => void, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChartError);
    expect((e as ChartError).code).toBe(code);
    expect((e as ChartError).exit).toBe(3);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe("foldDiagnoses", () => {
  it("folds add, status changes and resolution; primary first", () => {
    const gad = add(1, "F41.1", 0, { description: "Generalized anxiety disorder", onset: day(-30) });
    const mdd = add(2, "F32.1", 1, { status: "provisional", primary: true, labels: ["PSY"] });
    const confirm = status(3, "F32.1", 5, "active");
    const resolve = status(4, "F41.1", 9, "resolved");
    const list = foldDiagnoses([resolve, confirm, gad, mdd]);
    expect(list.map((d) => d.code)).toEqual(["F32.1", "F41.1"]);
    expect(list[0]).toMatchObject({ status: "active", since: day(5), added: day(1), primary: true, labels: ["PSY"], events: [mdd.id, confirm.id] });
    expect(list[1]).toMatchObject({ status: "resolved", resolved: day(9), since: day(9), onset: day(-30), description: "Generalized anxiety disorder" });
    expect(isCurrentDx(list[1] as never)).toBe(false);
  });

  it("a re-add after a resolve is a new episode", () => {
    const list = foldDiagnoses([add(1, "F33.1", 0, { onset: day(-5) }), status(2, "F33.1", 10, "resolved"), add(3, "F33.1", 20)]);
    expect(list[0]).toMatchObject({ status: "active", added: day(20), since: day(20) });
    expect(list[0]?.resolved).toBeUndefined();
    expect(list[0]?.onset).toBeUndefined();
  });

  it("a primary-only update keeps 'since' (no status change)", () => {
    const list = foldDiagnoses([add(1, "F41.1", 0, { primary: true }), status(2, "F41.1", 10, "active", { primary: false })]);
    expect(list[0]).toMatchObject({ primary: false, since: day(0) });
  });

  it("is lenient with a first event that is not an add, and skips later events that do not apply", () => {
    expect(foldDiagnoses([status(1, "F43.10", 3, "resolved")])[0]).toMatchObject({ status: "resolved", resolved: day(3) });
    const merged = [add(1, "F41.1", 0), status(2, "F41.1", 5, "resolved"), status(3, "F41.1", 7, "ruled-out")];
    expect(foldDiagnoses(merged)[0]).toMatchObject({ status: "resolved", resolved: day(5) });
    expect([...dxHistoryProblems(merged).keys()]).toEqual([idOf(3)]);
  });
});

describe("checkDxEvent (write-time rules)", () => {
  const gad = add(1, "F41.1", 0);

  it("refuses a resolve or rule-out of a code not on the list", () => {
    refuses(() => checkDxEvent([gad], status(9, "F32.1", 3, "resolved")), "E_DX_NOT_ON_LIST");
    refuses(() => checkDxEvent([], status(9, "F41.1", 3, "ruled-out")), "E_DX_NOT_ON_LIST");
  });

  it("refuses a status change dated before the code was added", () => {
    refuses(() => checkDxEvent([add(1, "F41.1", 10)], status(9, "F41.1", 3, "resolved")), "E_DX_NOT_ON_LIST");
  });

  it("refuses adding a code that is current, allows it again after a resolve", () => {
    refuses(() => checkDxEvent([gad], add(9, "F41.1", 3)), "E_DX_EXISTS");
    const resolved = status(2, "F41.1", 5, "resolved");
    expect(() => checkDxEvent([gad, resolved], add(9, "F41.1", 8))).not.toThrow();
    refuses(() => checkDxEvent([gad, resolved], status(9, "F41.1", 8, "resolved")), "E_DX_NOT_CURRENT");
  });

  it("refuses a back-dated resolve that would leave a later event without effect", () => {
    const confirm = status(2, "F41.1", 10, "active", { primary: true });
    refuses(() => checkDxEvent([gad, confirm], status(9, "F41.1", 5, "resolved")), "E_DX_LATER_EVENT");
  });

  it("refuses an onset after the diagnosis date and an add with a closed status", () => {
    refuses(() => checkDxEvent([], add(9, "F41.1", 3, { onset: day(4) })), "E_DX_ONSET");
    refuses(() => checkDxEvent([], add(9, "F41.1", 3, { status: "resolved" })), "E_DX_BAD_STATUS");
  });

  it("diagnosisBefore gives the state just before an event", () => {
    const e = status(9, "F41.1", 3, "resolved");
    expect(diagnosisBefore([gad], e)?.status).toBe("active");
    expect(diagnosisBefore([], e)).toBeUndefined();
  });

  it("describes events in one line", () => {
    expect(describeDxEvent(add(1, "F41.1", 0, { description: "GAD", primary: true }))).toBe("add F41.1 GAD (active, primary)");
    expect(describeDxEvent(status(1, "F41.1", 0, "ruled-out"))).toBe("rule out F41.1");
  });
});

// --- properties --------------------------------------------------------------------------

const CODES = ["F41.1", "F32.1", "F10.20"];
const STATUSES: DxStatus[] = ["provisional", "active", "resolved", "ruled-out"];

const anyEvents = fc
  .array(fc.record({ add: fc.boolean(), code: fc.nat(2), day: fc.nat(10), sec: fc.nat(5), status: fc.nat(3), primary: fc.option(fc.boolean(), { nil: undefined }) }), { maxLength: 25 })
  .map((xs) =>
    xs.map((x, i) =>
      x.add
        ? add(i, CODES[x.code] as string, x.day, { status: x.status % 2 ? "active" : "provisional", created: at(x.sec), ...(x.primary !== undefined ? { primary: x.primary } : {}) })
        : status(i, CODES[x.code] as string, x.day, STATUSES[x.status] as DxStatus, { created: at(x.sec) }),
    ),
  );

function history(cmds: { add: boolean; code: number; day: number; status: number }[]): DxEventRecord[] {
  const accepted: DxEventRecord[] = [];
  cmds.forEach((c, i) => {
    const base = c.add ? add(i, CODES[c.code] as string, c.day, { status: c.status % 2 ? "active" : "provisional" }) : status(i, CODES[c.code] as string, c.day, STATUSES[c.status] as DxStatus);
    const e = { ...base, created: createdAfter(at(i), accepted) };
    try {
      checkDxEvent(accepted, e);
      accepted.push(e);
    } catch (err) {
      if (!(err instanceof ChartError)) throw err;
    }
  });
  return accepted;
}
const cmds = fc.array(fc.record({ add: fc.boolean(), code: fc.nat(2), day: fc.nat(40), status: fc.nat(3) }), { maxLength: 30 });

describe("properties", () => {
  it("any permutation of recording order gives the same diagnoses (any events, valid or not)", () => {
    fc.assert(
      fc.property(
        anyEvents.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))),
        ([a, b]) => {
          expect(foldDiagnoses(b)).toEqual(foldDiagnoses(a));
          expect(dxHistoryProblems(b)).toEqual(dxHistoryProblems(a));
        },
      ),
    );
  });

  it("histories written through the rules are consistent and fold the same in any order", () => {
    fc.assert(
      fc.property(
        cmds.chain((c) => {
          const h = history(c);
          return fc.tuple(fc.constant(h), fc.shuffledSubarray(h, { minLength: h.length, maxLength: h.length }));
        }),
        ([h, p]) => {
          expect(dxHistoryProblems(h).size).toBe(0);
          const list = foldDiagnoses(p);
          expect(list).toEqual(foldDiagnoses(h));
          expect(list.reduce((n, d) => n + d.events.length, 0)).toBe(h.length);
        },
      ),
    );
  });
});
