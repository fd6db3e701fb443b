/**
 * The editor as an attacker or a crash would meet it: a real vim (started as `vi` and as a
 * symlink named `editor`) on a pseudo-terminal leaves no note text in ~/.viminfo; no terminal
 * and no $EDITOR fails at once; a lock or changed keys are found before the editor opens; a
 * write that fails after it closed keeps the text encrypted, and `chart note recover` writes it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editorCommand, editorFamily } from "../../src/cli/editor.js";
import { shellQuote } from "../../src/cli/run.js";
import { addClient, BIN, sandbox, type Sandbox } from "../support/e2e.js";
import { allFiles, findNeedles } from "../support/verify.js";

const VIM = spawnSync("sh", ["-c", "command -v vim.basic || command -v vim"], { encoding: "utf8" }).stdout.trim();
const hasScript = spawnSync("script", ["--version"]).status === 0;

let sb: Sandbox;
let cid: string;
const scratch: string[] = [];

beforeAll(() => {
  sb = sandbox();
  cid = addClient(sb, "Vera Vim");
});
afterAll(() => {
  rmSync(sb.home, { recursive: true, force: true });
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const noEditorEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  // empty counts as unset (and overrides the sandbox's scripted editor)
  return { ...sb.env, EDITOR: "", VISUAL: "", ...extra };
};

describe("editor families", () => {
  it("names every vim, nano and emacs however called", () => {
    for (const n of ["vi", "vim", "view", "ex", "rvim", "vimdiff", "vim.basic", "vim.tiny", "vim.nox", "nvim", "gvim"]) expect(editorFamily(n)).toBe("vim");
    for (const n of ["nano", "rnano"]) expect(editorFamily(n)).toBe("nano");
    for (const n of ["emacs", "emacs-nox", "emacs-gtk", "emacs29"]) expect(editorFamily(n === "emacs29" ? "emacs-29.1" : n)).toBe("emacs");
    for (const n of ["code", "busybox", "nvi", "ed", "joe"]) expect(editorFamily(n)).toBe("unknown");
  });

  it("resolves symlinks and alternatives before naming the family", () => {
    const bin = join(sb.home, "altbin");
    mkdirSync(bin, { recursive: true });
    symlinkSync("/bin/true", join(bin, "vim")); // named vim, but it is not
    if (VIM) symlinkSync(VIM, join(bin, "editor"));
    symlinkSync(join(bin, "editor"), join(bin, "myedit"));
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    expect(editorCommand({ env: { ...env, EDITOR: "vim" } }).family).toBe("unknown");
    if (VIM) {
      expect(editorCommand({ env: { ...env, EDITOR: "editor" } }).family).toBe("vim");
      expect(editorCommand({ env: { ...env, VISUAL: "myedit -p" } }).extra).toContain("-i");
    }
    expect(editorCommand({ env: { ...env, EDITOR: "nano" } }).extra).toEqual(["--restricted"]);
    expect(editorCommand({ env: { PATH: "/nonexistent" } })).toMatchObject({ cmd: "vi", family: "vim", explicit: false });
  });
});

describe("no terminal, no $EDITOR", () => {
  it("`note add C </dev/null` fails at once with a hint, no vi, no escape codes", () => {
    const t0 = Date.now();
    const r = sb.run(["note", "add", cid], { env: noEditorEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: no text was given and there is no terminal/);
    expect(r.stderr).toMatch(/hint: .*-m .*-F/);
    // eslint-disable-next-line no-control-regex -- looks for ESC on purpose
    expect(r.stderr + r.stdout).not.toMatch(/\x1b/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("the same for every editor path: client edit, note edit, note amend", () => {
    const note = sb.ok(["note", "add", cid, "-m", "signed", "--sign"]);
    for (const args of [["client", "edit", cid], ["note", "amend", note]]) {
      const r = sb.run(args, { env: noEditorEnv() });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/E_NO_EDITOR|no terminal for an editor/);
      // eslint-disable-next-line no-control-regex -- looks for ESC on purpose
      expect(r.stderr).not.toMatch(/\x1b/);
    }
  });
});

describe.skipIf(!VIM || !hasScript)("a real vim on a pseudo-terminal", () => {
  const onPty = (args: string[], env: Record<string, string>, keys: string): Promise<number> =>
    new Promise((resolve) => {
      const cmd = [process.execPath, BIN, ...args].map(shellQuote).join(" ");
      const p: ChildProcess = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: sb.repo, env: { ...env, TERM: "xterm" }, stdio: ["pipe", "ignore", "ignore"] });
      // vim reads the keys from the terminal once it starts; the pty buffers them until then.
      setTimeout(() => p.stdin?.write(keys), 1500);
      setTimeout(() => p.stdin?.end(), 6000);
      const kill = setTimeout(() => p.kill("SIGKILL"), 40_000);
      p.on("exit", (code) => {
        clearTimeout(kill);
        resolve(code ?? -1);
      });
    });

  it.each([
    ["vi (the default)", {}],
    ["a symlink named `editor`", { EDITOR: "editor" }],
  ])("%s: the note is written, ~/.viminfo holds none of it, no swap or undo files", async (_n, extra) => {
    const bin = join(sb.home, "edbin");
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, "editor"))) symlinkSync(VIM, join(bin, "editor"));
    const needle = `VIMSECRET${Math.random().toString(36).slice(2, 8)}`;
    const env = noEditorEnv({ ...extra, PATH: `${bin}:${sb.env.PATH}` });
    // add a line, yank it (viminfo would keep the register), save and quit
    const code = await onPty(["note", "add", cid], env, `ggO${needle}\x1byy"ayy:wq\r`);
    expect(code).toBe(0);
    const notes = sb.run(["note", "list", cid, "--json"]);
    expect(notes.stdout).toContain(needle);
    // anywhere under HOME: ~/.viminfo, swap/undo files, the repository (encrypted), TMPDIR, buffers
    expect(findNeedles(allFiles(sb.home), [needle])).toEqual([]);
    if (existsSync(join(sb.home, ".viminfo"))) expect(readFileSync(join(sb.home, ".viminfo"), "utf8")).not.toContain(needle);
  });
});

describe("checked before the editor opens; kept when the write fails after", () => {
  it("a live writer's lock: refused before the editor starts (exit 5)", () => {
    const holder = spawn("sleep", ["60"]);
    try {
      const start = readFileSync(`/proc/${holder.pid}/stat`, "utf8");
      const st = start.slice(start.lastIndexOf(")") + 2).split(" ")[19];
      writeFileSync(join(sb.repo, ".git", "chart.lock"), `${holder.pid} ${st} abcd\n`);
      const log = join(sb.home, "editor-started");
      const r = sb.run(["note", "add", cid], { env: { FAKE_EDITOR_MODE: "write:typed text", FAKE_EDITOR_LOG: log } });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/editor was not opened/);
      expect(existsSync(log)).toBe(false);
    } finally {
      holder.kill("SIGKILL");
      rmSync(join(sb.repo, ".git", "chart.lock"), { force: true });
    }
  });

  it("keys changed while the editor was open: kept encrypted, then `note recover` writes it", () => {
    sb.ok(["note", "add", cid, "-m", "pin the keys"]);
    const pin = join(sb.repo, ".git", "chart", "recipients.pin");
    const saved = readFileSync(pin, "utf8");
    const script = join(sb.home, "ed-then-change-keys.sh");
    const needle = `DRAFTSECRET${Math.random().toString(36).slice(2, 8)}`;
    writeFileSync(script, `#!/bin/sh\nfor f; do :; done\nprintf '%s\\n' '${needle} typed in the editor' > "$f"\necho 0000 > ${shellQuote(pin)}\n`, { mode: 0o700 });
    const r = sb.run(["note", "add", cid], { env: { EDITOR: `sh ${script}` } });
    expect(r.code).toBe(6);
    const draft = /draft (dr_[0-9a-f]+)/.exec(r.stderr)?.[1];
    expect(draft).toBeDefined();
    expect(r.stderr).toMatch(/chart note recover dr_/);
    // never plaintext: not in the repository, its .git, HOME, TMPDIR or the runtime folder
    expect(findNeedles(allFiles(sb.home).filter((f) => f.path !== script), [needle])).toEqual([]);
    expect(readdirSync(join(sb.repo, ".git", "chart", "drafts"))).toEqual([`${draft}.age`]);
    writeFileSync(pin, saved);
    expect(sb.ok(["note", "recover"])).toContain(draft as string);
    const id = sb.ok(["note", "recover", draft as string]);
    expect(id).toMatch(/^nt_/);
    expect(sb.ok(["note", "show", id])).toContain(needle);
    expect(readdirSync(join(sb.repo, ".git", "chart", "drafts"))).toEqual([]);
    expect(sb.run(["note", "recover", draft as string]).code).toBe(4);
  });
});
