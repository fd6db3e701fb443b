/**
 * An import killed at any moment is wholly committed or wholly absent once the next command has
 * run, its temporary files are gone, and (when absent) the same import runs again cleanly
 * (docs/decisions.md, "Imports are all or nothing").
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sandbox, type Sandbox } from "../support/e2e.js";

const rid = (p: string) => `${p}_${[...randomBytes(26)].map((b) => "abcdefghijklmnopqrstuvwxyz234567"[b & 31]).join("")}`;
const git = (sb: Sandbox, args: string[]) => execFileSync("git", args, { cwd: sb.repo, encoding: "utf8" });
const RUNS = 22;
const CLIENTS = 4;
const NOTES = 200;

function importFile(sb: Sandbox): { file: string; ids: string[] } {
  const clients = Array.from({ length: CLIENTS }, () => rid("cl"));
  const ids: string[] = [...clients];
  const lines = clients.map((id, i) => JSON.stringify({ kind: "client", id, client: id, created: "2025-01-01T00:00:00Z", name: `Crash ${i}`, status: "active", admitted: "2025-01-01" }));
  for (let i = 0; i < NOTES; i++) {
    const id = rid("nt");
    ids.push(id);
    lines.push(JSON.stringify({ kind: "note", id, client: clients[i % CLIENTS], created: "2025-01-01T00:00:00Z", type: "progress", template: "free", date: "2025-02-01", status: "draft", body: `Note ${i}.\n` }));
  }
  const file = join(sb.tmp, `import-${randomBytes(4).toString("hex")}.jsonl`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, ids };
}

/** Every file under clients/, tracked or not (temporary files included). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  try {
    walk(dir);
  } catch {
    /* no clients yet */
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("import killed at random points", () => {
  const sb = sandbox();
  afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

  it(`is all or nothing after the next command, ${RUNS} runs`, async () => {
    // How long a whole import takes here, to spread the kills over it.
    const probe = importFile(sb);
    const t0 = Date.now();
    sb.ok(["import", probe.file]);
    const full = Date.now() - t0;
    const outcomes = { committed: 0, absent: 0, midWrite: 0 };
    for (let run = 0; run < RUNS; run++) {
      const { file, ids } = importFile(sb);
      const head = git(sb, ["rev-parse", "HEAD"]).trim();
      const tracked = git(sb, ["ls-files", "clients"]).split("\n").filter(Boolean).length;
      const child = sb.spawn(["import", file]);
      const exited = new Promise<void>((r) => child.on("exit", () => r()));
      await sleep(Math.floor(Math.random() * full * 1.3));
      child.kill("SIGKILL");
      await exited;
      if (git(sb, ["status", "--porcelain", "--untracked-files=all", "--", "clients"]) !== "" || filesUnder(join(sb.repo, "clients")).some((f) => f.includes(".tmp-"))) outcomes.midWrite += 1;
      // The next command, a read: it settles the interrupted import.
      const list = sb.run(["--json", "client", "list", "--all"]);
      expect(list.code, list.stderr).toBe(0);
      // Wait for a git a killed import may have left finishing its commit, then look.
      const status = git(sb, ["status", "--porcelain", "--untracked-files=all", "--", "clients"]);
      expect(status, `run ${run}`).toBe("");
      expect(filesUnder(join(sb.repo, "clients")).filter((f) => f.includes(".tmp-"))).toEqual([]);
      expect(readdirSync(join(sb.repo, ".git", "chart")).filter((f) => f.includes("journal"))).toEqual([]);
      const now = git(sb, ["ls-files", "clients"]).split("\n").filter(Boolean).length;
      const listed = (JSON.parse(list.stdout) as { id: string }[]).map((c) => c.id);
      if (now === tracked) {
        outcomes.absent += 1;
        expect(git(sb, ["rev-parse", "HEAD"]).trim()).toBe(head);
        for (const c of ids.slice(0, CLIENTS)) expect(listed).not.toContain(c);
        // Nothing of it is left: the same import runs again.
        sb.ok(["import", file]);
        expect(git(sb, ["ls-files", "clients"]).split("\n").filter(Boolean).length).toBe(tracked + ids.length);
      } else {
        outcomes.committed += 1;
        expect(now).toBe(tracked + ids.length);
        for (const c of ids.slice(0, CLIENTS)) expect(listed).toContain(c);
      }
      rmSync(file);
    }
    rmSync(probe.file);
    console.log(`import-crash: ${RUNS} kills over ${full} ms: ${outcomes.midWrite} left files behind, ${outcomes.absent} absent (re-imported), ${outcomes.committed} committed`);
    const fsck = sb.run(["--json", "fsck"]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  }, 600_000);
});
