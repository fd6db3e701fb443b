/** The editor round-trip, in-process with the scripted editor; and its small parts. */
import { tempDir } from "../support/tmp.js";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/cli/deps.js";
import { bufferBase, editorCommand, editorScript, editText, sweepStale } from "../../src/cli/editor.js";
import { ChartError } from "../../src/domain/errors.js";
import { FAKE_EDITOR } from "../support/e2e.js";

function deps(env: Record<string, string>): Deps {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return {
    env,
    cwd: tmpdir(),
    now: () => new Date(),
    stdin: Readable.from([]),
    stdout: sink,
    stderr: sink,
    isTTY: { stdin: false, stdout: false, stderr: false },
    random: () => new Uint8Array(16),
    onCleanup: () => () => undefined,
    holdInterrupts: () => () => undefined,
    selfCommand: "chart",
  };
}

const runtime = () => {
  const d = tempDir("chart-rt-");
  return d;
};

describe("editor parts", () => {
  it("a plain editor command is exec'd so signals reach the editor itself", () => {
    expect(editorScript("vim")).toBe('exec vim "$@"');
    expect(editorScript("code --wait")).toBe('exec code --wait "$@"');
    expect(editorScript("FOO=1 vim")).toBe('FOO=1 vim "$@"');
    expect(editorScript("vim; echo done")).toBe('vim; echo done "$@"');
  });

  it("VISUAL wins over EDITOR; vim and neovim get swap, backup, undo and viminfo turned off", () => {
    expect(editorCommand({ env: { VISUAL: "nano", EDITOR: "vim" } }).cmd).toBe("nano");
    expect(editorCommand({ env: { VISUAL: "nano" } }).extra).toEqual(["--restricted"]);
    for (const v of ["vim", "/usr/bin/nvim", "vim.basic -p"]) {
      const { extra } = editorCommand({ env: { EDITOR: v } });
      expect(extra.join(" ")).toContain("noswapfile");
      expect(extra.join(" ")).toContain("noundofile");
      expect(extra.join(" ")).toContain("nobackup");
      expect(extra).toContain("-n");
    }
  });

  it("buffers go to $CHART_EDIT_DIR, else $XDG_RUNTIME_DIR, else /dev/shm; never $TMPDIR", () => {
    const a = runtime();
    const b = runtime();
    expect(bufferBase({ env: { CHART_EDIT_DIR: a, XDG_RUNTIME_DIR: b, TMPDIR: b } })).toBe(a);
    expect(bufferBase({ env: { XDG_RUNTIME_DIR: b } })).toBe(b);
    if (existsSync("/dev/shm")) expect(bufferBase({ env: { XDG_RUNTIME_DIR: join(b, "missing"), TMPDIR: b } })).toBe("/dev/shm");
  });

  it("stale buffers of dead chart processes are swept; live ones and other files are kept", async () => {
    const base = runtime();
    const dead = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ["-e", "0"]);
      p.on("exit", () => resolve(p.pid as number));
    });
    mkdirSync(join(base, `chart-edit-${dead}-abc`));
    mkdirSync(join(base, `chart-edit-${process.pid}-def`));
    mkdirSync(join(base, "something-else"));
    expect(await sweepStale(base)).toBe(1);
    expect(readdirSync(base).sort()).toEqual([`chart-edit-${process.pid}-def`, "something-else"]);
  });
});

describe("editText", () => {
  const env = (rt: string, mode: string, extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? "",
    XDG_RUNTIME_DIR: rt,
    EDITOR: `node ${FAKE_EDITOR}`,
    FAKE_EDITOR_MODE: mode,
    ...extra,
  });

  it("returns the saved text; the buffer was private (0700 folder, 0600 file) and is gone", async () => {
    const rt = runtime();
    const info = join(runtime(), "info");
    const text = await editText(deps(env(rt, "append:added", { FAKE_EDITOR_INFO: info })), "start\n");
    expect(text).toBe("start\nadded");
    const i = JSON.parse(readFileSync(info, "utf8")) as { file: string; mode: string; dirMode: string };
    expect(i.file.startsWith(rt)).toBe(true);
    expect([i.mode, i.dirMode]).toEqual(["600", "700"]);
    expect(readdirSync(rt)).toEqual([]);
  });

  it("a failing editor is E_EDITOR (exit 3), and the buffer is gone", async () => {
    const rt = runtime();
    const e = await editText(deps(env(rt, "fail")), "start\n").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChartError);
    expect([(e as ChartError).code, (e as ChartError).exit]).toEqual(["E_EDITOR", 3]);
    expect(readdirSync(rt)).toEqual([]);
  });

  it("an editor that cannot start is E_EDITOR, and the buffer is gone", async () => {
    const rt = runtime();
    const e = await editText(deps({ ...env(rt, "noop"), EDITOR: "/nonexistent/editor" }), "x").catch((x: unknown) => x);
    expect((e as ChartError).code).toBe("E_EDITOR");
    expect(readdirSync(rt)).toEqual([]);
  });

  it("no RAM-backed folder at all is a clear error before anything is written", async () => {
    const e = await Promise.resolve()
      .then(() => bufferBase({ env: { CHART_EDIT_DIR: "/nonexistent/a", XDG_RUNTIME_DIR: "/nonexistent/b" } }))
      .catch((x: unknown) => x);
    if (existsSync("/dev/shm")) expect(e).toBe("/dev/shm");
    else expect((e as ChartError).code).toBe("E_NO_RAM_DIR");
  });
});
