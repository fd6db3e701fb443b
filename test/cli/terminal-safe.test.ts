/**
 * Terminal safety: no string from a record reaches stdout or stderr as a control, escape or bidi
 * character, whatever the command (tables, show, errors); --json escapes them and reads back.
 */
import { rmSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colorMarker, safeWithColor } from "../../src/cli/output.js";
import { isTerminalSafe, jsonSafe, terminalSafe } from "../../src/cli/safe-text.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { runs } from "../support/runs.js";

// What a terminal would act on: C0 (but LF, TAB), DEL, C1, bidi controls, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const DANGER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const hostileBits = [
  "\x1b]0;pwned\x07",
  "\x1b[2J",
  "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
  "\u202eevil\u202c",
  "\u2066x\u2069",
  "\0",
  "\x9b31m",
  "\x9d0;t\x9c",
  "\r",
  "\x07",
  "\x7f",
  "\ufdd0",
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...hostileBits), fc.string({ unit: "binary", maxLength: 6 }), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 6 })
  .map((a) => a.join(""));

describe("terminalSafe", () => {
  it("shows controls visibly", () => {
    expect(terminalSafe("a\x1b[2Jb")).toBe("a⟨U+001B⟩[2Jb");
    expect(terminalSafe("x\u202ey")).toBe("x⟨U+202E⟩y");
    expect(terminalSafe("a\0b")).toBe("a⟨U+0000⟩b");
    expect(terminalSafe("\x9b1m")).toBe("⟨U+009B⟩1m");
    expect(terminalSafe("l1\r\nl2\tx\n")).toBe("l1\nl2\tx\n");
    expect(terminalSafe("a\nb\tc", { inline: true })).toBe("a⟨U+000A⟩b⟨U+0009⟩c");
    expect(terminalSafe("Zoë 😀 עברית")).toBe("Zoë 😀 עברית");
  });

  it("property: nothing a terminal acts on survives", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), hostile, (a, b) => {
        const s = a + b;
        expect(DANGER.test(terminalSafe(s))).toBe(false);
        expect(DANGER.test(terminalSafe(s, { inline: true }).replace(/[\n\t]/g, ""))).toBe(false);
        expect(isTerminalSafe(terminalSafe(s))).toBe(true);
      }),
      { numRuns: runs(500) },
    );
  });

  it("property: JSON keeps the value and carries no raw control", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), hostile, (a, b) => {
        const j = jsonSafe(JSON.stringify({ v: a + b }));
        expect(DANGER.test(j)).toBe(false);
        expect((JSON.parse(j) as { v: string }).v).toBe(a + b);
      }),
      { numRuns: runs(500) },
    );
  });

  it("property: colour codes survive only from chart's own marker", () => {
    const mark = colorMarker((n) => new Uint8Array(n).map((_, i) => i * 7));
    fc.assert(
      fc.property(hostile, (s) => {
        const out = safeWithColor(`${mark}[1m${s}${mark}[22m`, mark);
        expect(out.startsWith("\x1b[1m")).toBe(true);
        expect(out.endsWith("\x1b[22m")).toBe(true);
        expect(DANGER.test(out.slice(4, -5))).toBe(false);
      }),
    );
  });
});

describe("record strings through commands (in-process)", () => {
  let sb: Inproc;
  beforeAll(async () => {
    sb = await inprocSandbox();
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  it("property: client list/show, note list/show, errors, --json", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (rawName, body) => {
        const name = `P${n++} ${rawName}`;
        const add = await sb.run(["client", "add", "--name", name]);
        if (add.code !== 0) {
          // refused as invalid input: the refusal itself is safe
          expect(DANGER.test(add.stderr.replace(/\n/g, ""))).toBe(false);
          return;
        }
        const id = add.stdout.trim();
        const note = await sb.ok(["note", "add", id, "-m", `first ${body}\nsecond ${body}`]);
        const runs = [
          await sb.run(["client", "list"]),
          await sb.run(["client", "show", id]),
          await sb.run(["note", "list", id]),
          await sb.run(["note", "show", note]),
          await sb.run(["client", "show", `${rawName}\x1b[2J`]),
          await sb.run(["timeline", id]),
        ];
        for (const r of [runs[0], runs[1], runs[2], runs[3], runs[5]]) expect(r?.code).toBe(0);
        for (const r of runs) {
          expect(DANGER.test(r.stdout.replace(/[\n\t]/g, ""))).toBe(false);
          expect(DANGER.test(r.stderr.replace(/\n/g, ""))).toBe(false);
        }
        const j = await sb.run(["note", "show", note, "--json"]);
        expect(DANGER.test(j.stdout.replace(/\n/g, ""))).toBe(false);
        expect((JSON.parse(j.stdout) as { body: string }).body).toContain(body.replace(/\r\n?/g, "\n").trim().split("\n")[0] ?? "");
      }),
      { numRuns: runs(12) },
    );
  });

  it("a search's highlighted match keeps a record's escape codes visible (a phrase spans what lies between its words)", async () => {
    const id = (await sb.ok(["client", "add", "--name", "Esc Ape"])).trim();
    await sb.ok(["note", "add", id, "-m", "alpha\x1b[2Jbeta and \x1b]8;;https://evil.example/\x07gamma"]);
    for (const env of [{ FORCE_COLOR: "1" }, { NO_COLOR: "1" }]) {
      const r = await sb.run(["search", '"alpha 2jbeta"', '"example gamma"'], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("⟨U+001B⟩[2Jbeta");
      // eslint-disable-next-line no-control-regex -- chart's own colour codes are left out
      expect(DANGER.test(r.stdout.replace(/\x1b\[[0-9;]*m/g, "").replace(/\n/g, ""))).toBe(false);
    }
  });
});

