/**
 * "Today" is the practice's date (its time zone), whatever a command does first: `consent add
 * --signed today` and a note or event dated today by default agree with `chart share`'s check,
 * also in the hours when the practice's date and this system's differ (here 02:00 UTC, the
 * evening before in Chicago). Before, a command that read its dates before opening the chart
 * used the system's date, and the demo's share was refused as "not signed until" tomorrow.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { inprocSandbox, type Inproc } from "../support/inproc.js";
import { tempDir } from "../support/tmp.js";

const NOW = new Date("2026-12-02T02:00:00Z"); // 2026-12-01, 20:00 in Chicago
let sb: Inproc;
let cid: string;

beforeAll(async () => {
  sb = await inprocSandbox({ now: NOW });
  await sb.ok(["practice", "set", "--name", "Late Counseling", "--time-zone", "America/Chicago"], { env: { TZ: "UTC" } });
  cid = await sb.ok(["client", "add", "--name", "Eve Ning"], { env: { TZ: "UTC" } });
});

describe("today in the practice's time zone", () => {
  it("an authorization signed today can be shared today", async () => {
    const env = { TZ: "UTC" };
    const consent = await sb.ok(["consent", "add", cid, "--to", "Dr Late", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "today"], { env });
    const shown = JSON.parse(await sb.ok(["consent", "show", consent, "--json"], { env })) as { signed?: string; grant?: { signed?: string } };
    expect(shown.signed ?? shown.grant?.signed).toBe("2026-12-01");
    const r = await sb.run(["share", cid, "--consent", consent, "--out", `${tempDir("chart-late-")}/b`, "--format", "json", "--plaintext", "--yes"], { env });
    expect(r.code, r.stderr).toBe(0);
  });

  it("a note, a medication and a diagnosis dated by default carry the practice's date", async () => {
    const env = { TZ: "UTC" };
    await sb.ok(["note", "add", cid, "-m", "evening session"], { env });
    await sb.ok(["med", "add", cid, "sertraline", "--dose", "25 mg"], { env });
    await sb.ok(["dx", "add", cid, "F41.1"], { env });
    const notes = JSON.parse(await sb.ok(["note", "list", cid, "--json"], { env })) as { date: string }[];
    expect(notes.map((n) => n.date)).toEqual(["2026-12-01"]);
    const timeline = await sb.ok(["timeline", cid, "--json"], { env });
    expect(timeline.match(/"date": "2026-12-01"/g)?.length).toBe(3);
    // Filters relative to today too: "since today" is the practice's today.
    expect(JSON.parse(await sb.ok(["note", "list", cid, "--since", "today", "--json"], { env }))).toHaveLength(1);
    expect(JSON.parse(await sb.ok(["timeline", cid, "--since", "today", "--json"], { env }))).toHaveLength(3);
    expect(JSON.parse(await sb.ok(["search", "evening", "--since", "today", "--json"], { env }))).toHaveLength(1);
    // And an export's range: its syntax is checked before the chart is read, its "today" after.
    const exported = await sb.ok(["export", "--client", cid, "--since", "today", "--until", "today"], { env });
    expect(exported).toContain("evening session");
    const bad = await sb.run(["export", "--client", cid, "--since", "notadate"], { env });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/since/);
    expect(timeline).not.toContain('"date": "2026-12-02"'); // "created" is the instant, in UTC
  });

  it("a date of birth is checked against the practice's today: the system's date is tomorrow there", async () => {
    const env = { TZ: "UTC" };
    const r = await sb.run(["client", "add", "--name", "Nat Tomorrow", "--dob", "2026-12-02"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/dob|birth/i);
    expect(r.stderr).toMatch(/future/);
    const born = await sb.ok(["client", "add", "--name", "Tod Today", "--dob", "2026-12-01"], { env });
    expect(JSON.parse(await sb.ok(["client", "show", born, "--json"], { env })).dob).toBe("2026-12-01");
  });
});
