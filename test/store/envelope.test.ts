import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import { makeId } from "../../src/domain/ids.js";
import { checkEnvelope, parseRecordPath, recordPath, type AnyRecord } from "../../src/domain/record.js";
import { computeMac, paddedLength, parseEnvelope, serialize } from "../../src/store/envelope.js";
import { runs } from "../support/runs.js";

const key = new Uint8Array(randomBytes(32));
const cid = makeId("client", new Uint8Array(16).fill(1));
const nid = makeId("note", new Uint8Array(16).fill(2));
const nid2 = makeId("note", new Uint8Array(16).fill(3));
const cid2 = makeId("client", new Uint8Array(16).fill(4));

const noteRec = (over: Record<string, unknown> = {}): AnyRecord => ({
  chart: 1,
  kind: "note",
  id: nid,
  client: cid,
  created: "2024-01-01T10:00:00Z",
  type: "progress",
  template: "soap",
  date: "2024-01-01",
  status: "draft",
  duration: 50,
  labels: ["SUD"],
  body: "## Subjective\nslept better\n",
  ...over,
});
const clientRec = (over: Record<string, unknown> = {}): AnyRecord => ({
  chart: 1,
  kind: "client",
  id: cid,
  client: cid,
  created: "2024-01-01T10:00:00Z",
  name: "Ann Lee",
  status: "active",
  admitted: "2024-01-01",
  ...over,
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ChartError) return e.code;
    throw e;
  }
  return "ok";
}

afterEach(() => vi.restoreAllMocks());

describe("record paths", () => {
  it("recordPath and parseRecordPath agree for every kind", () => {
    for (const kind of ["note", "med", "dx", "consent", "disclosure"] as const) {
      const id = makeId(kind, new Uint8Array(16).fill(9));
      const p = recordPath(kind, cid, id);
      expect(parseRecordPath(p)).toEqual({ kind, client: cid, id });
    }
    expect(recordPath("client", cid, cid)).toBe(`clients/${cid}/profile.age`);
    expect(parseRecordPath(`clients/${cid}/profile.age`)).toEqual({ kind: "client", client: cid, id: cid });
    for (const bad of ["clients/x/other/y.age", "notes/a.age", `clients/${cid}/notes/../x.age`, `/clients/${cid}/profile.age`]) {
      expect(parseRecordPath(bad)).toBeNull();
    }
  });

  it("checkEnvelope wants chart: 1, matching kind/id/client, well-formed ids, created, text body", () => {
    const p = recordPath("note", cid, nid);
    expect(code(() => checkEnvelope(noteRec(), p))).toBe("ok");
    expect(code(() => checkEnvelope([1], p))).toBe("E_MALFORMED");
    expect(code(() => checkEnvelope(noteRec({ chart: 2 }), p))).toBe("E_MALFORMED");
    expect(code(() => checkEnvelope(noteRec({ id: nid2 }), p))).toBe("E_MISPLACED");
    expect(code(() => checkEnvelope(noteRec({ client: cid2 }), p))).toBe("E_MISPLACED");
    expect(code(() => checkEnvelope(noteRec({ kind: "med" }), p))).toBe("E_MISPLACED");
    expect(code(() => checkEnvelope(noteRec({ created: 5 }), p))).toBe("E_MALFORMED");
    expect(code(() => checkEnvelope(noteRec({ body: 5 }), p))).toBe("E_MALFORMED");
    expect(code(() => checkEnvelope(noteRec({ id: "nt_short" }), "clients/" + cid + "/notes/nt_short.age"))).toBe("E_MALFORMED");
    expect(code(() => checkEnvelope(noteRec(), "somewhere/else.age"))).toBe("E_BAD_PATH");
  });
});

