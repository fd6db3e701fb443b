/** chart amendment (164.526) end to end: due dates, acceptance as a linked signed addendum with the past recipients, denial with the statement of disagreement travelling with the note. */
import { tempDir } from "../support/tmp.js";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";

describe("chart amendment", () => {
  let sb: Sandbox;
  let cid: string;
  let nid: string;
  let consent: string;
  const temps: string[] = [];
  const outside = () => {
    const d = tempDir("chart-amend-");
    temps.push(d);
    return join(d, "bundle");
  };
  beforeAll(() => {
    sb = sandbox();
    cid = addClient(sb, "Ada Example");
    nid = sb.ok(["note", "add", cid, "-m", "Client reports drinking daily", "-d", "2024-03-01", "--sign"]);
    consent = sb.ok(["consent", "add", cid, "--to", "Dr Psych", "--org", "Riverside", "--contact", "fax 555", "--purpose", "care", "--share", "notes", "--expires", "2099-01-01", "--signed", "2024-01-01"]);
    sb.ok(["share", cid, "--consent", consent, "--out", outside(), "--plaintext", "--format", "json"]);
  });
  afterAll(() => {
    for (const t of [sb.home, ...temps]) rmSync(t, { recursive: true, force: true });
  });

  it("accept: a signed addendum linked to the note, and the past recipients to notify", () => {
    const r = JSON.parse(sb.ok(["amendment", "request", cid, "--note", nid.slice(0, 8), "--text", "I said weekly, not daily", "--received", "2024-04-01", "--json"]));
    expect(r).toMatchObject({ note: nid, received: "2024-04-01", due: "2024-05-31", open: true });
    expect(JSON.parse(sb.ok(["amendment", "list", "--json"])).map((x: { id: string }) => x.id)).toEqual([r.id]);
    const a = JSON.parse(sb.ok(["amendment", "accept", cid, r.id, "--json"]));
    expect(a.notify).toHaveLength(1);
    expect(a.notify[0].recipient).toMatchObject({ name: "Dr Psych", organization: "Riverside" });
    const shown = JSON.parse(sb.ok(["note", "show", nid, "--json"]));
    const add = shown.addenda.find((x: { id: string }) => x.id === a.addendum);
    expect(add).toMatchObject({ status: "signed", addendumTo: nid });
    expect(add.body).toContain("I said weekly, not daily");
    expect(sb.run(["amendment", "accept", cid, r.id]).code).toBe(5);
    expect(JSON.parse(sb.ok(["amendment", "list", "--json"]))).toEqual([]);
    expect(JSON.parse(sb.ok(["amendment", "list", cid, "--all", "--json"]))[0].outcome.event).toBe("accept");
  });

  it("deny: the request, the basis and the client's statement of disagreement go with the note in later shares", () => {
    const r = JSON.parse(sb.ok(["amendment", "request", cid, "--note", nid, "--text", "Remove the drinking", "--json"]));
    expect(sb.run(["amendment", "deny", cid, r.id]).code).toBe(3);
    expect(sb.run(["amendment", "statement", cid, r.id, "--text", "x"]).code).toBe(3);
    sb.ok(["amendment", "deny", cid, r.id, "--reason", "the note is accurate and complete"]);
    sb.ok(["amendment", "statement", cid, r.id, "--text", "ZQDISAGREEQZ I disagree with the note"]);
    const dir = outside();
    sb.ok(["share", cid, "--consent", consent, "--out", dir, "--plaintext", "--format", "json"]);
    const bundle = readFileSync(join(dir, "record.json"), "utf8");
    expect(bundle).toContain("ZQDISAGREEQZ");
    expect(bundle).toContain("accurate and complete");
    expect(bundle).toContain("Remove the drinking");
  });

  it("refuses a psychotherapy note and an empty request", () => {
    const psy = sb.ok(["note", "add", cid, "-m", "process", "-k", "psychotherapy", "--sign"]);
    expect(sb.run(["amendment", "request", cid, "--note", psy, "--text", "x"]).code).toBe(3);
    expect(sb.run(["amendment", "request", cid, "--note", nid, "--text", " "]).code).toBe(3);
  });
});
