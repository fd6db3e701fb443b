import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChartError } from "../../src/domain/errors.js";
import {
  assertEditable,
  byNewest,
  checkBody,
  checkCpt,
  checkDuration,
  checkNoteType,
  firstLine,
  normaliseBody,
  redactPrivate,
  signedContent,
  stripTemplateScaffold,
  USER_NOTE_TYPES,
  WITHHELD_MARKER,
  type NoteRecord,
} from "../../src/domain/note.js";
import { runs } from "../support/runs.js";

function err(f: () => unknown): ChartError {
  try {
    f();
  } catch (e) {
    if (e instanceof ChartError) return e;
    throw e;
  }
  throw new Error("expected a ChartError");
}

const note = (over: Partial<NoteRecord> = {}): NoteRecord => ({
  chart: 1,
  kind: "note",
  id: "nt_aaaaaaaaaaaaaaaaaaaaaaaaaa",
  client: "cl_bbbbbbbbbbbbbbbbbbbbbbbbbb",
  created: "2024-01-01T10:00:00Z",
  type: "progress",
  template: "free",
  date: "2024-01-01",
  status: "draft",
  body: "text\n",
  ...over,
});

describe("note rules", () => {
  it("kinds: the user kinds are accepted, addendum and others are not (exit 3)", () => {
    for (const k of USER_NOTE_TYPES) expect(checkNoteType(k)).toBe(k);
    expect(USER_NOTE_TYPES).toEqual(["progress", "intake", "treatment-plan", "contact", "psychotherapy"]);
    expect(err(() => checkNoteType("addendum")).exit).toBe(3);
    expect(err(() => checkNoteType("soap")).code).toBe("E_BAD_NOTE_KIND");
  });

  it("duration and CPT", () => {
    expect(checkDuration("50")).toBe(50);
    expect(checkDuration(" 1440 ")).toBe(1440);
    for (const bad of ["0", "-5", "1441", "4.5", "abc", "", "1e2"]) expect(err(() => checkDuration(bad)).code).toBe("E_BAD_DURATION");
    expect(checkCpt(" 90837 ")).toBe("90837");
    expect(checkCpt("0591t")).toBe("0591T");
    for (const bad of ["9083", "908377", "ABCDE", ""]) expect(err(() => checkCpt(bad)).code).toBe("E_BAD_CPT");
  });

  it("normaliseBody: Unix newlines, no trailing blank space, one final newline; idempotent", () => {
    expect(normaliseBody("a\r\nb\rc  \n\n\t")).toBe("a\nb\nc\n");
    expect(normaliseBody("   \n ")).toBe("");
    fc.assert(fc.property(fc.string(), (s) => normaliseBody(normaliseBody(s)) === normaliseBody(s)));
    fc.assert(fc.property(fc.string(), (s) => {
      const n = normaliseBody(s);
      return n === "" || (n.endsWith("\n") && !/\s$/.test(n.slice(0, -1)) && !n.includes("\r"));
    }));
  });

  it("checkBody: empty text or bare template scaffold is an empty note (exit 3)", () => {
    for (const empty of ["", "   \n", "## Subjective\n\n## Plan\n", "<!-- write here -->\n# Title\n"]) {
      const e = err(() => checkBody(empty));
      expect(e.code).toBe("E_EMPTY_NOTE");
      expect(e.exit).toBe(3);
    }
    expect(checkBody("## Subjective\nslept well\n")).toBe("## Subjective\nslept well\n");
  });

  it("stripTemplateScaffold drops headings and comments only", () => {
    expect(stripTemplateScaffold("# H\ntext\n<!-- c -->more\n#hashtag")).toBe("text\nmore\n#hashtag");
  });

  it("firstLine: first real text, markers stripped, shortened, private passages hidden", () => {
    expect(firstLine("## Subjective\n\n- **Slept** better\n")).toBe("Slept better");
    expect(firstLine("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
    expect(firstLine("<private>the secret</private> public part")).toBe("[private] public part");
    expect(firstLine("")).toBe("");
  });

  it("a signed note is not editable: exit 3, hint names note amend", () => {
    expect(() => assertEditable(note())).not.toThrow();
    const e = err(() => assertEditable(note({ status: "signed" })));
    expect(e.exit).toBe(3);
    expect(e.code).toBe("E_NOTE_SIGNED");
    expect(e.hint).toContain("note amend");
  });

  it("signedContent covers every clinical field", () => {
    const base = note({ duration: 50, cpt: "90837" });
    const s = signedContent(base);
    for (const change of [{ body: "other\n" }, { date: "2024-01-02" }, { duration: 45 }, { cpt: "90834" }, { type: "intake" as const }, { template: "soap" }, { addendumTo: "nt_x" }, { id: "nt_c" }, { client: "cl_c" }]) {
      expect(signedContent({ ...base, ...change })).not.toBe(s);
    }
    // Status and timestamps are not part of the signed content.
    expect(signedContent({ ...base, status: "signed", updated: "x" } as typeof base)).toBe(s);
  });

  it("byNewest: date of service, then recording time, then id; a total order", () => {
    const a = note({ id: "nt_a", date: "2024-01-02" });
    const b = note({ id: "nt_b", date: "2024-01-01", created: "2024-01-05T00:00:00Z" });
    const c = note({ id: "nt_c", date: "2024-01-01", created: "2024-01-04T00:00:00Z" });
    expect([c, b, a].sort(byNewest).map((n) => n.id)).toEqual(["nt_a", "nt_b", "nt_c"]);
    const arb = fc.record({ id: fc.constantFrom("nt_a", "nt_b", "nt_c", "nt_d"), date: fc.constantFrom("2024-01-01", "2024-01-02"), created: fc.constantFrom("t1", "t2") });
    fc.assert(
      fc.property(fc.uniqueArray(arb, { selector: (r) => r.id, minLength: 1 }), (rs) => {
        const ns = rs.map((r) => note(r));
        const once = [...ns].sort(byNewest).map((n) => n.id);
        const again = [...ns].reverse().sort(byNewest).map((n) => n.id);
        expect(again).toEqual(once);
      }),
    );
  });
});

describe("redactPrivate", () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9 .,]{1,30}$/).map((s) => `SECRET${s}`);
  const publicText = fc.stringMatching(/^[a-z0-9 .,\n]{0,30}$/);

  it("withholds inline and multi-line passages, case-insensitively, and counts them", () => {
    expect(redactPrivate("a <private>x</private> b <PRIVATE>y\nz</Private> c")).toEqual({ text: `a ${WITHHELD_MARKER} b ${WITHHELD_MARKER} c`, withheld: 2 });
    expect(redactPrivate("no secrets")).toEqual({ text: "no secrets", withheld: 0 });
  });

  it("an unclosed <private> withholds everything after it", () => {
    expect(redactPrivate("keep <private>drop all\nof this")).toEqual({ text: `keep ${WITHHELD_MARKER}`, withheld: 1 });
  });

  it("property: no private passage survives, public text does, one marker per passage", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(publicText, secret, fc.constantFrom("private", "PRIVATE", "Private")), { maxLength: 6 }), publicText, (parts, tail) => {
        const body = parts.map(([p, s, tag]) => `${p}<${tag}>${s}</${tag}>`).join("") + tail;
        const { text, withheld } = redactPrivate(body);
        expect(text).not.toMatch(/SECRET/);
        expect(withheld).toBe(parts.length);
        expect(text.split(WITHHELD_MARKER).length - 1).toBe(parts.length);
        expect(text).toBe(parts.map(([p]) => `${p}${WITHHELD_MARKER}`).join("") + tail);
      }),
    );
  });
});

