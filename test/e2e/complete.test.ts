/**
 * Never a silent omission (docs/decisions.md, "Bounded file work"): under a tight open-file
 * limit every record of a large client is listed, shared and checked; a record that cannot be
 * read (permissions) or is corrupt is named, makes listings exit non-zero, and makes share
 * refuse unless --allow-incomplete, which names it in the manifest and the PDF.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, sandbox, type RunResult, type Sandbox } from "../support/e2e.js";

const rid = (p: string) => `${p}_${[...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("")}`;
const commits = (sb: Sandbox) => Number(execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: sb.repo, encoding: "utf8" }).trim());
const NOTES = 150;
const MEDS = 12;

/** chart under `ulimit -n 64`, with no read cache. */
function limited(sb: Sandbox, args: string[]): RunResult {
  rmSync(join(sb.repo, ".git", "chart", "cache"), { recursive: true, force: true });
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const r = spawnSync("bash", ["-c", `ulimit -n 64 && exec ${quoted}`], { cwd: sb.repo, env: sb.env, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function largeClient(sb: Sandbox): { cid: string; notes: string[] } {
  const cid = rid("cl");
  const notes = Array.from({ length: NOTES }, () => rid("nt"));
  const lines = [JSON.stringify({ kind: "client", id: cid, client: cid, created: "2024-01-01T00:00:00Z", name: "Lena Large", status: "active", admitted: "2024-01-01" })];
  notes.forEach((id, i) => {
    const date = `2024-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
    lines.push(JSON.stringify({ kind: "note", id, client: cid, created: "2024-01-01T00:00:00Z", type: "progress", template: "free", date, status: "signed", body: `Session ${i}.\n` }));
  });
  for (let i = 0; i < MEDS; i++) {
    const med = rid("md");
    lines.push(JSON.stringify({ kind: "med", id: med, med, client: cid, created: "2024-01-01T00:00:00Z", event: "start", date: "2024-02-01", name: `med${i}`, dose: "10 mg" }));
  }
  const file = join(sb.tmp, "large.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  sb.ok(["import", file]);
  rmSync(file);
  return { cid, notes };
}

const isRoot = process.getuid?.() === 0;

describe("complete at any open-file limit", () => {
  let sb: Sandbox;
  let cid: string;
  let notes: string[];
  let consent: string;
  const outs: string[] = [];
  const outDir = () => {
    const d = tempDir("chart-complete-out-");
    outs.push(d);
    return join(d, "bundle");
  };

  beforeAll(() => {
    sb = sandbox();
    ({ cid, notes } = largeClient(sb));
    consent = sb.ok(["consent", "add", cid, "--to", "Dr Next", "--purpose", "continuity of care", "--share", "demographics,notes,medications,diagnoses", "--from", "2020-01-01", "--expires", "2099-01-01", "--signed", "today"]);
  }, 120_000);

  afterAll(() => {
    for (const d of outs) rmSync(d, { recursive: true, force: true });
    rmSync(sb.home, { recursive: true, force: true });
  });

  it("lists, shows the timeline, shares and checks every record under ulimit -n 64", () => {
    const list = limited(sb, ["--json", "note", "list", cid]);
    expect(list.code).toBe(0);
    // A cold read of this many records reports progress: JSON counter lines with --json ...
    const progress = list.stderr.trim().split("\n").map((l) => JSON.parse(l) as { progress: { done: number; total: number } });
    expect(progress.at(-1)?.progress).toEqual({ what: "decrypting", done: NOTES, total: NOTES });
    // ... and nothing on a pipe.
    expect(limited(sb, ["note", "list", cid]).stderr).toBe("");
    expect((JSON.parse(list.stdout) as { id: string }[]).map((n) => n.id).sort()).toEqual([...notes].sort());

    const meds = limited(sb, ["--json", "med", "list", cid]);
    expect(meds.code).toBe(0);
    expect((JSON.parse(meds.stdout) as unknown[]).length).toBe(MEDS);

    const tl = limited(sb, ["--json", "timeline", cid]);
    expect(tl.code).toBe(0);
    expect((JSON.parse(tl.stdout) as unknown[]).length).toBe(NOTES + MEDS);

    const dir = outDir();
    const share = limited(sb, ["share", cid, "--consent", consent, "--out", dir, "--format", "pdf,fhir", "--plaintext"]);
    expect(share.code, share.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { included: { notes: string[] }; incomplete?: unknown };
    expect([...manifest.included.notes].sort()).toEqual([...notes].sort());
    expect(manifest.incomplete).toBeUndefined();

    const fsck = limited(sb, ["--json", "fsck", "--decrypt"]);
    expect(fsck.code, fsck.stderr).toBe(0);
    const report = JSON.parse(fsck.stdout) as { files: number; decrypted: number; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.decrypted).toBe(report.files);
    expect(report.files).toBeGreaterThanOrEqual(1 + NOTES + MEDS);
  }, 180_000);

  it("names an unreadable and a corrupt record, exits non-zero, and share refuses", () => {
    const dirOf = join(sb.repo, "clients", cid, "notes");
    const unreadable = `clients/${cid}/notes/${notes[3]}.age`;
    const corrupt = `clients/${cid}/notes/${notes[7]}.age`;
    const abs = (p: string) => join(sb.repo, p);
    expect(existsSync(dirOf)).toBe(true);
    if (isRoot) {
      // chmod does not stop root from reading: put a folder where the file was instead (the read
      // fails with EISDIR, a failure that is not "not found").
      rmSync(abs(unreadable));
      mkdirSync(abs(unreadable));
    } else {
      chmodSync(abs(unreadable), 0o000);
    }
    const bytes = readFileSync(abs(corrupt));
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    writeFileSync(abs(corrupt), bytes);
    try {
      const before = commits(sb);
      // Both files differ from the verified commit, so the work-tree check (docs/verifiable-history.md)
      // names them before any record of the client is used; either way nothing is silent: the
      // command names both, exits non-zero, and never calls them "not found".
      for (const args of [["note", "list", cid], ["timeline", cid]]) {
        const r = limited(sb, args);
        expect(r.code, args.join(" ")).not.toBe(0);
        expect(r.stderr).toContain(unreadable);
        expect(r.stderr).toContain(corrupt);
        expect(r.stderr).toMatch(/could not be read or verified|changed outside chart/);
        expect(r.stderr).not.toMatch(/does not exist/);
      }
      const json = limited(sb, ["--json", "note", "list", cid]);
      expect(json.code).not.toBe(0);
      const err = JSON.parse(json.stderr.trim().split("\n").at(-1) as string) as { error: { code: string } };
      expect(["E_INCOMPLETE", "E_WORKTREE_CHANGED"]).toContain(err.error.code);

      const dir = outDir();
      for (const extra of [[], ["--allow-incomplete"]]) {
        // --allow-incomplete covers records that cannot be read; never records changed behind chart's back.
        const refused = limited(sb, ["share", cid, "--consent", consent, "--out", dir, "--plaintext", ...extra]);
        expect(refused.code).toBe(3);
        expect(refused.stderr).toContain(unreadable);
        expect(refused.stderr).toContain(corrupt);
        expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
        expect(commits(sb)).toBe(before);
      }

      const fsck = limited(sb, ["--json", "fsck", "--decrypt"]);
      expect(fsck.code).not.toBe(0);
      const problems = (JSON.parse(fsck.stdout) as { problems: { path: string }[] }).problems.map((p) => p.path);
      expect(problems).toEqual(expect.arrayContaining([unreadable, corrupt]));
    } finally {
      if (isRoot) rmSync(abs(unreadable), { recursive: true, force: true });
      else chmodSync(abs(unreadable), 0o600);
    }
  }, 180_000);
});