describe("envelope", () => {
  const notePath = recordPath("note", cid, nid);

  it("round-trips a note (front matter + body) and a client (YAML only)", () => {
    const n = noteRec();
    const t = serialize(n, notePath, key);
    expect(t.startsWith("---\nchart: 1\n")).toBe(true);
    expect(t).toMatch(/\nmac: hmac-sha256:[0-9a-f]{64}\n---\n## Subjective\n/);
    expect(parseEnvelope(t, notePath, key)).toEqual(n);
    const c = clientRec();
    const cp = recordPath("client", cid, cid);
    const ct = serialize(c, cp, key);
    expect(ct.startsWith("chart: 1\n")).toBe(true);
    expect(parseEnvelope(ct, cp, key)).toEqual(c);
  });

  it("property: any field values round-trip (body normalised, undefined dropped)", () => {
    const text = fc.string({ unit: "binary", maxLength: 80 });
    fc.assert(
      fc.property(text, text, fc.option(text, { nil: undefined }), fc.array(text, { maxLength: 3 }), fc.integer(), (name, body, pronouns, tags, n) => {
        const r = noteRec({ body, extra: name, pronouns, tags, n, nested: { a: name, b: [n, null, true] } });
        const out = parseEnvelope(serialize(r, notePath, key), notePath, key);
        const expected = JSON.parse(JSON.stringify({ ...r, body: body.replace(/\r\n?/g, "\n").replace(/\s+$/, "") === "" ? "" : `${body.replace(/\r\n?/g, "\n").replace(/\s+$/, "")}\n` }));
        expect(out).toEqual(expected);
      }),
      { numRuns: runs(300) },
    );
  });

  it("property: YAML look-alike strings stay strings", () => {
    const tricky = fc.constantFrom("yes", "no", "null", "~", "true", "1e3", "0x10", "0o7", ".inf", "2024-01-01", "- a", "a: b", "#x", "'q'", '"q"', "---", "...", "&a", "*a", "!tag", "%", "@", "`", "|", ">", "", " lead", "trail ", "\u2028", "\u0085", "\u0000", "\ufeff");
    fc.assert(
      fc.property(tricky, tricky, (a, b) => {
        const r = clientRec({ name: `${a}${b}`, pronouns: a, email: b });
        const cp = recordPath("client", cid, cid);
        expect(parseEnvelope(serialize(r, cp, key), cp, key)).toEqual(r);
      }),
    );
  });

  it("a body with front-matter look-alikes stays intact", () => {
    const body = "---\nchart: 2\n---\n\n---\nmac: x\n";
    const out = parseEnvelope(serialize(noteRec({ body }), notePath, key), notePath, key);
    expect(out.body).toBe(body);
  });

  it("the MAC detects an altered field, an altered body, and a record without MAC", () => {
    const t = serialize(noteRec(), notePath, key);
    expect(code(() => parseEnvelope(t.replace("date: 2024-01-01", "date: 2024-01-02"), notePath, key))).toBe("E_BAD_MAC");
    expect(code(() => parseEnvelope(t.replace("slept better", "slept worse!"), notePath, key))).toBe("E_BAD_MAC");
    expect(code(() => parseEnvelope(t.replace("status: draft", "status: signed"), notePath, key))).toBe("E_BAD_MAC");
    expect(code(() => parseEnvelope(t.replace(/\nmac: .*\n/, "\n"), notePath, key))).toBe("E_BAD_MAC");
    expect(code(() => parseEnvelope(t.replace(/mac: hmac-sha256:[0-9a-f]{4}/, "mac: hmac-sha256:0000"), notePath, key))).toBe("E_BAD_MAC");
    expect(code(() => parseEnvelope(t, notePath, new Uint8Array(randomBytes(32))))).toBe("E_BAD_MAC");
  });

  it("the MAC detects a moved or swapped file, even when the id inside is rewritten to match", () => {
    const a = serialize(noteRec(), notePath, key);
    const otherPath = recordPath("note", cid, nid2);
    // moved as is: the id no longer matches the path
    expect(code(() => parseEnvelope(a, otherPath, key))).toBe("E_MISPLACED");
    // moved to another client's folder
    expect(code(() => parseEnvelope(a, recordPath("note", cid2, nid), key))).toBe("E_MISPLACED");
    // moved and the id rewritten to match: the MAC covers the content and the path
    expect(code(() => parseEnvelope(a.replace(`id: ${nid}`, `id: ${nid2}`), otherPath, key))).toBe("E_BAD_MAC");
    // moved to another client with id and client rewritten
    const forged = a.replace(`client: ${cid}`, `client: ${cid2}`);
    expect(code(() => parseEnvelope(forged, recordPath("note", cid2, nid), key))).toBe("E_BAD_MAC");
    // a MAC is bound to its path: same content, different path -> different MAC
    expect(computeMac(noteRec(), notePath, key)).not.toBe(computeMac(noteRec(), otherPath, key));
  });

  it("pads to size buckets: 512 B doubling to 64 KiB, then multiples of 64 KiB", () => {
    expect([1, 511, 512, 513, 1024, 1025, 65536, 65537, 200000].map(paddedLength)).toEqual([512, 512, 512, 1024, 1024, 2048, 65536, 131072, 262144]);
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (body) => {
        const t = serialize(noteRec({ body: body || "x" }), notePath, key);
        const n = Buffer.byteLength(t);
        expect(n === paddedLength(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(512);
      }),
      { numRuns: runs(100) },
    );
    const short = serialize(noteRec({ body: "a" }), notePath, key);
    const longer = serialize(noteRec({ body: "a".repeat(200) }), notePath, key);
    expect(Buffer.byteLength(short)).toBe(Buffer.byteLength(longer));
  });

  it("malformed YAML is reported by path and line, never with its content, and prints no warning", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const cw = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const cases = [
      (s: string) => `---\nchart: 1\nkind: note\nid: [${s}\n---\nbody ${s}\n`,
      (s: string) => `chart: 1\nkind: !${s.replace(/\W/g, "") || "x"}tag note\nid: ${s}\n`,
      (s: string) => `chart: 1\nname: "${s}\n`,
      (s: string) => `chart: 1\nname: ${s}\nname: ${s}\n`,
      (s: string) => `---\nchart: 1\nname: ${s}\n`, // front matter not closed
      (s: string) => `- ${s}\n- list, not map\n`,
    ];
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{4,12}$/).map((s) => `Leak${s}`), fc.constantFrom(...cases), (secret, make) => {
        try {
          parseEnvelope(make(secret), notePath, key);
          expect.unreachable();
        } catch (e) {
          expect(e).toBeInstanceOf(ChartError);
          const ce = e as ChartError;
          expect(ce.exit).toBe(3);
          expect(`${ce.message} ${ce.hint ?? ""}`).not.toContain(secret);
          expect(ce.message).toContain(notePath);
        }
      }),
    );
    expect(warn).not.toHaveBeenCalled();
    expect(cw).not.toHaveBeenCalled();
  });
});
