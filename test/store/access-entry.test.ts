/**
 * Access-log entries on disk (src/store/access-log.ts encodeEntry/decodeEntry): 1 KiB of JSON or
 * more is gzipped inside the line's age file, so an entry of a whole-chart or broad read takes
 * about a third of the room, and the log still opens with stock tools (base64, age, gzip). Small
 * entries stay plain JSON. A line crafted to inflate without bound is unreadable, not a crash.
 */
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry } from "../../src/store/access-log.js";
import { loadIdentity } from "../../src/store/identity.js";
import { openChart } from "../../src/store/repo.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { AGE } from "../support/verify.js";

/** A record id as chart makes them: a prefix and 26 base32 characters (130 random bits). */
const id = (prefix: string): string => `${prefix}_${[...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b % 32]).join("")}`;

describe("an entry's plaintext", () => {
  it("round-trips any JSON; under 1 KiB it stays JSON, from 1 KiB it is gzip", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", maxLength: 40 }), { maxLength: 120 }), (read) => {
        const json = JSON.stringify({ command: "note list", read, written: [] });
        const plain = encodeEntry(json);
        expect(decodeEntry(plain)).toBe(json);
        if (Buffer.byteLength(json) < 1024) expect(plain.toString("utf8")).toBe(json);
        else {
          expect([plain[0], plain[1]]).toEqual([0x1f, 0x8b]);
          expect(gunzipSync(plain).toString("utf8")).toBe(json);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("an entry naming 20,000 records takes under a third of its JSON's bytes", () => {
    const clients = Array.from({ length: 60 }, () => id("cl"));
    const read = Array.from({ length: 20_000 }, (_, i) => `${clients[i % clients.length]}/${id(i % 5 ? "nt" : "md")}`);
    const json = JSON.stringify({ command: "search", read, written: [] });
    const plain = encodeEntry(json);
    expect(plain.length / Buffer.byteLength(json)).toBeLessThan(1 / 3);
    expect(decodeEntry(plain)).toBe(json);
  });

  it("a gzip that would inflate past 64 times its size (plus 1 MiB) is refused", () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20, 0x20));
    expect(bomb.length * 64 + (1 << 20)).toBeLessThan(64 << 20);
    expect(() => decodeEntry(bomb)).toThrow();
  });
});

let sb: Inproc;
let cid: string;
const LOG = () => join(sb.repo, ".git", "chart", "access.log");

beforeAll(async () => {
  sb = await inprocSandbox();
  cid = await sb.ok(["client", "add", "--name", "Gus Zipped"]);
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ kind: "note", client: cid, date: `2025-01-${String((i % 28) + 1).padStart(2, "0")}`, type: "progress", body: `Session ${i}: zipword.` }));
  const file = join(sb.home, "notes.jsonl");
  appendFileSync(file, `${lines.join("\n")}\n`);
  await sb.ok(["import", file]);
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

describe("the access log with gzipped entries", () => {
  it("a listing of 40 notes leaves a gzipped line that stock base64, age and gzip open; chart reads it back", async () => {
    await sb.ok(["note", "list", cid]);
    const last = readFileSync(LOG(), "utf8").trim().split("\n").at(-1) as string;
    const entries = JSON.parse(await sb.ok(["access-log", "--json", "--client", cid])) as { command: string; read: string[] }[];
    const listed = entries.filter((e) => e.command === "note list").at(-1);
    expect(listed?.read.length).toBeGreaterThanOrEqual(40);
    if (!existsSync(AGE)) return;
    const plain = execFileSync(AGE, ["-d", "-i", sb.identity], { input: Buffer.from(last, "base64") });
    expect([plain[0], plain[1]]).toEqual([0x1f, 0x8b]);
    // gzip -dcf: gunzips an entry that is gzipped, passes a small one through as it is
    const json = JSON.parse(execFileSync("gzip", ["-dcf"], { input: plain }).toString("utf8")) as { command: string; read: string[] };
    expect(json.command).toBe("note list");
    expect(json.read).toEqual(listed?.read);
  });

  it("a line crafted to inflate to 64 MiB is counted unreadable; the command does not crash", async () => {
    const chart = await openChart(sb.repo, await loadIdentity(sb.identity), sb.env);
    const sealed = await chart.cipher.encrypt(gzipSync(Buffer.alloc(64 << 20, 0x20)));
    const before = readFileSync(LOG(), "utf8");
    try {
      appendFileSync(LOG(), `${Buffer.from(sealed).toString("base64")}\n`);
      const r = await sb.run(["access-log", "--json"]);
      expect(r.stderr).toMatch(/1 access-log line\(s\) could not be decrypted/);
    } finally {
      rmSync(LOG());
      appendFileSync(LOG(), before);
    }
  });
});
