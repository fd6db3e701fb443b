import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/domain/canonical.js";
import { mergeKeySets, mergeRecord, type Alternative } from "../../src/domain/merge.js";
import type { AnyRecord } from "../../src/domain/record.js";

const base: AnyRecord = { chart: 1, kind: "client", id: "cl_x", client: "cl_x", created: "2026-01-01T00:00:00Z", name: "Ann", phone: "1" };
const edit = (r: AnyRecord, f: Record<string, unknown>, at: string): AnyRecord => ({ ...r, ...f, updated: at });

describe("mergeRecord", () => {
  it("keeps fields changed on one side only", () => {
    const o = edit(base, { phone: "2" }, "2026-02-01T00:00:00Z");
    const t = edit(base, { email: "a@b.c" }, "2026-02-02T00:00:00Z");
    const { record, conflicts } = mergeRecord(base, o, t);
    expect(record.phone).toBe("2");
    expect(record.email).toBe("a@b.c");
    expect(conflicts).toEqual([]);
    expect(record.alternatives).toBeUndefined();
    expect(record.updated).toBe("2026-02-02T00:00:00Z");
  });

  it("a field both changed: the later edit stands, the other is kept", () => {
    const o = edit(base, { phone: "2" }, "2026-02-01T00:00:00Z");
    const t = edit(base, { phone: "3" }, "2026-02-02T00:00:00Z");
    const { record, conflicts } = mergeRecord(base, o, t);
    expect(record.phone).toBe("3");
    expect(conflicts).toEqual(["phone"]);
    expect(record.alternatives).toEqual([{ field: "phone", value: "2", updated: "2026-02-01T00:00:00Z" }]);
  });

  it("a signed note stands whole; the draft edit is kept beside it", () => {
    const n: AnyRecord = { chart: 1, kind: "note", id: "nt_x", client: "cl_x", created: "2026-01-01T00:00:00Z", status: "draft", body: "a\n", duration: 50 };
    const signed = { ...n, status: "signed", signed: { hash: "h" }, updated: "2026-02-01T00:00:00Z" };
    const edited = edit(n, { body: "b\n", duration: 45 }, "2026-02-02T00:00:00Z");
    const { record } = mergeRecord(n, edited, signed);
    expect(record.status).toBe("signed");
    expect(record.body).toBe("a\n");
    expect(record.duration).toBe(50);
    expect((record.alternatives as Alternative[]).map((a) => a.field).sort()).toEqual(["body", "duration"]);
  });

  const value = fc.option(fc.constantFrom("a", "b", "c"), { nil: undefined });
  const side = fc.record({ phone: value, email: value, body: value, stamp: fc.integer({ min: 1, max: 3 }) });
  const build = (s: { phone?: string; email?: string; body?: string; stamp: number }): AnyRecord => {
    const r: AnyRecord = { ...base, updated: `2026-0${s.stamp}-01T00:00:00Z` };
    for (const k of ["phone", "email", "body"] as const) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- k runs over three optional fields
      if (s[k] === undefined) delete r[k];
      else r[k] = s[k];
    }
    return r;
  };

  it("property: the same result whichever device merges, and no value either side wrote is lost", () => {
    fc.assert(
      fc.property(side, side, side, (b, o, t) => {
        const [rb, ro, rt] = [build(b), build(o), build(t)];
        const x = mergeRecord(rb, ro, rt).record;
        const y = mergeRecord(rb, rt, ro).record;
        expect(canonicalJson(x)).toBe(canonicalJson(y));
        const alts = (x.alternatives as Alternative[] | undefined) ?? [];
        for (const k of ["phone", "email", "body"]) {
          for (const r of [ro, rt]) {
            if (canonicalJson(r[k] ?? null) === canonicalJson(rb[k] ?? null)) continue; // unchanged on that side
            const kept = canonicalJson(x[k] ?? null) === canonicalJson(r[k] ?? null) || alts.some((a) => a.field === k && canonicalJson(a.value) === canonicalJson(r[k] ?? null));
            expect(kept, `${k} from a side`).toBe(true);
          }
        }
      }),
    );
  });
});

describe("mergeKeySets", () => {
  const k = (r: string) => ({ recipient: r, label: r });
  it("a key either side removed is gone; a key either side added stays", () => {
    const out = mergeKeySets([k("a"), k("b")], [k("a"), k("b"), k("c")], [k("a")]).map((e) => e.recipient);
    expect(out).toEqual(["a", "c"]);
  });
});
