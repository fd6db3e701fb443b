import { execFileSync } from "node:child_process";
import { tempDir } from "../support/tmp.js";
import { describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { allGitObjects } from "../support/verify.js";

const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());

/** Run, expect a refusal with this exit code and error code, and nothing written. */
function refused(sb: Sandbox, args: string[], exit: number, code?: string): string {
  const before = commits(sb);
  const r = sb.run([...args, "--json"]);
  expect(r.code, r.stderr).toBe(exit);
  if (code) expect(JSON.parse(r.stderr).error.code).toBe(code);
  expect(commits(sb)).toBe(before);
  expect(execFileSync("git", ["status", "--porcelain"], { cwd: sb.repo, encoding: "utf8" })).toBe("");
  return r.stderr;
}

describe("chart med", () => {
  it("adds, changes, stops, lists and shows history; refuses what the rules forbid", () => {
    const sb = sandbox();
    const cid = addClient(sb, "Rowan Medtest");
    const sert = sb.ok(["med", "add", "rowan", "sertraline", "--dose", "50 mg", "--frequency", "daily", "--prescriber", "Dr. Rivera", "--start", "2025-01-10", "--reason", "panic"]);
    expect(sert).toMatch(/^md_[a-z2-7]{26}$/);
    sb.ok(["med", "change", "rowan", "sert", "--dose", "100 mg", "--date", "2025-03-01"]);
    // Back-dated: recorded after the change above, takes effect before it.
    sb.ok(["med", "change", "rowan", sert.slice(0, 8), "--route", "oral", "--date", "2025-02-15"]);
    sb.ok(["med", "stop", "rowan", "sertraline", "--date", "2025-04-01", "--reason", "side effects"]);
    const quet = JSON.parse(sb.ok(["med", "add", "rowan", "quetiapine", "--dose", "25 mg", "--label", "sud", "--json"])).id;

    const current = JSON.parse(sb.ok(["med", "list", "rowan", "--json"]));
    expect(current).toEqual([expect.objectContaining({ med: quet, name: "quetiapine", dose: "25 mg", active: true, labels: ["SUD"], client: cid })]);
    const all = JSON.parse(sb.ok(["med", "list", "rowan", "--all", "--json"]));
    expect(all[0]).toMatchObject({ med: sert, name: "sertraline", dose: "100 mg", route: "oral", frequency: "daily", prescriber: "Dr. Rivera", reason: "panic", started: "2025-01-10", lastChanged: "2025-03-01", stopped: "2025-04-01", stopReason: "side effects", active: false });
    const history = JSON.parse(sb.ok(["med", "history", "rowan", "sert", "--json"]));
    expect(history.map((e: { event: string; date: string }) => `${e.event} ${e.date}`)).toEqual(["start 2025-01-10", "change 2025-02-15", "change 2025-03-01", "stop 2025-04-01"]);
    expect(history[0]).toMatchObject({ kind: "med", id: sert, med: sert, client: cid, name: "sertraline" });
    expect(history[0].chart).toBeUndefined();
    const text = sb.ok(["med", "list", "rowan", "--all"]);
    expect(text).toMatch(/quetiapine\s+25 mg.*SUD/);
    expect(text).toMatch(/sertraline.*2025-04-01/);

    // Refusals: exit code, error code, and nothing written.
    refused(sb, ["med", "change", "rowan", "sertraline", "--dose", "150 mg", "--date", "2025-05-01"], 3, "E_MED_NOT_ACTIVE");
    refused(sb, ["med", "stop", "rowan", "quetiapine", "--date", "2020-01-01"], 3, "E_MED_NOT_STARTED");
    const msg = refused(sb, ["med", "stop", "rowan", sert, "--date", "2025-02-20"], 3, "E_MED_STOPPED");
    expect(msg).not.toContain("sertraline");
    refused(sb, ["med", "change", "rowan", "quetiapine"], 2, "E_MED_NO_CHANGE");
    refused(sb, ["med", "change", "rowan", "lithium", "--dose", "300 mg"], 4, "E_MED_NOT_FOUND");
    refused(sb, ["med", "add", "rowan", "lithium", "--start", "2999-01-01"], 3, "E_FUTURE_DATE");
    refused(sb, ["med", "add", "rowan", "lithium", "--label", "NOPE"], 3, "E_BAD_LABEL");
    refused(sb, ["med", "add", "rowan", "lithium", "--start", "2025-13-01"], 3, "E_BAD_DATE");
    // A stop back-dated before an existing change would leave the change without effect.
    sb.ok(["med", "change", "rowan", "quetiapine", "--dose", "50 mg"]);
    refused(sb, ["med", "stop", "rowan", "quetiapine", "--date", "2025-01-01"], 3);

    const log = execFileSync("git", ["log", "--format=%s %an <%ae>"], { cwd: sb.repo, encoding: "utf8" });
    expect(log).toContain("chart: add medication chart <chart@localhost>");
    expect(log).toContain("chart: change medication");
    expect(log).toContain("chart: stop medication");
    for (const o of allGitObjects(sb.repo)) expect(o.includes("sertraline")).toBe(false);
  });
});