/** The documented syntax read with one regular expression: the reference for well-formed input. */
function simpleRedact(body: string): { text: string; withheld: number } {
  let withheld = 0;
  const text = body.replace(/<private>[\s\S]*?(?:<\/private>|$)/gi, () => {
    withheld += 1;
    return WITHHELD_MARKER;
  });
  return { text, withheld };
}

describe("redactPrivate (strict cases)", () => {
  it("on well-formed markup, equals the plain regex reading", () => {
    const plain = fc.stringMatching(/^[a-z .\n]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(plain, plain), { maxLength: 4 }), plain, fc.boolean(), (pairs, tail, closed) => {
        let body = "";
        pairs.forEach(([vis, priv], i) => {
          body += `${vis}<private>${priv}${i === pairs.length - 1 && !closed ? "" : "</private>"}`;
        });
        if (closed || pairs.length === 0) body += tail;
        expect(redactPrivate(body)).toEqual(simpleRedact(body));
      }),
      { numRuns: runs(1000) },
    );
  });

  it("withholds nested, spaced, upper-case, unclosed and stray-closed passages", () => {
    expect(redactPrivate("a <private>b <private>c</private> d</private> e").text).toBe("a [withheld] e");
    expect(redactPrivate("a < private >b</ private> c").text).toBe("a [withheld] c");
    expect(redactPrivate("a <PRIVATE>b</Private> c").text).toBe("a [withheld] c");
    expect(redactPrivate("a <private>b\nc\nd")).toEqual({ text: "a [withheld]", withheld: 1 });
    expect(redactPrivate("secret</private> rest")).toEqual({ text: "[withheld] rest", withheld: 1 });
    expect(redactPrivate("<private>x</private> y</private> z")).toEqual({ text: "[withheld] z", withheld: 1 });
    expect(redactPrivate("</private>x")).toEqual({ text: "x", withheld: 0 });
    expect(redactPrivate("no tags")).toEqual({ text: "no tags", withheld: 0 });
  });

  it("never lets a marked word through, whatever the nesting", () => {
    const piece = fc.constantFrom("<private>", "</private>", "SECRET", "ok ", "\n", "< private>", "</PRIVATE >");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        // SECRET is private when, reading left to right, it sits inside an open tag, or
        // when a stray closing tag follows it (before any other tag).
        const body = parts.join("");
        const out = redactPrivate(body).text;
        let depth = 0;
        let pendingSecret = false;
        let mustHide = false;
        for (const p of parts) {
          const open = /^<\s*private\s*>$/i.test(p);
          const close = /^<\s*\/\s*private\s*>$/i.test(p);
          if (open) {
            depth++;
            pendingSecret = false;
          } else if (close) {
            if (depth > 0) depth--;
            else if (pendingSecret) mustHide = true;
            pendingSecret = false;
          } else if (p === "SECRET") {
            if (depth > 0) mustHide = true;
            else pendingSecret = true;
          }
        }
        if (mustHide && !parts.some((p, i) => p === "SECRET" && isVisible(parts, i))) expect(out).not.toContain("SECRET");
        expect(out).not.toMatch(/<\s*private\s*>/i);
      }),
      { numRuns: runs(1000) },
    );
    function isVisible(parts: string[], i: number): boolean {
      let depth = 0;
      for (let j = 0; j < i; j++) {
        if (/^<\s*private\s*>$/i.test(parts[j] as string)) depth++;
        else if (/^<\s*\/\s*private\s*>$/i.test(parts[j] as string) && depth > 0) depth--;
      }
      if (depth > 0) return false;
      for (let j = i + 1; j < parts.length; j++) {
        const p = parts[j] as string;
        if (/^<\s*private\s*>$/i.test(p)) return true;
        if (/^<\s*\/\s*private\s*>$/i.test(p)) return false;
      }
      return true;
    }
  });
});
