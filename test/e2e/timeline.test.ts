import { describe, expect, it } from "vitest";
import { addClient, sandbox } from "../support/e2e.js";

describe("chart timeline", () => {
  it("shows notes, medication and diagnosis events in date order, filtered by date and kind", () => {
    const sb = sandbox();
    addClient(sb, "Tessa Timeline");
    const intake = sb.ok(["note", "add", "tessa", "--kind", "intake", "--date", "2025-01-05", "-m", "First visit: worried about sleep.", "--sign"]);
    sb.ok(["dx", "add", "tessa", "F51.01", "--date", "2025-01-06"]);
    const med = sb.ok(["med", "add", "tessa", "trazodone", "--dose", "50 mg", "--start", "2025-01-20"]);
    sb.ok(["note", "add", "tessa", "--date", "2025-02-02", "-m", "Sleeping 6 hours. <private>not for sharing</private>", "--label", "SDV"]);
    sb.ok(["note", "add", "tessa", "--kind", "psychotherapy", "--date", "2025-02-02", "-m", "Process note."]);
    sb.ok(["med", "stop", "tessa", "trazodone", "--date", "2025-03-01", "--reason", "no longer needed"]);

    const all = JSON.parse(sb.ok(["timeline", "tessa", "--json"]));
    expect(all.map((e: { date: string; kind: string }) => `${e.date} ${e.kind}`)).toEqual([
      "2025-01-05 note",
      "2025-01-06 dx",
      "2025-01-20 med",
      "2025-02-02 note",
      "2025-03-01 med",
    ]);
    expect(all[0]).toMatchObject({ id: intake, kind: "note", event: "intake", status: "signed", summary: "intake: First visit: worried about sleep." });
    expect(all[1]).toMatchObject({ kind: "dx", code: "F51.01", summary: "add F51.01 Primary insomnia (active)" });
    expect(all[2]).toMatchObject({ kind: "med", med, name: "trazodone", event: "start", summary: "start trazodone 50 mg" });
    expect(all[3]).toMatchObject({ labels: ["SDV"], summary: "progress (draft): Sleeping 6 hours. [private]" });
    expect(all[4].summary).toBe("stop trazodone; reason: no longer needed");

    const range = JSON.parse(sb.ok(["timeline", "tessa", "--since", "2025-01-20", "--until", "2025-02-28", "--kind", "med,note", "--json"]));
    expect(range.map((e: { kind: string }) => e.kind)).toEqual(["med", "note"]);
    const withPsy = JSON.parse(sb.ok(["timeline", "tessa", "--psychotherapy", "--kind", "note", "--json"]));
    expect(withPsy.some((e: { event: string }) => e.event === "psychotherapy")).toBe(true);

    const text = sb.ok(["timeline", "tessa", "--reverse"]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^DATE\s+KIND\s+ID\s+SUMMARY/);
    expect(lines[1]).toMatch(/^2025-03-01\s+med\s+md_\w+\s+stop trazodone/);
    expect(text).not.toContain("not for sharing");
    expect(text).not.toContain("Process note");

    expect(sb.run(["timeline", "tessa", "--kind", "consent"]).code).toBe(2);
    expect(sb.run(["timeline", "tessa", "--since", "2025-02-30"]).code).toBe(3);
    expect(sb.run(["timeline", "tessa", "--since", "2025-03-01", "--until", "2025-01-01"]).code).toBe(2);
    expect(sb.run(["timeline", "nobody"]).code).toBe(4);
  });
});
