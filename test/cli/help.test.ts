import { describe, expect, it } from "vitest";
import { inprocSandbox } from "../support/inproc.js";

describe("help and unknown commands", () => {
  it("`chart` alone prints a short overview to stdout, exit 0", async () => {
    const sb = await inprocSandbox({ init: false });
    const r = await sb.run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Commands:");
    expect(r.stdout).toMatch(/^\s+note\s+/m);
    expect(r.stdout).toContain("chart COMMAND --help");
  });

  it("`chart help A B` is A B's help", async () => {
    const sb = await inprocSandbox({ init: false });
    const r = await sb.run(["help", "note", "add"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: chart note add");
  });

  it("an unknown command suggests only a close match, exit 2", async () => {
    const sb = await inprocSandbox({ init: false });
    const typo = await sb.run(["clinet"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean `chart client`");
    const far = await sb.run(["shred"]);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain("did you mean");
  });
});

describe("one vocabulary", () => {
  it("med edit / dx edit, with the old names as aliases; -d on med add; relative dates", async () => {
    const sb = await inprocSandbox({ now: new Date("2026-12-02T12:00:00Z") });
    const cid = await sb.ok(["client", "add", "--name", "Vera Vocab"]);
    await sb.ok(["med", "add", cid, "sertraline", "--dose", "50 mg", "-d", "-2w"]);
    await sb.ok(["med", "edit", cid, "sertraline", "--dose", "75 mg", "-d", "monday"]);
    await sb.ok(["med", "change", cid, "sertraline", "--dose", "100 mg", "-d", "yesterday"]);
    const history = JSON.parse(await sb.ok(["med", "history", cid, "--json"])) as { date: string; event: string }[];
    expect(history.map((e) => `${e.event} ${e.date}`)).toEqual(["start 2026-11-18", "change 2026-11-30", "change 2026-12-01"]);
    await sb.ok(["dx", "add", cid, "F41.1", "--status", "provisional"]);
    await sb.ok(["dx", "edit", cid, "F41.1", "--status", "active"]);
    await sb.ok(["dx", "update", cid, "F41.1", "--primary"]);
  });

  it("-n is --limit only: share's dry run is spelled out", async () => {
    const sb = await inprocSandbox();
    const r = await sb.run(["share", "x", "--consent", "y", "-n"]);
    expect(r.code).toBe(2);
  });
});