describe("chart dx", () => {
  it("adds with descriptions and labels, updates, resolves, rules out, lists; refuses bad codes and rule breaks", () => {
    const sb = sandbox();
    const cid = addClient(sb, "Dana Dxtest");
    const gad = sb.run(["dx", "add", "dana", "f411", "--primary", "--onset", "2024-06-01", "--date", "2025-01-05"]);
    expect(gad.code).toBe(0);
    expect(gad.stdout.trim()).toMatch(/^dx_/);
    const sud = sb.run(["dx", "add", "dana", "F10.20", "--date", "2025-01-05"]);
    expect(sud.stderr).toMatch(/labelled SUD/);
    refused(sb, ["dx", "add", "dana", "F10.10", "--no-auto-label"], 2, "E_AUTO_LABEL_ALWAYS");
    sb.ok(["dx", "add", "dana", "F10.10", "--without-label", "SUD", "--status", "provisional"]);
    // Without an installed code set (an empty folder of code sets), codes are checked by format only.
    const noSet = tempDir("chart-no-icd-");
    const unknown = sb.run(["dx", "add", "dana", "F99.9", "--description", "Something rare"], { env: { CHART_ICD10CM_DIR: noSet } });
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toMatch(/F99\.9 is not in chart's list/);

    refused(sb, ["dx", "add", "dana", "XYZ"], 3, "E_BAD_CODE");
    refused(sb, ["dx", "add", "dana", "F41.1"], 3, "E_DX_EXISTS");
    refused(sb, ["dx", "resolve", "dana", "F32.1"], 3, "E_DX_NOT_ON_LIST");
    refused(sb, ["dx", "rule-out", "dana", "F41.1", "--date", "2024-12-01"], 3, "E_DX_NOT_ON_LIST");
    refused(sb, ["dx", "add", "dana", "F32.1", "--date", "2999-01-01"], 3, "E_FUTURE_DATE");
    refused(sb, ["dx", "add", "dana", "F32.1", "--status", "resolved"], 3, "E_DX_BAD_STATUS");
    refused(sb, ["dx", "add", "dana", "F32.1", "--onset", "2025-02-01", "--date", "2025-01-01"], 3, "E_DX_ONSET");
    refused(sb, ["dx", "update", "dana", "F41.1"], 2, "E_DX_NO_CHANGE");

    // A new primary takes the flag off the old one, in the same commit.
    const before = execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" });
    sb.ok(["dx", "add", "dana", "F32.1", "--status", "provisional", "--primary"]);
    expect(Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }))).toBe(Number(before) + 1);
    sb.ok(["dx", "update", "dana", "F32.1", "--status", "active"]);
    sb.ok(["dx", "rule-out", "dana", "F10.10"]);
    sb.ok(["dx", "resolve", "dana", "F10.20"]);
    refused(sb, ["dx", "resolve", "dana", "F10.20"], 3, "E_DX_NOT_CURRENT");
    const noop = sb.run(["dx", "update", "dana", "F32.1", "--status", "active"]);
    expect(noop.code).toBe(0);
    expect(noop.stderr).toMatch(/no changes/);

    const list = JSON.parse(sb.ok(["dx", "list", "dana", "--json"]));
    expect(list.map((d: { code: string }) => d.code)).toEqual(["F32.1", "F41.1", "F99.9"]);
    expect(list[0]).toMatchObject({ code: "F32.1", status: "active", primary: true, description: "Major depressive disorder, single episode, moderate", client: cid });
    expect(list[1]).toMatchObject({ code: "F41.1", primary: false, onset: "2024-06-01", added: "2025-01-05", description: "Generalized anxiety disorder" });
    const all = JSON.parse(sb.ok(["dx", "list", "dana", "--all", "--json"]));
    expect(all.find((d: { code: string }) => d.code === "F10.20")).toMatchObject({ status: "resolved", labels: ["SUD"] });
    expect(all.find((d: { code: string }) => d.code === "F10.10")).toMatchObject({ status: "ruled-out" });
    expect(all.find((d: { code: string }) => d.code === "F10.10").labels).toBeUndefined();
    const hist = JSON.parse(sb.ok(["dx", "history", "dana", "f1020", "--json"]));
    expect(hist.map((e: { event: string; status: string }) => `${e.event} ${e.status}`)).toEqual(["add active", "status resolved"]);
    expect(sb.ok(["dx", "list", "dana"])).toMatch(/F32\.1\s+Major depressive disorder.*active, primary/);

    // client show carries the current medications and diagnoses.
    sb.ok(["med", "add", "dana", "bupropion", "--dose", "150 mg"]);
    const show = JSON.parse(sb.ok(["client", "show", "dana", "--json"]));
    expect(show.diagnoses.map((d: { code: string }) => d.code)).toEqual(["F32.1", "F41.1", "F99.9"]);
    expect(show.medications).toEqual([expect.objectContaining({ name: "bupropion", dose: "150 mg", active: true })]);
    const text = sb.ok(["client", "show", "dana"]);
    expect(text).toMatch(/Current diagnoses\n\s+F32\.1\s+Major depressive disorder/);
    expect(text).toMatch(/Current medications\n\s+bupropion 150 mg/);

    const log = execFileSync("git", ["log", "--format=%s"], { cwd: sb.repo, encoding: "utf8" });
    expect(log).toContain("chart: add diagnosis");
    expect(log).toContain("chart: update diagnosis");
    for (const o of allGitObjects(sb.repo)) expect(o.includes("Generalized anxiety")).toBe(false);
  });

  it("events added on two devices merge without conflict and fold together", () => {
    const sb = sandbox();
    const cid = addClient(sb, "Morgan Mergetest");
    const med = sb.ok(["med", "add", "morgan", "sertraline", "--dose", "50 mg", "--start", "2025-01-01"]);
    sb.ok(["dx", "add", "morgan", "F41.1", "--date", "2025-01-01"]);
    const other = `${sb.home}/device2`;
    execFileSync("git", ["clone", "-q", sb.repo, other], { env: sb.env });
    // Device 2 changes the dose and adds a diagnosis; device 1 (meanwhile) stops the medication later on.
    sb.ok(["med", "change", cid, med, "--dose", "100 mg", "--date", "2025-02-01", "--repo", other]);
    sb.ok(["dx", "add", cid, "F32.1", "--repo", other]);
    sb.ok(["med", "stop", "morgan", med, "--date", "2025-03-01"]);
    const git = (args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: sb.repo, env: sb.env, encoding: "utf8" });
    git(["pull", "-q", "--no-rebase", "--no-edit", other, "main"]);
    expect(git(["status", "--porcelain"])).toBe("");
    // git's merge commit is not signed: chart refuses it until reviewed and adopted.
    expect(sb.run(["med", "list", "morgan"]).code).toBe(3);
    sb.ok(["fsck", "--adopt", "--yes"]);
    const [m] = JSON.parse(sb.ok(["med", "list", "morgan", "--all", "--json"]));
    expect(m).toMatchObject({ dose: "100 mg", lastChanged: "2025-02-01", stopped: "2025-03-01", active: false });
    expect(JSON.parse(sb.ok(["dx", "list", "morgan", "--json"])).map((d: { code: string }) => d.code).sort()).toEqual(["F32.1", "F41.1"]);
  });
});
