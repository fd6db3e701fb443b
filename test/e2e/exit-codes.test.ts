/**
 * Conditions a user can cause get their documented exit code, never "internal error": a full
 * disk or read-only file system at the record write (a real tmpfs, when this user may mount),
 * --identity naming a folder, a missing .chart/recipients, `clients` being a file; and a nested
 * `chart init` is refused.
 */
import { tempDir } from "../support/tmp.js";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addClient, sandbox, type Sandbox } from "../support/e2e.js";
import { allFiles, findNeedles } from "../support/verify.js";

let sb: Sandbox;
let cid: string;
beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Exit Codes");
});
afterAll(() => rmSync(sb.home, { recursive: true, force: true }));

const noInternal = (r: { stderr: string }) => expect(r.stderr).not.toMatch(/internal error/);

describe("documented exit codes", () => {
  it("--identity naming a folder: exit 6, says it is a folder", () => {
    const r = sb.run(["client", "list", "--identity", sb.home]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/is a folder, not an identity file/);
    expect(r.stderr).not.toMatch(/chmod/);
  });

  it("a missing .chart/recipients: exit 6, for reads and writes", () => {
    const rec = join(sb.repo, ".chart", "recipients");
    renameSync(rec, `${rec}.aside`);
    try {
      for (const args of [["client", "list"], ["client", "add", "--name", "New One"]]) {
        const r = sb.run(args);
        expect(r.code).toBe(6);
        expect(r.stderr).toMatch(/E_NO_RECIPIENTS|no readable \.chart\/recipients/);
        noInternal(r);
      }
    } finally {
      renameSync(`${rec}.aside`, rec);
    }
  });

  it("`clients` being a file: exit 7 for reads and writes", () => {
    const dir = join(sb.repo, "clients");
    renameSync(dir, `${dir}.aside`);
    writeFileSync(dir, "");
    try {
      for (const args of [["client", "list"], ["client", "add", "--name", "New One"], ["note", "add", cid, "-m", "x"]]) {
        const r = sb.run(args);
        expect(r.code).toBe(7);
        noInternal(r);
      }
    } finally {
      rmSync(dir);
      renameSync(`${dir}.aside`, dir);
    }
  });

  it("chart init inside a chart's folders is refused (exit 3), nothing created", () => {
    const inner = join(sb.repo, "clients", "nested");
    const r = sb.run(["init", inner]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is inside the chart at/);
    expect(spawnSync("test", ["-e", inner]).status).not.toBe(0);
    expect(sb.run(["init", sb.repo]).code).toBe(0); // the chart itself: checked again, fine
  });
});

// A real full or read-only file system: a small tmpfs (needs permission to mount; skipped otherwise).
const mnt = tempDir("chart-fs-");
const canMount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt]).status === 0;
if (canMount) spawnSync("umount", [mnt]);

describe.skipIf(!canMount)("full disk and read-only file system", () => {
  let small: Sandbox;
  let c: string;
  beforeAll(() => {
    small = sandbox({ init: false });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt]);
    const repo = join(mnt, "chart");
    mkdirSync(repo);
    small.ok(["init", repo]);
    c = small.ok(["client", "add", "--name", "Small Disk"], { cwd: repo });
  });
  afterAll(() => {
    spawnSync("umount", [mnt]);
    rmSync(mnt, { recursive: true, force: true });
    rmSync(small.home, { recursive: true, force: true });
  });

  it("a full disk at the record write: exit 7, no internal error, nothing half-written", () => {
    const repo = join(mnt, "chart");
    spawnSync("dd", ["if=/dev/zero", `of=${join(mnt, "fill")}`, "bs=4k"], { stdio: "ignore" });
    try {
      const r = small.run(["note", "add", c, "-m", "a note that does not fit"], { cwd: repo, env: { CHART_DEBUG: "1" } });
      expect(r.code, r.stderr).toBe(7);
      noInternal(r);
    } finally {
      rmSync(join(mnt, "fill"), { force: true });
    }
    expect(execFileSync("git", ["status", "--porcelain"], { cwd: repo, encoding: "utf8" })).toBe("");
  });

  it("a full disk after the editor closed: the text is kept encrypted (RAM folder) and `note recover` writes it", () => {
    const repo = join(mnt, "chart");
    spawnSync("dd", ["if=/dev/zero", `of=${join(mnt, "fill")}`, "bs=4k"], { stdio: "ignore" });
    let draft: string | undefined;
    try {
      const r = small.run(["note", "add", c], { cwd: repo, env: { FAKE_EDITOR_MODE: "write:FULLDISKSECRET typed in the editor" } });
      expect(r.code).toBe(7);
      noInternal(r);
      draft = /draft (dr_[0-9a-f]+)/.exec(r.stderr)?.[1];
      expect(draft, r.stderr).toBeDefined();
      expect(findNeedles(allFiles(small.home), ["FULLDISKSECRET"])).toEqual([]);
    } finally {
      rmSync(join(mnt, "fill"), { force: true });
    }
    expect(small.ok(["note", "recover"], { cwd: repo })).toContain(draft as string);
    const id = small.ok(["note", "recover", draft as string], { cwd: repo });
    expect(small.ok(["note", "show", id], { cwd: repo })).toContain("FULLDISKSECRET");
  });

  it("a read-only file system: writes exit 7; reads show nothing when the access log cannot be written (exit 7)", () => {
    const repo = join(mnt, "chart");
    small.ok(["note", "add", c, "-m", "READONLYSECRET"], { cwd: repo });
    execFileSync("mount", ["-o", "remount,ro", mnt]);
    try {
      const w = small.run(["note", "add", c, "-m", "another"], { cwd: repo });
      expect(w.code).toBe(7);
      noInternal(w);
      for (const args of [["note", "list", c], ["note", "list", c, "--json"], ["client", "show", c]]) {
        const r = small.run(args, { cwd: repo });
        expect(r.code).toBe(7);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/access log/);
        noInternal(r);
      }
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mnt]);
    }
  });
});
