/**
 * Dates in the practice's time zone; a revocation takes effect the moment it is recorded, even
 * when its date is "tomorrow" for a reader in a zone behind; revoking again explains the first.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dateInZone, resolveTimeZone } from "../../src/domain/timezone.js";
import { inprocSandbox, type Inproc } from "../support/inproc.js";

describe("time zone resolution", () => {
  it("configured zone, else $TZ, else the system's", () => {
    expect(resolveTimeZone("America/Chicago", { TZ: "UTC" })).toBe("America/Chicago");
    expect(resolveTimeZone(undefined, { TZ: "Pacific/Kiritimati" })).toBe("Pacific/Kiritimati");
    expect(resolveTimeZone(undefined, { TZ: ":Europe/Paris" })).toBe("Europe/Paris");
    expect(resolveTimeZone(undefined, { TZ: "Not/AZone" })).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(() => resolveTimeZone("Mars/Olympus", {})).toThrow(/unknown time zone/);
  });

  it("today in a zone", () => {
    const t = new Date("2026-12-01T11:00:00Z");
    expect(dateInZone(t, "UTC")).toBe("2026-12-01");
    expect(dateInZone(t, "Pacific/Kiritimati")).toBe("2026-12-02");
    expect(dateInZone(t, "Pacific/Pago_Pago")).toBe("2026-12-01");
    expect(dateInZone(new Date("2026-12-01T12:30:00Z"), "Pacific/Pago_Pago")).toBe("2026-12-01");
    expect(dateInZone(new Date("2026-12-01T10:30:00Z"), "Pacific/Pago_Pago")).toBe("2026-11-30");
  });
});

describe("revocation across time zones (in-process, fixed clock)", () => {
  let sb: Inproc;
  const now = new Date("2026-12-01T11:00:00Z"); // 2026-12-02 01:00 in Pacific/Kiritimati
  beforeAll(async () => {
    sb = await inprocSandbox({ now });
  });
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  it("recorded in TZ=Pacific/Kiritimati, a share right after under UTC is refused; revoking again explains", async () => {
    const kiri = { env: { TZ: "Pacific/Kiritimati" } };
    const utc = { env: { TZ: "UTC" } };
    const c = await sb.ok(["client", "add", "--name", "Kiri Tz"], kiri);
    await sb.ok(["note", "add", c, "-m", "progress", "--sign", "--date", "2026-11-20"], kiri);
    const g = await sb.ok(["consent", "add", c, "--to", "Dr X", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "2026-11-01"], kiri);
    expect(JSON.parse(await sb.ok(["share", c, "--consent", g, "--dry-run", "--json"], utc))).toBeTruthy();
    const rv = JSON.parse(await sb.ok(["consent", "revoke", c, g, "--json"], kiri)) as { id: string; date: string };
    expect(rv.date).toBe("2026-12-02"); // today in Kiritimati
    for (const o of [utc, kiri]) {
      const r = await sb.run(["share", c, "--consent", g, "--dry-run", "--json"], o);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/E_CONSENT_REVOKED/);
    }
    const list = JSON.parse(await sb.ok(["consent", "list", c, "--json"], utc)) as { status: string }[];
    expect(list[0]?.status).toBe("revoked");
    const again = await sb.run(["consent", "revoke", c, g], utc);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`already revoked on 2026-12-02 (revocation ${rv.id.slice(0, 11)}, recorded 2026-12-01T11:00:00Z)`);
    expect(again.stderr).toMatch(/hint: nothing to do; see it with: chart consent show/);
  });

  it("a note's default date is today in the practice's zone", async () => {
    const c = await sb.ok(["client", "add", "--name", "Zed Zone"]);
    const id = await sb.ok(["note", "add", c, "-m", "x"], { env: { TZ: "Pacific/Kiritimati" } });
    const n = JSON.parse(await sb.ok(["note", "show", id, "--json"])) as { date: string; created: string };
    expect(n.date).toBe("2026-12-02");
    expect(n.created).toBe("2026-12-01T11:00:00Z");
  });
});
