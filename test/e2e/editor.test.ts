/**
 * The editor round-trip with the real binary: nothing left in $TMPDIR, the repository or
 * $XDG_RUNTIME_DIR, whether the editor saves, fails, or chart is signalled while it runs.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { git } from "../support/verify.js";

let sb: Sandbox;
let cid: string;
let infoN = 0;

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Edna Editor");
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(f: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const exited = (p: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => {
    let stderr = "";
    let stdout = "";
    p.stderr?.on("data", (d) => (stderr += String(d)));
    p.stdout?.on("data", (d) => (stdout += String(d)));
    // "exit", not "close": an orphaned editor would keep the pipes open and hang the test.
    p.on("exit", (code, signal) => setTimeout(() => resolve({ code, signal, stderr, stdout }), 50));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Start `chart note add` with the scripted editor; resolves once the editor has the buffer. */
async function startEditing(env: Record<string, string>) {
  const info = join(sb.home, `editor-info-${(infoN += 1)}.jsonl`);
  const p = sb.spawn(["note", "add", cid], { env: { FAKE_EDITOR_INFO: info, ...env } });
  const done = exited(p);
  const ed = await waitFor(() => (existsSync(info) && readFileSync(info, "utf8").endsWith("\n") ? (JSON.parse(readFileSync(info, "utf8")) as { file: string; pid: number; mode: string; dirMode: string }) : undefined), "the editor");
  return { p, done, ed };
}

function expectNoTraces() {
  expect(readdirSync(sb.runtimeDir)).toEqual([]);
  expect(readdirSync(sb.tmp)).toEqual([]);
  expect(git(sb.repo, ["status", "--porcelain", "--ignored"])).toBe("");
}

describe("editor round-trip (real binary)", () => {
  it("saves a note; the buffer was private, in $XDG_RUNTIME_DIR, and is gone", async () => {
    const before = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const { done, ed } = await startEditing({ FAKE_EDITOR_MODE: "append:Wrote about sleep." });
    expect(ed.file.startsWith(sb.runtimeDir + "/")).toBe(true);
    expect([ed.mode, ed.dirMode]).toEqual(["600", "700"]);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(git(sb.repo, ["rev-list", "--count", `${before}..HEAD`]).trim()).toBe("1");
    expect(existsSync(ed.file)).toBe(false);
    expectNoTraces();
  });

  it("SIGTERM while the editor runs: the editor is stopped, the buffer removed, nothing written", async () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const { p, done, ed } = await startEditing({ FAKE_EDITOR_MODE: "sleep" });
    expect(alive(ed.pid)).toBe(true);
    p.kill("SIGTERM");
    const r = await done;
    expect(r.code ?? r.signal).toBe(143);
    try {
      await waitFor(() => (alive(ed.pid) ? undefined : true), "the editor to stop", 5000);
    } finally {
      if (alive(ed.pid)) process.kill(ed.pid, "SIGKILL"); // do not leave an orphan behind a failure
    }
    expect(git(sb.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expectNoTraces();
  });

  it("SIGINT while the editor runs is ignored, like git: the note is saved, then cleanup happens", async () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const { p, done, ed } = await startEditing({ FAKE_EDITOR_MODE: "append:Saved despite Ctrl-C.", FAKE_EDITOR_DELAY_MS: "1200" });
    p.kill("SIGINT");
    await sleep(200);
    expect(p.exitCode).toBeNull(); // still running
    expect(alive(ed.pid)).toBe(true);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(git(sb.repo, ["rev-list", "--count", `${head}..HEAD`]).trim()).toBe("1");
    expectNoTraces();
  });

  it("SIGINT, then the editor fails: exit 3, nothing written, nothing left", async () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const { p, done } = await startEditing({ FAKE_EDITOR_MODE: "fail", FAKE_EDITOR_DELAY_MS: "800" });
    p.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: the editor exited with status 1; nothing was written$/m);
    expect(git(sb.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expectNoTraces();
  });

  it("unchanged buffer writes nothing; an empty one aborts clearly; a failing editor too", () => {
    const head = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    const unchanged = sb.run(["note", "add", cid], { env: { FAKE_EDITOR_MODE: "noop" } });
    expect(unchanged.code, unchanged.stderr).toBe(3);
    expect(unchanged.stderr).toMatch(/^error: the template was left unchanged; nothing was written$/m);
    const empty = sb.run(["note", "add", cid], { env: { FAKE_EDITOR_MODE: "empty" } });
    expect(empty.code, empty.stderr).toBe(3);
    expect(empty.stderr).toMatch(/^error: the note is empty; nothing was written$/m);
    expect(empty.stderr).toMatch(/^hint: /m);
    const fail = sb.run(["note", "add", cid], { env: { FAKE_EDITOR_MODE: "fail" } });
    expect(fail.code, fail.stderr).toBe(3);
    const nid = JSON.parse(sb.ok(["note", "list", cid, "--json"]))[0].id as string;
    const head2 = git(sb.repo, ["rev-parse", "HEAD"]).trim();
    expect(head2).toBe(head);
    const noEdit = sb.run(["note", "edit", nid], { env: { FAKE_EDITOR_MODE: "noop" } });
    expect([noEdit.code, noEdit.stderr.trim()]).toEqual([0, "no changes; nothing written"]);
    const noClientEdit = sb.run(["client", "edit", cid], { env: { FAKE_EDITOR_MODE: "noop" } });
    expect([noClientEdit.code, noClientEdit.stderr.trim()]).toEqual([0, "no changes"]);
    const emptyEdit = sb.run(["note", "edit", nid], { env: { FAKE_EDITOR_MODE: "empty" } });
    expect(emptyEdit.code, emptyEdit.stderr).toBe(3);
    expect(git(sb.repo, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expectNoTraces();
  });

  it("a buffer left by a dead chart run is swept at the next editor start", () => {
    const stale = join(sb.runtimeDir, "chart-edit-999999-zzzz");
    mkdirSync(stale, { mode: 0o700 });
    writeFileSync(join(stale, "note.md"), "left behind by a crash");
    sb.ok(["note", "add", cid], { env: { FAKE_EDITOR_MODE: "append:ok" } });
    expectNoTraces();
  });
});
