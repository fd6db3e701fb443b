import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { verifyTrackedFiles } from "../support/verify.js";

const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());
const rid = (p: string) => `${p}_${[...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("")}`;

describe("chart import", () => {
  it("imports clients, notes, medication and diagnosis events in one commit; round-trips through --json", () => {
    const sb = sandbox();
    const cid = rid("cl");
    const med = rid("md");
    const signedNote = rid("nt");
    const lines = [
      { kind: "client", id: cid, client: cid, created: "2024-12-01T10:00:00Z", name: "Imogen Importtest", status: "active", admitted: "2024-12-01", pronouns: "she/her" },
      { kind: "note", id: signedNote, client: cid, created: "2025-01-10T10:00:00Z", type: "intake", template: "intake", date: "2025-01-10", status: "signed", body: "Intake from the old system.\n" },
      { kind: "note", client: cid, type: "progress", template: "soap", date: "2025-01-17", body: "## Subjective\nBetter week.\n", labels: ["SUD"], addenda: 0 },
      { kind: "med", id: med, med, client: cid, created: "2025-01-10T11:00:00Z", event: "start", date: "2025-01-10", name: "naltrexone", dose: "50 mg", labels: ["SUD"] },
      { kind: "med", client: cid, med, event: "change", date: "2025-02-01", dose: "25 mg" },
      { kind: "dx", client: cid, event: "add", code: "f1020", date: "2025-01-10", status: "active", description: "Alcohol dependence, uncomplicated", labels: ["SUD"], primary: true },
    ];
    const file = join(sb.home, "in.jsonl");
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const before = commits(sb);
    const r = sb.run(["import", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("imported 1 client, 2 notes, 2 medication events, 1 diagnosis event");
    expect(r.stderr).toMatch(/1 note marked signed had no signature: signed on import/);
    expect(commits(sb)).toBe(before + 1);
    expect(execFileSync("git", ["log", "-1", "--format=%s"], { cwd: sb.repo, encoding: "utf8" }).trim()).toBe("chart: import");
    expect(verifyTrackedFiles(sb.repo, sb.identity)).toHaveLength(7); // macs.age + 6 records

    const notes = JSON.parse(sb.ok(["note", "list", "imogen", "--json"]));
    expect(notes).toHaveLength(2);
    expect(notes.find((n: { id: string }) => n.id === signedNote).signed.by).toBe("Dr Test");
    expect(JSON.parse(sb.ok(["med", "list", "imogen", "--json"]))[0]).toMatchObject({ med, dose: "25 mg", labels: ["SUD"] });
    expect(JSON.parse(sb.ok(["dx", "list", "imogen", "--json"]))[0]).toMatchObject({ code: "F10.20", primary: true });

    // Everything the list commands print imports into a fresh chart unchanged.
    const dump = [
      ...JSON.parse(sb.ok(["client", "list", "--json"])),
      ...JSON.parse(sb.ok(["note", "list", "imogen", "--json"])),
      ...JSON.parse(sb.ok(["med", "history", "imogen", "--json"])),
      ...JSON.parse(sb.ok(["dx", "history", "imogen", "--json"])),
    ];
    const sb2 = sandbox();
    const again = sb2.run(["import", "-", "--json"], { input: dump.map((x) => JSON.stringify(x)).join("\n") });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ clients: 1, notes: 2, meds: 2, dx: 1, total: 6, dryRun: false });
    expect(again.stderr).toBe("");
    const strip = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(strip(JSON.parse(sb2.ok(["note", "list", "imogen", "--json"])))).toEqual(strip(JSON.parse(sb.ok(["note", "list", "imogen", "--json"]))));
    expect(strip(JSON.parse(sb2.ok(["med", "history", "imogen", "--json"])))).toEqual(strip(JSON.parse(sb.ok(["med", "history", "imogen", "--json"]))));
    expect(strip(JSON.parse(sb2.ok(["dx", "history", "imogen", "--json"])))).toEqual(strip(JSON.parse(sb.ok(["dx", "history", "imogen", "--json"]))));
    expect(sb2.ok(["client", "show", cid, "--json"])).toContain("Imogen");
  });

  it("refuses a bad file whole: line numbers, no values echoed, nothing written", () => {
    const sb = sandbox();
    const cid = addClient(sb, "Existing Person");
    const secret = "Zebulon-Quartz-Secret";
    const existingNote = sb.ok(["note", "add", "existing", "-m", "Hello."]);
    const good = { kind: "note", client: cid, type: "progress", template: "free", date: "2025-01-02", body: `${secret}\n` };
    const text = [
      JSON.stringify(good),
      JSON.stringify({ ...good, date: secret }),
      `{"kind":"note","body":"${secret}`,
      JSON.stringify({ ...good, id: existingNote }),
      JSON.stringify({ kind: "dx", client: cid, event: "add", code: secret, date: "2025-01-02" }),
      JSON.stringify({ kind: "med", client: rid("cl"), event: "start", date: "2025-01-02", name: secret }),
    ].join("\n");
    const before = commits(sb);
    const r = sb.run(["import", "-"], { input: text });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("line 2: note: 'date' is not a date (YYYY-MM-DD)");
    expect(r.stderr).toContain("line 3: not valid JSON");
    expect(r.stderr).toContain("line 4: note: 'id' already exists in the chart");
    expect(r.stderr).toContain("line 5: dx: 'code' is not an ICD-10-CM code");
    expect(r.stderr).toContain("line 6: med: 'client' names no client in the file or the chart");
    expect(r.stderr).toMatch(/error: 5 problems in standard input; nothing was imported/);
    expect(r.stderr).not.toContain(secret);
    expect(commits(sb)).toBe(before);
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: sb.repo, encoding: "utf8" })).toBe("");

    const j = sb.run(["import", "-", "--json"], { input: text });
    const err = JSON.parse(j.stderr).error;
    expect(err.code).toBe("E_IMPORT_INVALID");
    expect(err.details.issues).toHaveLength(5);
    expect(j.stderr).not.toContain(secret);

    // A history rule across the file and the chart: a change after the chart's own stop.
    const med = sb.ok(["med", "add", "existing", "lithium", "--start", "2025-01-01"]);
    sb.ok(["med", "stop", "existing", med, "--date", "2025-02-01"]);
    const late = JSON.stringify({ kind: "med", client: cid, med, event: "change", date: "2025-03-01", dose: "300 mg" });
    const h = sb.run(["import", "-"], { input: late });
    expect(h.code).toBe(3);
    expect(h.stderr).toContain("line 1: med: the medication is already stopped by this event's date");

    const dry = sb.run(["import", "-", "--dry-run"], { input: JSON.stringify(good) });
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim()).toBe("would import 0 clients, 1 note, 0 medication events, 0 diagnosis events");
    expect(sb.run(["import", join(sb.home, "missing.jsonl")]).code).toBe(4);
    expect(commits(sb)).toBe(before + 2);
  });

  it("imports 2,000 notes quickly", () => {
    const sb = sandbox();
    const clients = Array.from({ length: 20 }, () => rid("cl"));
    const lines = clients.map((id, i) => JSON.stringify({ kind: "client", id, client: id, created: "2025-01-01T00:00:00Z", name: `Client ${i}`, status: "active", admitted: "2025-01-01" }));
    for (let i = 0; i < 2000; i++) {
      lines.push(JSON.stringify({ kind: "note", id: rid("nt"), client: clients[i % 20], created: "2025-01-01T00:00:00Z", type: "progress", template: "soap", date: "2025-02-01", status: "draft", body: `## Subjective\nNote ${i}.\n` }));
    }
    const file = join(sb.home, "big.jsonl");
    writeFileSync(file, lines.join("\n"));
    const t = Date.now();
    const r = sb.run(["import", file, "-q"]);
    const ms = Date.now() - t;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("imported 20 clients, 2000 notes, 0 medication events, 0 diagnosis events");
    expect(ms).toBeLessThan(30_000);
    expect(JSON.parse(sb.ok(["note", "list", clients[0] as string, "--json"]))).toHaveLength(100);
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: sb.repo, encoding: "utf8" })).toBe("");
    // Written by the worker threads (an import this size uses them): readable by the owner only,
    // and no temporary file left.
    for (const cid of clients.slice(0, 3)) {
      const dir = join(sb.repo, "clients", cid, "notes");
      const names = readdirSync(dir);
      expect(names).toHaveLength(100);
      for (const n of names) {
        expect(n).toMatch(/^nt_[a-z2-7]{26}\.age$/);
        expect(statSync(join(dir, n)).mode & 0o777).toBe(0o600);
      }
    }
    process.stderr.write(`import of 2,000 notes: ${ms} ms\n`);
  });
});
